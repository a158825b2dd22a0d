//! `zhenxing demo-data` on the backend under test: the generator fills a fresh database
//! with data that is complete (every screen has some), valid (every row reads back the
//! way the API reads it, every rule of the programme holds), labelled as synthetic and
//! reproducible; and it refuses a database that already has data.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use demo::{DemoError, Options, Scale, Summary, NAME_PREFIX, NOTE};
use diesel::prelude::*;
use domain::household::IdNumber;
use domain::listing::{PageRequest, SortField};
use domain::organization::{CreditCode, Organization};
use domain::pairing::shanghai_today;
use domain::project::{Project, VillagePairing};
use domain::KeyCountyFilter;
use persistence::dialect::DbUuid;
use persistence::households::{AssistanceRow, HouseholdRow, WishRecord, WishRow};
use persistence::personal_data::{PiiKey, Vault};
use persistence::schema::{
    assistance_records, audit_log, cases, events, households, liaisons, organizations,
    pairing_requests, pairings, party_activities, party_organizations, party_pairings, projects,
    regions, reports, supervision_records, village_pairings, wishes,
};
use persistence::{DbConnection, Visibility};
use tests::TestDb;

fn vault() -> Vault {
    Vault::new(PiiKey::from_base64(tests::PII_KEY).unwrap(), Vec::new())
}

/// Small data as of today, the date read once for the whole test binary: two runs that
/// read the clock on either side of midnight in Shanghai would make different data.
static SMALL: LazyLock<Options> = LazyLock::new(|| Options {
    scale: Scale::Small,
    seed: 0,
    as_of: shanghai_today(persistence::now()),
});

fn options(seed: u64) -> Options {
    Options { seed, ..*SMALL }
}

/// A migrated, seeded database filled with small demo data.
fn generated(db: &TestDb, seed: u64) -> (DbConnection, Summary) {
    let mut conn = db.connect();
    api::server::migrate_and_seed(&mut conn).unwrap();
    let mut reports = 0;
    let summary = demo::generate(&mut conn, &vault(), &options(seed), |_| reports += 1).unwrap();
    assert!(reports > summary.tables.len(), "progress is reported");
    (conn, summary)
}

/// Rows in a table.
macro_rules! count {
    ($conn:expr, $table:expr) => {
        $table.count().get_result::<i64>($conn).unwrap()
    };
}

