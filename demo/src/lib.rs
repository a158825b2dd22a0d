//! Synthetic demonstration data (`zhenxing demo-data`): organizations, pairings,
//! projects, households, wishes, party pairings, liaisons, reports … over Yunnan's real
//! divisions, for front-end teams and benchmarks.
//!
//! - Synthetic and labelled so: organization and enterprise names start with `【演示】`,
//!   every free-text note or description says `演示数据（合成）`, e-mail addresses are
//!   under the reserved `.invalid` domain.
//! - Deterministic: the same seed, scale and `as_of` date give the same rows (except the
//!   sealed personal data, whose nonces are random by design).
//! - Valid: rows are built with the same row structs as the API's writes, satisfy every
//!   CHECK and the domain's rules (a project, village pairing, party pairing or wish
//!   claim has a non-terminated pairing between its organization and county; money
//!   disbursed ≤ committed; no date after `as_of`), credit codes and ID numbers carry
//!   correct check characters, and households' personal data is sealed with the vault.
//! - All or nothing: one transaction, taken behind the writers' lock; rows go in
//!   through `persistence::bulk` (multi-row statements on PostgreSQL, in chunks under
//!   its limit of 65,535 bind parameters). It refuses a database that already holds
//!   organizations or households.
//! - Not journaled row by row: the change feed and audit log are for real changes that
//!   provincial systems replay, so demo rows write no events; one audit entry records
//!   the generation itself.
//!
//! The generator plans in memory, then fills one table after another, in `run`'s
//! order; each step lives in the module named after what it makes. It reads and writes
//! only through `persistence`'s functions, never its schema.

mod dice;
mod households;
mod identifiers;
mod liaisons;
mod organizations;
mod pairings;
mod party;
mod plan;
mod projects;
mod regions;
mod reports;
mod summary;
mod supervision;
mod vocabulary;

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use chrono::{NaiveDate, NaiveTime, TimeDelta, Utc};
use diesel::Connection;
use domain::Changes;
use persistence::households::AssistanceRow;
use persistence::journal::{Entry, WriteContext};
use persistence::personal_data::Vault;
use persistence::DbConnection;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::dice::{ymd, Dice};
use crate::households::HouseholdInfo;
use crate::organizations::Org;
use crate::pairings::PairingInfo;
use crate::projects::CompletedProject;
use crate::regions::{County, Divisions, Prefecture, Village};
use crate::summary::Recorder;

pub use crate::plan::{Options, Scale, Targets, DEFAULT_SEED};
pub use crate::summary::{Progress, ProgressLog, Summary, TableSummary};

/// What every synthetic organization's and enterprise's name starts with.
pub const NAME_PREFIX: &str = "【演示】";
/// What every synthetic note and description says.
pub const NOTE: &str = "演示数据（合成）";

