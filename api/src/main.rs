//! The `zhenxing` command: serve the API, or run one maintenance task.

use std::path::PathBuf;
use std::process::ExitCode;

use api::config::Config;
use clap::{Parser, Subcommand};
use persistence::db::DbManager;

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
    let pool = api::server::prepare_database(&config).map_err(|e| e.to_string())?;
    actix_web::rt::System::new().block_on(async move {
        let running = api::server::start(&config, pool).map_err(|e| e.to_string())?;
        let base = format!("http://{}", running.addr);
        log::info!("Zhenxing is serving {base}/api/v1 — API docs at {base}/docs, spec at {base}/api/v1/openapi.json");
        running.server.await.map_err(|e| e.to_string())
    })
}