#[test]
fn small_demo_data_is_complete_valid_and_labelled() {
    let db = TestDb::new();
    let (mut conn, summary) = generated(&db, 7);
    let today = shanghai_today(persistence::now());
    let now = persistence::now();
    let conn = &mut conn;

    // Every table holds what the summary says, and something.
    let counts = [
        ("organizations", count!(conn, organizations::table)),
        ("pairings", count!(conn, pairings::table)),
        ("pairing_requests", count!(conn, pairing_requests::table)),
        ("projects", count!(conn, projects::table)),
        ("village_pairings", count!(conn, village_pairings::table)),
        ("cases", count!(conn, cases::table)),
        (
            "supervision_records",
            count!(conn, supervision_records::table),
        ),
        (
            "party_organizations",
            count!(conn, party_organizations::table),
        ),
        ("party_pairings", count!(conn, party_pairings::table)),
        ("party_activities", count!(conn, party_activities::table)),
        ("liaisons", count!(conn, liaisons::table)),
        ("reports", count!(conn, reports::table)),
        ("households", count!(conn, households::table)),
        ("wishes", count!(conn, wishes::table)),
        (
            "assistance_records",
            count!(conn, assistance_records::table),
        ),
    ];
    for (table, n) in counts {
        assert!(n > 0, "{table} is empty");
        assert_eq!(summary.rows(table), n as u64, "{table}");
    }
    assert_eq!(summary.tables.len(), counts.len());
    let targets = Scale::Small.targets();
    for (table, target) in [
        ("organizations", targets.organizations),
        ("pairings", targets.pairings),
        ("projects", targets.projects),
        ("village_pairings", targets.village_pairings),
        ("households", targets.households),
        ("assistance_records", targets.assistance_records),
        ("wishes", targets.wishes),
        ("party_pairings", targets.party_pairings),
    ] {
        assert_eq!(summary.rows(table), target as u64, "{table}");
    }
    // No events for demo rows; one audit entry for the run.
    assert_eq!(count!(conn, events::table), 0);
    let audit: Vec<String> = audit_log::table
        .select(audit_log::entity)
        .load(conn)
        .unwrap();
    assert_eq!(audit, ["demo_data"]);

    // Regions: key counties as the plan has them (about 27 + 30), border counties.
    let key: Vec<Option<String>> = regions::table
        .filter(regions::key_county.is_not_null())
        .select(regions::key_county)
        .load(conn)
        .unwrap();
    assert!((50..=60).contains(&key.len()), "{} key counties", key.len());
    assert_eq!(
        summary.key_counties_national + summary.key_counties_provincial,
        key.len() as u64
    );
    let border: i64 = regions::table
        .filter(regions::border_county.eq(true))
        .count()
        .get_result(conn)
        .unwrap();
    assert_eq!(border, 25);

    // Organizations read back as the API reads them, with valid credit codes that say
    // where they were registered, and names that say they are synthetic.
    let rows: Vec<persistence::organizations::OrganizationRow> = organizations::table
        .select(persistence::organizations::OrganizationRow::as_select())
        .load(conn)
        .unwrap();
    for row in rows {
        let code = CreditCode::parse(&row.credit_code).unwrap();
        assert!(row.name.starts_with(NAME_PREFIX), "{}", row.name);
        let organization = Organization::try_from(row).unwrap();
        let registration = code.registration().unwrap();
        assert_eq!(registration.level, organization.level);
        assert_eq!(registration.org_type, organization.org_type);
        assert_eq!(
            registration.region_code,
            organization.registration_region_code
        );
    }

    // Open pairings: every project, village pairing, party pairing, wish claim and
    // assistance record has one between its organization and county.
    let open: HashSet<(DbUuid, String)> = pairings::table
        .filter(pairings::status.ne("terminated"))
        .select((pairings::organization_id, pairings::county_code))
        .load(conn)
        .unwrap()
        .into_iter()
        .collect();
    let covered: HashSet<&String> = open.iter().map(|(_, c)| c).collect();
    assert_eq!(covered.len(), 129, "every county is paired");

    let projects: Vec<persistence::projects::ProjectRow> = projects::table
        .select(persistence::projects::ProjectRow::as_select())
        .load(conn)
        .unwrap();
    for row in projects {
        assert!(open.contains(&(row.organization_id, row.county_code.clone())));
        let project = Project::try_from(row).unwrap();
        assert!(project.disbursed_fen <= project.committed_fen);
        assert!(project.start_on <= today && project.end_on.is_none_or(|end| end <= today));
        assert!(project.created_at <= now && project.updated_at >= project.created_at);
        if let Some(village) = &project.village_code {
            assert!(village.is_within(&project.county_code));
        }
    }
    let village_pairings: Vec<persistence::projects::VillagePairingRow> = village_pairings::table
        .select(persistence::projects::VillagePairingRow::as_select())
        .load(conn)
        .unwrap();
    for row in village_pairings {
        assert!(open.contains(&(row.organization_id, row.county_code.clone())));
        let pairing = VillagePairing::try_from(row).unwrap();
        assert!(pairing.started_on <= today);
    }
    let party: Vec<(DbUuid, String)> = party_pairings::table
        .select((party_pairings::organization_id, party_pairings::county_code))
        .load(conn)
        .unwrap();
    assert!(party.iter().all(|p| open.contains(p)));

    // Households: personal data opens with the vault, ID numbers are valid and found
    // by their blind index, the stored masks are the masks of what is sealed.
    let vault = vault();
    let households: Vec<HouseholdRow> = households::table
        .select(HouseholdRow::as_select())
        .load(conn)
        .unwrap();
    let mut county_of: HashMap<DbUuid, String> = HashMap::new();
    for row in &households {
        let personal = row.open_personal_data(&vault).unwrap();
        IdNumber::parse(personal.id_number.as_str()).unwrap();
        assert_eq!(
            row.id_number_index,
            vault.blind_index(personal.id_number.as_str())
        );
        let masked = personal.masked();
        assert_eq!(row.head_name_masked, masked.head_name);
        assert_eq!(row.id_number_masked, masked.id_number);
        assert_eq!(row.phone_masked, masked.phone);
        assert_eq!(row.note.as_deref(), Some(NOTE));
        let record = row.record().unwrap();
        assert!(record.village_code.is_within(&record.county_code));
        county_of.insert(row.id, row.county_code.clone());
    }

    // Wishes: claims by paired organizations; each fulfilled wish has the assistance
    // record that fulfilled it, by the organization that claimed it.
    let assistance: Vec<AssistanceRow> = assistance_records::table
        .select(AssistanceRow::as_select())
        .load(conn)
        .unwrap();
    let mut fulfilled_by: HashMap<DbUuid, DbUuid> = HashMap::new();
    for record in &assistance {
        let county = county_of[&record.household_id].clone();
        assert!(open.contains(&(record.organization_id, county)));
        assert!(record.given_on <= today && record.created_at.0 <= now);
        if let Some(wish) = record.wish_id {
            fulfilled_by.insert(wish, record.organization_id);
        }
    }
    let wishes: Vec<WishRow> = wishes::table
        .select(WishRow::as_select())
        .load(conn)
        .unwrap();
    let mut statuses = HashSet::new();
    for row in wishes {
        let record = WishRecord::try_from(row).unwrap();
        let wish = &record.wish;
        statuses.insert(wish.status);
        if let Some(organization) = wish.claimed_by {
            assert!(open.contains(&(DbUuid(organization), record.county_code.as_str().to_owned())));
            let claimed_on = shanghai_today(wish.claimed_at.unwrap());
            assert!(wish
                .fulfilled_on
                .is_none_or(|on| on >= claimed_on && on <= today));
        }
        if wish.status == domain::household::WishStatus::Fulfilled {
            assert_eq!(
                fulfilled_by.get(&DbUuid(wish.id)),
                wish.claimed_by.map(DbUuid).as_ref()
            );
        }
    }
    assert_eq!(statuses.len(), 4, "every status of a wish: {statuses:?}");

    // Reports: half-years of prefectures and years of province-level organizations.
    let kinds: HashSet<(String, String)> = reports::table
        .select((reports::kind, reports::period))
        .load(conn)
        .unwrap()
        .into_iter()
        .collect();
    for expected in [
        ("semiannual", "2024S1"),
        ("semiannual", "2025S2"),
        ("annual", "2024"),
        ("annual", "2025"),
    ] {
        assert!(
            kinds.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?}"
        );
    }

    // The API's list queries serve them.
    let page = PageRequest::default();
    let listed = persistence::households::list_households(
        conn,
        &Visibility::All,
        &Default::default(),
        persistence::households::HouseholdSort::DEFAULT,
        page,
    )
    .unwrap();
    assert_eq!(listed.total, targets.households as i64);
    assert_eq!(listed.items.len(), 20);
    let listed = persistence::projects::list_projects(
        conn,
        &Visibility::All,
        &Default::default(),
        persistence::projects::ProjectSort::DEFAULT,
        page,
    )
    .unwrap();
    assert_eq!(listed.total, targets.projects as i64);
    let listed = persistence::organizations::list_organizations(
        conn,
        &Default::default(),
        persistence::organizations::OrganizationSort::DEFAULT,
        page,
    )
    .unwrap();
    assert_eq!(listed.total, targets.organizations as i64);
    let listed = persistence::regions::list_counties(
        conn,
        &persistence::regions::CountyFilter {
            key_county: Some(KeyCountyFilter::Any),
            ..Default::default()
        },
        persistence::regions::CountySort::DEFAULT,
        page,
    )
    .unwrap();
    assert_eq!(listed.total, key.len() as i64);
}