/// Why no demo data was written (nothing was: the run is one transaction).
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The database already holds data: demo data goes only into an empty one.
    #[error(
        "the database already holds {organizations} organizations and {households} households: \
         demo data goes only into an empty database (create a fresh one)"
    )]
    NotEmpty { organizations: i64, households: i64 },
    /// The options or the database cannot give valid data (regions not loaded, a date
    /// out of range).
    #[error("{0}")]
    Invalid(String),
    /// A generated value failed its own check: a bug in the generator.
    #[error("generated an invalid {0}")]
    Bug(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Fills an empty, migrated database (regions loaded) with demo data, reporting
/// progress after every chunk. One transaction: on any error nothing is left behind.
pub fn generate(
    conn: &mut DbConnection,
    vault: &Vault,
    options: &Options,
    mut progress: impl FnMut(&Progress),
) -> Result<Summary, DemoError> {
    let started = Instant::now();
    let earliest = ymd(2024, 1, 1);
    let today = domain::pairing::shanghai_today(Utc::now());
    if options.as_of < earliest || options.as_of > today {
        return Err(DemoError::Invalid(format!(
            "as-of date {} must lie between {earliest} and today ({today})",
            options.as_of
        )));
    }
    conn.transaction(|conn| {
        // Serializes with every writer: a second run started meanwhile waits, then
        // finds the organizations and refuses.
        persistence::journal::lock_writes(conn)?;
        let organizations = persistence::organizations::count_organizations(conn)?;
        let households = persistence::households::count_households(conn)?;
        if organizations > 0 || households > 0 {
            return Err(DemoError::NotEmpty {
                organizations,
                households,
            });
        }
        let mut generator = Generator::new(conn, options, &mut progress)?;
        generator.run(conn, vault)?;
        let summary = generator.summary(options, started);
        let mut changes = Changes::new();
        changes.created("scale", &options.scale.as_str());
        changes.created("seed", &options.seed);
        changes.created("as_of", &options.as_of.to_string());
        changes.created("rows", &summary.total_rows());
        changes.created("note", &NOTE);
        persistence::journal::audit_only(
            conn,
            &WriteContext {
                actor_role: Some("system".to_owned()),
                ..WriteContext::default()
            },
            &Entry {
                entity: "demo_data",
                entity_id: format!("{}-{}", options.scale, options.seed),
                action: "generate",
                changes,
            },
        )?;
        Ok(summary)
    })
}

/// The run's state: the seeded dice, the geography, and what has been planned so far
/// (entities are referred to by their index in these vectors).
struct Generator<'p> {
    dice: Dice,
    targets: Targets,
    recorder: Recorder<'p>,
    prefectures: Vec<Prefecture>,
    counties: Vec<County>,
    villages: Vec<Village>,
    orgs: Vec<Org>,
    pairings: Vec<PairingInfo>,
    /// Organizations with a party organization.
    party_orgs: Vec<usize>,
    /// (organization, county) of every pairing.
    paired: HashSet<(usize, usize)>,
    credit_codes: HashSet<String>,
    completed_projects: Vec<CompletedProject>,
    projects_per_prefecture: Vec<u64>,
    /// Cases by organization: (id, created on).
    cases_of: HashMap<usize, Vec<(uuid::Uuid, NaiveDate)>>,
    households: Vec<HouseholdInfo>,
    /// Assistance records that fulfilled wishes, stored with the other records.
    wish_assistance: Vec<AssistanceRow>,
    key_national: u64,
    key_provincial: u64,
    border_counties: u64,
    tagged_villages: u64,
}

impl<'p> Generator<'p> {
    fn new(
        conn: &mut DbConnection,
        options: &Options,
        progress: &'p mut dyn FnMut(&Progress),
    ) -> Result<Generator<'p>, DemoError> {
        let Divisions {
            prefectures,
            counties,
            villages,
        } = Divisions::load(conn)?;
        let as_of = options.as_of;
        let horizon = as_of.and_time(NaiveTime::MIN).and_utc() - TimeDelta::hours(8);
        let prefecture_count = prefectures.len();
        Ok(Generator {
            dice: Dice {
                rng: StdRng::seed_from_u64(options.seed),
                as_of,
                horizon,
            },
            targets: options.scale.targets(),
            recorder: Recorder::new(progress),
            prefectures,
            counties,
            villages,
            orgs: Vec::new(),
            pairings: Vec::new(),
            party_orgs: Vec::new(),
            paired: HashSet::new(),
            credit_codes: HashSet::new(),
            completed_projects: Vec::new(),
            projects_per_prefecture: vec![0; prefecture_count],
            cases_of: HashMap::new(),
            households: Vec::new(),
            wish_assistance: Vec::new(),
            key_national: 0,
            key_provincial: 0,
            border_counties: 0,
            tagged_villages: 0,
        })
    }

    /// Plans, then fills each table in an order where every row's references exist.
    fn run(&mut self, conn: &mut DbConnection, vault: &Vault) -> Result<(), DemoError> {
        self.region_flags(conn)?;
        self.plan_organizations()?;
        self.plan_pairings();
        self.plan_party_organizations();
        self.store_organizations(conn)?;
        self.store_pairings(conn)?;
        self.store_pairing_requests(conn)?;
        self.store_projects(conn)?;
        self.store_village_pairings(conn)?;
        self.store_cases(conn)?;
        self.store_supervision(conn)?;
        self.store_party(conn)?;
        self.store_liaisons(conn)?;
        self.store_reports(conn)?;
        self.store_households(conn, vault)?;
        self.store_wishes(conn)?;
        self.store_assistance(conn)?;
        Ok(())
    }

    fn summary(&self, options: &Options, started: Instant) -> Summary {
        Summary {
            scale: options.scale,
            seed: options.seed,
            as_of: options.as_of,
            tables: self.recorder.tables().to_vec(),
            key_counties_national: self.key_national,
            key_counties_provincial: self.key_provincial,
            border_counties: self.border_counties,
            tagged_villages: self.tagged_villages,
            elapsed: started.elapsed(),
        }
    }

    fn as_of(&self) -> NaiveDate {
        self.dice.as_of
    }
}
