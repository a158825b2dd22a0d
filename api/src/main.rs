//! The `zhenxing` command: serve the API, or run one maintenance task.

use std::path::PathBuf;
use std::process::ExitCode;

use api::accounts::{self, NewAccount};
use api::config::Config;
use api::ApiError;
use clap::{Parser, Subcommand};
use persistence::db::DbManager;
use persistence::journal::WriteContext;

#[derive(Parser)]
#[command(
    name = "zhenxing",
    version,
    about = "Zhenxing 振兴: the API of Yunnan's social-organization rural-revitalization programme",
    long_about = "Zhenxing 振兴: the JSON REST API of Yunnan's programme 社会组织助力乡村振兴三年行动方案.\n\
                  Configuration comes from environment variables (and ./.env); see README.md."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, load the divisions if missing, and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load Yunnan's divisions (idempotent: existing regions are left as they are).
    SeedRegions,
    /// Create an account; the password is read from standard input (one line).
    CreateUser {
        /// 3–32 of a-z 0-9 _ . -
        #[arg(long)]
        username: String,
        /// province_admin, prefecture_officer, county_officer, org_user, viewer or integration
        #[arg(long)]
        role: String,
        /// Shown in the user interface (default: the username)
        #[arg(long)]
        display_name: Option<String>,
        /// A prefecture (prefecture_officer) or county (county_officer) code
        #[arg(long)]
        region_code: Option<String>,
        /// The organization of an org_user
        #[arg(long)]
        organization_id: Option<uuid::Uuid>,
        /// civil_affairs or rural_revitalization
        #[arg(long)]
        department: Option<String>,
    },
    /// After rotating PII_KEY (the old key moved to PII_PREVIOUS_KEYS): re-seal every
    /// household's personal data with the new key. Idempotent.
    ResealPersonalData,
    /// Forget failed logins at once, so that the login throttle's delays end: those of
    /// a username (from every address), of every username from an address, or both.
    UnlockLogin {
        #[arg(long, required_unless_present = "client_ip")]
        username: Option<String>,
        /// The client address as the audit log records it
        #[arg(long)]
        client_ip: Option<String>,
    },
    /// Fill an empty database with synthetic demonstration data (labelled 【演示】 and
    /// 演示数据（合成）), for front-end teams and benchmarks. Refuses a database that
    /// already holds organizations or households.
    DemoData {
        /// small (about 1/50: every screen has data) or large (5,000 organizations,
        /// 200,000 households, 1,000,000 assistance records)
        #[arg(long, default_value = "small")]
        scale: demo::Scale,
        /// The same seed (and as-of date) gives the same data.
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
        /// The data's "today", YYYY-MM-DD: nothing is dated later (default: today in
        /// Asia/Shanghai).
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Print the OpenAPI document.
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            eprintln!("error: .env: {e}");
            return ExitCode::FAILURE;
        }
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    match run(cli.command.unwrap_or(Command::Serve)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            log::error!("{message}");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Openapi { output } => {
            let json = api::openapi::document_json().map_err(|e| e.to_string())?;
            match output {
                Some(path) => {
                    std::fs::write(&path, json).map_err(|e| format!("{}: {e}", path.display()))
                }
                None => {
                    print!("{json}");
                    Ok(())
                }
            }
        }
        Command::Migrate => {
            let config = Config::from_env().map_err(|e| e.to_string())?;
            let mut conn = connect(&config)?;
            let applied =
                persistence::migrations::run_pending(&mut conn).map_err(|e| e.to_string())?;
            if applied.is_empty() {
                log::info!("the database is up to date");
            } else {
                log::info!("applied migrations: {}", applied.join(", "));
            }
            Ok(())
        }
        Command::ResealPersonalData => {
            let config = Config::from_env().map_err(|e| e.to_string())?;
            let mut conn = connect(&config)?;
            api::server::migrate_and_seed(&mut conn).map_err(|e| e.to_string())?;
            let vault = api::server::resolve_vault(&config, &mut conn)?;
            let resealed = persistence::households::reseal_all(&mut conn, &vault)
                .map_err(|e| e.to_string())?;
            log::info!(
                "re-sealed {resealed} households with key {}",
                vault.current_key_id()
            );
            Ok(())
        }
        Command::UnlockLogin {
            username,
            client_ip,
        } => {
            let config = Config::from_env().map_err(|e| e.to_string())?;
            let mut conn = connect(&config)?;
            let forgotten = persistence::users::unlock_login(
                &mut conn,
                username.as_deref(),
                client_ip.as_deref(),
            )
            .map_err(|e| e.to_string())?;
            log::info!("forgot {forgotten} failed logins");
            Ok(())
        }
        Command::SeedRegions => {
            let config = Config::from_env().map_err(|e| e.to_string())?;
            let mut conn = connect(&config)?;
            persistence::migrations::run_pending(&mut conn).map_err(|e| e.to_string())?;
            let inserted = persistence::seed::seed_regions(&mut conn).map_err(|e| e.to_string())?;
            let counts =
                persistence::regions::count_by_level(&mut conn).map_err(|e| e.to_string())?;
            let counts: Vec<String> = counts
                .iter()
                .map(|(level, n)| format!("{level} {n}"))
                .collect();
            log::info!("added {inserted} regions; now {}", counts.join(", "));
            Ok(())
        }
        Command::CreateUser {
            username,
            role,
            display_name,
            region_code,
            organization_id,
            department,
        } => {
            let config = Config::from_env().map_err(|e| e.to_string())?;
            let role = role.parse().map_err(|v: domain::Violation| {
                format!("--role: {}", v.message(domain::Lang::En))
            })?;
            let department =
                department
                    .map(|d| d.parse())
                    .transpose()
                    .map_err(|v: domain::Violation| {
                        format!("--department: {}", v.message(domain::Lang::En))
                    })?;
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .map_err(|e| format!("reading the password from standard input: {e}"))?;
            let new = NewAccount {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                role,
                region_code,
                organization_id,
                department,
                password: password.trim_end_matches(['\r', '\n']).to_owned(),
            };
            let explain = |e: ApiError| {
                let problem = e.problem(domain::Lang::En, "", "");
                let fields: Vec<String> = problem
                    .errors
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect();
                if fields.is_empty() {
                    problem.detail
                } else {
                    fields.join("; ")
                }
            };
            accounts::check_new(&new).map_err(explain)?;
            let hash = api::auth::hash_password(&new.password).map_err(explain)?;
            let mut conn = connect(&config)?;
            api::server::migrate_and_seed(&mut conn).map_err(|e| e.to_string())?;
            let context = WriteContext {
                actor_role: Some("system".to_owned()),
                ..WriteContext::default()
            };
            let account = accounts::create(&mut conn, &context, &new, hash).map_err(explain)?;
            println!("{}", account.id);
            log::info!(
                "created {} ({}) with id {}",
                account.username,
                account.role,
                account.id
            );
            Ok(())
        }
        Command::DemoData { scale, seed, as_of } => {
            let config = Config::from_env().map_err(|e| e.to_string())?;
            let mut conn = connect(&config)?;
            api::server::migrate_and_seed(&mut conn).map_err(|e| e.to_string())?;
            let vault = api::server::resolve_vault(&config, &mut conn)?;
            let options = demo::Options {
                scale,
                seed,
                as_of: as_of.unwrap_or_else(|| domain::pairing::shanghai_today(chrono::Utc::now())),
            };
            log::warn!(
                "generating SYNTHETIC demonstration data (scale {scale}, seed {seed}, as of {}) into {}: \
                 names start with {}, notes say {}; it is not real data",
                options.as_of,
                config.database_url.redacted(),
                demo::NAME_PREFIX,
                demo::NOTE,
            );
            let mut progress = demo::ProgressLog::default();
            let summary = demo::generate(&mut conn, &vault, &options, |p| {
                if let Some(line) = progress.line(p) {
                    eprintln!("{line}");
                }
            })
            .map_err(|e| e.to_string())?;
            println!("{summary}");
            Ok(())
        }
        Command::Serve => serve(),
    }
}

fn connect(config: &Config) -> Result<persistence::DbConnection, String> {
    DbManager::new(config.database_url.clone())
        .establish()
        .map_err(|e| format!("cannot connect to {}: {e}", config.database_url.redacted()))
}

fn serve() -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    log::info!("database: {}", config.database_url.redacted());
    let prepared = api::server::prepare(&config).map_err(|e| e.to_string())?;
    actix_web::rt::System::new().block_on(async move {
        let running = api::server::start(&config, prepared).map_err(|e| e.to_string())?;
        let base = format!("http://{}", running.addr);
        log::info!("Zhenxing is serving {base}/api/v1 — API docs at {base}/docs, spec at {base}/api/v1/openapi.json");
        running.server.await.map_err(|e| e.to_string())
    })
}