#[test]
fn a_second_run_refuses_and_leaves_the_data_alone() {
    let db = TestDb::new();
    let (mut conn, summary) = generated(&db, 11);
    let again = demo::generate(&mut conn, &vault(), &options(11), |_| {});
    assert!(
        matches!(
            again,
            Err(DemoError::NotEmpty { organizations, households })
                if organizations == summary.rows("organizations") as i64
                    && households == summary.rows("households") as i64
        ),
        "{again:?}"
    );
    assert_eq!(
        count!(&mut conn, organizations::table),
        summary.rows("organizations") as i64
    );
    assert_eq!(count!(&mut conn, audit_log::table), 1);
}

#[test]
fn a_date_after_today_is_refused() {
    let db = TestDb::new();
    let mut conn = db.connect();
    api::server::migrate_and_seed(&mut conn).unwrap();
    // The day after tomorrow, so that it is still after today if midnight passes meanwhile.
    let mut later = options(1);
    later.as_of = shanghai_today(persistence::now())
        .succ_opt()
        .and_then(|tomorrow| tomorrow.succ_opt())
        .unwrap();
    let refused = demo::generate(&mut conn, &vault(), &later, |_| {});
    assert!(matches!(refused, Err(DemoError::Invalid(_))), "{refused:?}");
    assert_eq!(count!(&mut conn, organizations::table), 0);
}

#[test]
fn the_same_seed_gives_the_same_data() {
    let (first, second) = (TestDb::new(), TestDb::new());
    let (mut a, _) = generated(&first, 2025);
    let (mut b, _) = generated(&second, 2025);
    let organizations = |conn: &mut DbConnection| -> Vec<(DbUuid, String, String)> {
        organizations::table
            .select((
                organizations::id,
                organizations::name,
                organizations::credit_code,
            ))
            .order(organizations::id)
            .load(conn)
            .unwrap()
    };
    assert_eq!(organizations(&mut a), organizations(&mut b));
    let households = |conn: &mut DbConnection| -> Vec<(DbUuid, String, String)> {
        households::table
            .select((
                households::id,
                households::id_number_masked,
                households::village_code,
            ))
            .order(households::id)
            .load(conn)
            .unwrap()
    };
    assert_eq!(households(&mut a), households(&mut b));
    let assistance = |conn: &mut DbConnection| -> Vec<DbUuid> {
        assistance_records::table
            .select(assistance_records::id)
            .order(assistance_records::id)
            .load(conn)
            .unwrap()
    };
    assert_eq!(assistance(&mut a), assistance(&mut b));
}
