//! Progress against the plan's targets: `/stats/overview` (public), the same figures
//! per prefecture and per county (`/stats/prefectures`, `/stats/counties`,
//! `/exports/stats.xlsx`), and the participation indicator of organizations
//! (`/organizations/{id}/indicators`, `/stats/organizations`, `/evaluation/weights`).

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::{get, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::evaluation::{self, Indicator, Score, Weights};
use domain::household::WishStatus;
use domain::identity::Department;
use domain::identity::{Actor, Role, Scope};
use domain::organization::{OrgLevel, OrgStatus};
use domain::pairing::PairingStatus;
use domain::project::ProjectCategory;
use domain::report::{self, ReportKind};
use domain::stats::{Figures, ReportFigures, Tally};
use domain::Rule;
use domain::{Changes, FieldError, KeyCounty, KeyCountyFilter, RegionCode, RegionLevel, Violation};
use persistence::journal::{self, Entry, Written};
use persistence::stats::{self as store, Year};
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{self, Authenticated, MaybeAuthenticated};
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryReader};
use crate::spreadsheet::{self, Cell};
use crate::state::AppState;

/// What every stats request may name.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the query string, which `QueryReader` reads
pub struct YearQuery {
    /// The programme year (default: this year in Asia/Shanghai). It selects the
    /// agreements due, the projects running, the reports owed and how far assistance
    /// counts; coverage and active pairings are as of today.
    #[param(minimum = 2023, maximum = 2100, example = 2025)]
    year: Option<i32>,
}

/// Reads `year` and the given names from the query string; unknown names are a 400.
/// `today` gives the default year.
fn read_query(req: &HttpRequest, today: NaiveDate) -> Result<(Year, i32, QueryReader), ApiError> {
    let mut reader = QueryReader::parse(req.query_string());
    let year = reader
        .integer("year", 2023, 2100)
        .map_or(today.year(), |y| y as i32);
    let bounds = Year::new(year).ok_or_else(|| {
        ApiError::Validation(vec![FieldError::new(
            "year",
            Violation::OutOfRange {
                min: 2023,
                max: 2100,
            },
        )])
    })?;
    Ok((bounds, year, reader))
}

/// A county's place in the tree and its flags.
#[derive(Debug, Clone)]
struct CountyInfo {
    code: String,
    name: String,
    prefecture: String,
    key_county: Option<KeyCounty>,
}

/// Everything the region figures are made from.
struct Counted {
    counties: Vec<CountyInfo>,
    prefectures: Vec<(String, String)>,
    tallies: HashMap<String, Tally>,
    /// (organization, county) of every non-terminated pairing.
    open_pairs: Vec<(uuid::Uuid, String)>,
    /// Report figures of each prefecture (its half-year reports), and of the
    /// province-level organizations (annual reports).
    prefecture_reports: HashMap<String, ReportFigures>,
    annual_reports: ReportFigures,
}

/// The figures of `year`, from the cache while fresh (`services::stats_cache`).
async fn counted(
    state: &web::Data<AppState>,
    year: Year,
    year_number: i32,
) -> Result<(std::sync::Arc<Counted>, DateTime<Utc>), ApiError> {
    let today = state.clock.today();
    state
        .stats
        .year(year_number, state.clock.now(), || {
            state.db(move |conn| count(conn, year, year_number, today))
        })
        .await
}

fn count(
    conn: &mut DbConnection,
    year: Year,
    year_number: i32,
    today: NaiveDate,
) -> Result<Counted, ApiError> {
    let regions = persistence::regions::upper_regions(conn)?;
    let counties: Vec<CountyInfo> = regions
        .iter()
        .filter(|r| r.level == RegionLevel::County)
        .map(|r| CountyInfo {
            code: r.code.to_string(),
            name: r.name.clone(),
            prefecture: r.code.as_str().chars().take(4).collect(),
            key_county: r.key_county,
        })
        .collect();
    let prefectures: Vec<(String, String)> = regions
        .iter()
        .filter(|r| r.level == RegionLevel::Prefecture)
        .map(|r| (r.code.to_string(), r.name.clone()))
        .collect();
    let counts = store::county_counts(conn, year, today)?;
    let open_pairs: Vec<(uuid::Uuid, String)> = persistence::pairings::open_pairs(conn)?
        .into_iter()
        .map(|(id, county)| (id.0, county))
        .collect();
    let liaisons: HashSet<(String, String)> = persistence::liaisons::active_pairs(conn)?
        .into_iter()
        .collect();
    let covered_by_liaisons = |code: &str| {
        Department::ALL
            .iter()
            .all(|d| liaisons.contains(&(code.to_owned(), d.as_str().to_owned())))
    };
    let covered: HashSet<&str> = open_pairs.iter().map(|(_, c)| c.as_str()).collect();
    let mut tallies: HashMap<String, Tally> = counties
        .iter()
        .map(|c| {
            let is_covered = i64::from(covered.contains(c.code.as_str()));
            let national = c.key_county == Some(KeyCounty::National);
            let provincial = c.key_county == Some(KeyCounty::Provincial);
            (
                c.code.clone(),
                Tally {
                    counties: 1,
                    counties_covered: is_covered,
                    key_national: i64::from(national),
                    key_national_covered: i64::from(national) * is_covered,
                    key_provincial: i64::from(provincial),
                    key_provincial_covered: i64::from(provincial) * is_covered,
                    liaison_regions: 1,
                    liaison_regions_covered: i64::from(covered_by_liaisons(&c.code)),
                    ..Tally::default()
                },
            )
        })
        .collect();
    for row in &counts.pairings {
        if let (Some(t), Ok(status)) =
            (tallies.get_mut(&row.code), row.key.parse::<PairingStatus>())
        {
            *t.pairings_by_status.entry(status).or_default() += row.n;
        }
    }
    for row in &counts.agreements {
        if let Some(t) = tallies.get_mut(&row.code) {
            t.agreements_on_time += row.a;
            t.agreements_late += row.b;
            t.agreements_overdue += row.c;
        }
    }
    for row in &counts.projects {
        if let (Some(t), Ok(category)) = (
            tallies.get_mut(&row.code),
            row.key.parse::<ProjectCategory>(),
        ) {
            let p = t.projects.entry(category).or_default();
            p.count += row.n;
            // Sums saturate rather than wrap (persistence::stats::Grouped).
            p.committed_fen = p.committed_fen.saturating_add(row.a);
            p.disbursed_fen = p.disbursed_fen.saturating_add(row.b);
            p.beneficiaries = p.beneficiaries.saturating_add(row.c);
        }
    }
    for (rows, field) in [
        (&counts.villages, 0),
        (&counts.households, 1),
        (&counts.party_pairings, 2),
    ] {
        for row in rows {
            if let Some(t) = tallies.get_mut(&row.code) {
                match field {
                    0 => t.villages_helped += row.n,
                    1 => t.households_helped += row.n,
                    _ => t.party_pairings_active += row.n,
                }
            }
        }
    }
    for row in &counts.wishes {
        if let (Some(t), Ok(status)) = (tallies.get_mut(&row.code), row.key.parse::<WishStatus>()) {
            *t.wishes_by_status.entry(status).or_default() += row.n;
        }
    }

    // Reports of the year: each prefecture owes two half-year reports, each active
    // province-level organization an annual one.
    let submitted: HashMap<(String, String, String), Option<NaiveDate>> =
        store::submitted_reports(conn, year_number)?
            .into_iter()
            .map(|r| {
                let on = r.submitted_at.map(|t| domain::pairing::shanghai_today(t.0));
                ((r.kind, r.subject, r.period), on)
            })
            .collect();
    let tally_report =
        |figures: &mut ReportFigures, kind: ReportKind, subject: &str, period: &str| {
            let Ok(period_parsed) = report::Period::parse(kind, period) else {
                return;
            };
            let due = period_parsed.due_on();
            match submitted.get(&(
                kind.as_str().to_owned(),
                subject.to_owned(),
                period.to_owned(),
            )) {
                Some(on) if report::is_late(*on, due, today) => figures.late += 1,
                Some(_) => figures.on_time += 1,
                None => figures.outstanding += 1,
            }
        };
    let mut prefecture_reports = HashMap::new();
    for (code, _) in &prefectures {
        let mut figures = ReportFigures::default();
        for half in ["S1", "S2"] {
            tally_report(
                &mut figures,
                ReportKind::Semiannual,
                code,
                &format!("{year_number}{half}"),
            );
        }
        prefecture_reports.insert(code.clone(), figures);
    }
    let mut annual_reports = ReportFigures::default();
    for (id, _, level, status) in persistence::organizations::organization_levels(conn)? {
        if level == OrgLevel::Provincial && status == OrgStatus::Active {
            tally_report(
                &mut annual_reports,
                ReportKind::Annual,
                &id.to_string(),
                &year_number.to_string(),
            );
        }
    }
    // Prefectures need liaisons too.
    for (code, _) in &prefectures {
        let covered = i64::from(covered_by_liaisons(code));
        tallies.insert(
            format!("{code}/liaison"),
            Tally {
                liaison_regions: 1,
                liaison_regions_covered: covered,
                ..Tally::default()
            },
        );
    }
    Ok(Counted {
        counties,
        prefectures,
        tallies,
        open_pairs,
        prefecture_reports,
        annual_reports,
    })
}

impl Counted {
    /// The figures of the counties `include` keeps (plus their prefectures' liaisons
    /// when `prefectures` are named).
    fn figures(
        &self,
        include: impl Fn(&CountyInfo) -> bool,
        prefectures: &[&str],
        reports: Option<ReportFigures>,
    ) -> Figures {
        let mut total = Tally::default();
        let mut codes = HashSet::new();
        for county in self.counties.iter().filter(|c| include(c)) {
            if let Some(t) = self.tallies.get(&county.code) {
                total.add(t);
            }
            codes.insert(county.code.as_str());
        }
        for prefecture in prefectures {
            if let Some(t) = self.tallies.get(&format!("{prefecture}/liaison")) {
                total.add(t);
            }
        }
        let organizations: HashSet<uuid::Uuid> = self
            .open_pairs
            .iter()
            .filter(|(_, county)| codes.contains(county.as_str()))
            .map(|(id, _)| *id)
            .collect();
        Figures::new(&total, organizations.len() as i64, reports)
    }
}

fn key_filter(filter: Option<KeyCountyFilter>) -> impl Fn(&CountyInfo) -> bool {
    move |c: &CountyInfo| match filter {
        None => true,
        Some(KeyCountyFilter::Any) => c.key_county.is_some(),
        Some(KeyCountyFilter::National) => c.key_county == Some(KeyCounty::National),
        Some(KeyCountyFilter::Provincial) => c.key_county == Some(KeyCounty::Provincial),
    }
}

/// The region an account's figures are limited to (officers); `None`: the province.
fn scope_of(actor: Option<&Actor>) -> Option<RegionCode> {
    match actor.map(|a| (&a.role, &a.scope)) {
        Some((
            Role::PrefectureOfficer | Role::CountyOfficer,
            Scope::Prefecture(c) | Scope::County(c),
        )) => Some(c.clone()),
        _ => None,
    }
}

/// The programme's figures for a region (the province, or an officer's region).
#[derive(Debug, Serialize, ToSchema)]
pub struct Overview {
    pub year: i32,
    /// `53` (the province), or the officer's prefecture or county.
    #[schema(example = "53")]
    pub region_code: String,
    pub region_name: String,
    pub computed_at: DateTime<Utc>,
    #[serde(flatten)]
    pub figures: Figures,
}

/// Progress against the plan's targets (public). Officers signed in see their region's.
#[utoipa::path(
    tag = "stats",
    params(YearQuery),
    responses(
        (status = 200, description = "The figures, each target with its progress", body = Overview),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The year is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/overview")]
pub async fn get_overview(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: MaybeAuthenticated,
) -> Result<web::Json<Overview>, ApiError> {
    let (year, year_number, reader) = read_query(&req, state.clock.today())?;
    reader.finish()?;
    let scope = scope_of(auth.actor());
    let (counted, computed_at) = counted(&state, year, year_number).await?;
    let (region_code, region_name, figures) = match &scope {
        None => {
            let prefectures: Vec<&str> = counted
                .prefectures
                .iter()
                .map(|(c, _)| c.as_str())
                .collect();
            let mut reports = ReportFigures::default();
            for r in counted
                .prefecture_reports
                .values()
                .chain([&counted.annual_reports])
            {
                reports.on_time += r.on_time;
                reports.late += r.late;
                reports.outstanding += r.outstanding;
            }
            (
                "53".to_owned(),
                "云南省".to_owned(),
                counted.figures(|_| true, &prefectures, Some(reports)),
            )
        }
        Some(code) => {
            let code = code.as_str();
            let is_prefecture = code.len() == 4;
            let name = if is_prefecture {
                counted
                    .prefectures
                    .iter()
                    .find(|(c, _)| c == code)
                    .map(|(_, n)| n.clone())
            } else {
                counted
                    .counties
                    .iter()
                    .find(|c| c.code == code)
                    .map(|c| c.name.clone())
            }
            .unwrap_or_default();
            let reports = is_prefecture
                .then(|| counted.prefecture_reports.get(code).copied())
                .flatten();
            let prefectures = if is_prefecture { vec![code] } else { vec![] };
            (
                code.to_owned(),
                name,
                counted.figures(|c| c.code.starts_with(code), &prefectures, reports),
            )
        }
    };
    Ok(web::Json(Overview {
        year: year_number,
        region_code,
        region_name,
        computed_at,
        figures,
    }))
}

/// One region's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionStats {
    #[schema(example = "530102")]
    pub code: String,
    pub name: String,
    /// A county's prefecture.
    pub prefecture_code: Option<String>,
    /// A county's key-county kind, if any.
    pub key_county: Option<KeyCounty>,
    #[serde(flatten)]
    pub figures: Figures,
}

/// A table of regions' figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionTable {
    pub year: i32,
    pub computed_at: DateTime<Utc>,
    pub items: Vec<RegionStats>,
}

/// Filters and order of the region tables.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the query string, which `QueryReader` reads
pub struct RegionTableQuery {
    #[param(minimum = 2023, maximum = 2100)]
    year: Option<i32>,
    /// Only this prefecture (and its counties).
    #[param(value_type = Option<String>, pattern = "^[0-9]{4}$")]
    prefecture: Option<String>,
    /// Only key counties (of this kind); a prefecture's figures then add up its key
    /// counties alone.
    key_county: Option<KeyCountyFilter>,
    /// `code` (default), `name`, or a figure: `counties_covered`,
    /// `key_counties_covered`, `organizations_participating`, `pairings`,
    /// `agreements_signed_on_time`, `agreements_overdue`, `projects`, `committed_fen`,
    /// `disbursed_fen`, `beneficiaries`, `villages_helped`, `households_helped`,
    /// `party_pairings_active`, `wishes_open`, `wishes_fulfilled`, `liaison_coverage`;
    /// `-` before it for descending.
    #[param(example = "-households_helped")]
    sort: Option<String>,
}

struct TableRequest {
    year: Year,
    year_number: i32,
    prefecture: Option<RegionCode>,
    key_county: Option<KeyCountyFilter>,
    sort: (String, bool),
}

fn read_table_query(req: &HttpRequest, today: NaiveDate) -> Result<TableRequest, ApiError> {
    let (year, year_number, mut reader) = read_query(req, today)?;
    let prefecture = reader.region_code("prefecture");
    let key_county = reader.parse_with::<KeyCountyFilter>("key_county");
    let sort = reader.text("sort");
    reader.finish()?;
    if let Some(p) = &prefecture {
        if p.as_str().len() != 4 {
            return Err(ApiError::Validation(vec![FieldError::rule(
                "prefecture",
                Rule::NotAPrefecture,
            )]));
        }
    }
    let sort = match sort.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => ("code".to_owned(), false),
        Some(raw) => {
            let (name, descending) = match raw.strip_prefix('-') {
                Some(n) => (n, true),
                None => (raw, false),
            };
            if name != "code" && name != "name" && !Figures::SORT_NAMES.contains(&name) {
                let mut allowed = vec!["code".to_owned(), "name".to_owned()];
                allowed.extend(Figures::SORT_NAMES.iter().map(|s| (*s).to_owned()));
                return Err(ApiError::Validation(vec![FieldError::new(
                    "sort",
                    Violation::NotAllowed { allowed },
                )]));
            }
            (name.to_owned(), descending)
        }
    };
    Ok(TableRequest {
        year,
        year_number,
        prefecture,
        key_county,
        sort,
    })
}

fn sort_rows(rows: &mut [RegionStats], (name, descending): &(String, bool)) {
    rows.sort_by(|a, b| {
        let order = match name.as_str() {
            "code" => a.code.cmp(&b.code),
            "name" => a.name.cmp(&b.name),
            figure => a
                .figures
                .sort_value(figure)
                .partial_cmp(&b.figures.sort_value(figure))
                .unwrap_or(Ordering::Equal),
        };
        let order = if *descending { order.reverse() } else { order };
        order.then_with(|| a.code.cmp(&b.code))
    });
}

/// Whether a region lies within an officer's scope (or there is none).
fn in_scope(scope: &Option<RegionCode>, code: &str) -> bool {
    scope
        .as_ref()
        .is_none_or(|s| code.starts_with(s.as_str()) || s.as_str().starts_with(code))
}

fn prefecture_rows(
    counted: &Counted,
    t: &TableRequest,
    scope: &Option<RegionCode>,
) -> Vec<RegionStats> {
    let keep = key_filter(t.key_county);
    let mut rows: Vec<RegionStats> = counted
        .prefectures
        .iter()
        .filter(|(code, _)| t.prefecture.as_ref().is_none_or(|p| p.as_str() == code))
        .filter(|(code, _)| in_scope(scope, code))
        .map(|(code, name)| {
            // A county officer sees only its county's share of its prefecture.
            let county_scope = scope.as_ref().filter(|s| s.as_str().len() == 6);
            let figures = counted.figures(
                |c| {
                    c.prefecture == *code
                        && keep(c)
                        && county_scope.is_none_or(|s| c.code == s.as_str())
                },
                &if county_scope.is_none() {
                    vec![code.as_str()]
                } else {
                    vec![]
                },
                if county_scope.is_none() {
                    counted.prefecture_reports.get(code).copied()
                } else {
                    None
                },
            );
            RegionStats {
                code: code.clone(),
                name: name.clone(),
                prefecture_code: None,
                key_county: None,
                figures,
            }
        })
        .collect();
    sort_rows(&mut rows, &t.sort);
    rows
}

fn county_rows(
    counted: &Counted,
    t: &TableRequest,
    scope: &Option<RegionCode>,
) -> Vec<RegionStats> {
    let keep = key_filter(t.key_county);
    let mut rows: Vec<RegionStats> = counted
        .counties
        .iter()
        .filter(|c| keep(c))
        .filter(|c| {
            t.prefecture
                .as_ref()
                .is_none_or(|p| p.as_str() == c.prefecture)
        })
        .filter(|c| in_scope(scope, &c.code))
        .map(|c| RegionStats {
            code: c.code.clone(),
            name: c.name.clone(),
            prefecture_code: Some(c.prefecture.clone()),
            key_county: c.key_county,
            figures: counted.figures(|x| x.code == c.code, &[], None),
        })
        .collect();
    sort_rows(&mut rows, &t.sort);
    rows
}

/// The figures of each prefecture (public; officers signed in see their region's rows).
#[utoipa::path(
    tag = "stats",
    params(RegionTableQuery),
    responses(
        (status = 200, description = "One row per prefecture", body = RegionTable),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range, or an unknown sort", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/prefectures")]
pub async fn get_prefecture_stats(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: MaybeAuthenticated,
) -> Result<web::Json<RegionTable>, ApiError> {
    region_table(&state, &req, &auth, prefecture_rows)
        .await
        .map(web::Json)
}

/// The figures of each county (public; officers signed in see their region's rows).
#[utoipa::path(
    tag = "stats",
    params(RegionTableQuery),
    responses(
        (status = 200, description = "One row per county", body = RegionTable),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range, or an unknown sort", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/counties")]
pub async fn get_county_stats(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: MaybeAuthenticated,
) -> Result<web::Json<RegionTable>, ApiError> {
    region_table(&state, &req, &auth, county_rows)
        .await
        .map(web::Json)
}

/// A region table as asked: its rows (`rows` picks prefectures or counties) from the
/// year's figures, within the caller's scope.
async fn region_table(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    auth: &MaybeAuthenticated,
    rows: fn(&Counted, &TableRequest, &Option<RegionCode>) -> Vec<RegionStats>,
) -> Result<RegionTable, ApiError> {
    let t = read_table_query(req, state.clock.today())?;
    let scope = scope_of(auth.actor());
    let (counted, computed_at) = counted(state, t.year, t.year_number).await?;
    Ok(RegionTable {
        year: t.year_number,
        computed_at,
        items: rows(&counted, &t, &scope),
    })
}

const STATS_HEADERS: &[&str] = &[
    "县代码",
    "县（市、区）",
    "州（市）代码",
    "重点帮扶县",
    "结对社会组织数",
    "结对数（未终止）",
    "按期签订协议",
    "逾期未签协议",
    "项目数",
    "承诺资金（元）",
    "到位资金（元）",
    "受益人数",
    "帮扶村数",
    "帮扶监测户数",
    "党组织结对数",
    "待认领心愿",
    "已实现心愿",
    "联络员已配齐",
];

/// The county table as a spreadsheet, with the same filters and order (public;
/// officers signed in get their region's rows).
#[utoipa::path(
    tag = "stats",
    params(RegionTableQuery),
    responses(
        (status = 200, description = "The county table", body = Vec<u8>,
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range, or an unknown sort", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/stats.xlsx")]
pub async fn export_stats_xlsx(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: MaybeAuthenticated,
) -> Result<HttpResponse, ApiError> {
    let t = read_table_query(&req, state.clock.today())?;
    let scope = scope_of(auth.actor());
    let (year, year_number) = (t.year, t.year_number);
    let (counted, _) = counted(&state, year, year_number).await?;
    let yuan = |fen: i64| Cell::Number(fen as f64 / 100.0);
    let rows: Vec<Vec<Cell>> = county_rows(&counted, &t, &scope)
        .into_iter()
        .map(|r| {
            let f = &r.figures;
            let n = |v: i64| Cell::Number(v as f64);
            vec![
                Cell::Text(r.code.clone()),
                Cell::Text(r.name.clone()),
                Cell::Text(r.prefecture_code.clone().unwrap_or_default()),
                Cell::Text(
                    match r.key_county {
                        Some(KeyCounty::National) => "国家级",
                        Some(KeyCounty::Provincial) => "省级",
                        None => "",
                    }
                    .to_owned(),
                ),
                n(f.organizations_participating),
                n(f.sort_value("pairings").unwrap_or(0.0) as i64),
                n(f.agreements_signed_on_time),
                n(f.agreements_overdue),
                n(f.projects_total.count),
                yuan(f.projects_total.committed_fen),
                yuan(f.projects_total.disbursed_fen),
                n(f.projects_total.beneficiaries),
                n(f.villages_helped.value),
                n(f.households_helped.value),
                n(f.party_pairings_active.value),
                n(f.wishes_by_status.get("open").copied().unwrap_or(0)),
                n(f.wishes_by_status.get("fulfilled").copied().unwrap_or(0)),
                Cell::Text(
                    if f.liaison_coverage.value == 1 {
                        "是"
                    } else {
                        "否"
                    }
                    .to_owned(),
                ),
            ]
        })
        .collect();
    let bytes =
        web::block(move || spreadsheet::write_xlsx("进展统计", STATS_HEADERS, &rows)).await??;
    Ok(crate::spreadsheet::attachment(
        spreadsheet::XLSX,
        &format!("stats-{year_number}.xlsx"),
        bytes,
    ))
}

// --- The participation indicator ------------------------------------------------------

/// Every organization's figures of a year, for the indicator.
fn organization_figures(
    conn: &mut DbConnection,
    year: Year,
    year_number: i32,
    only: Option<uuid::Uuid>,
    today: NaiveDate,
) -> Result<Vec<(uuid::Uuid, String, evaluation::Figures)>, ApiError> {
    let counts = store::organization_counts(conn, year, only)?;
    let key_counties: HashSet<String> = persistence::regions::upper_regions(conn)?
        .into_iter()
        .filter(|r| r.key_county.is_some())
        .map(|r| r.code.to_string())
        .collect();
    let annual: HashMap<String, Option<NaiveDate>> = store::submitted_reports(conn, year_number)?
        .into_iter()
        .filter(|r| r.kind == ReportKind::Annual.as_str())
        .map(|r| {
            (
                r.subject,
                r.submitted_at.map(|t| domain::pairing::shanghai_today(t.0)),
            )
        })
        .collect();
    let annual_due = report::Period {
        year: year_number,
        half: None,
    }
    .due_on();
    let index = |rows: &[store::Grouped]| -> HashMap<String, (i64, i64)> {
        let mut map: HashMap<String, (i64, i64)> = HashMap::new();
        for r in rows {
            let e = map.entry(r.code.clone()).or_default();
            e.0 += r.n;
            e.1 = e.1.saturating_add(r.a);
        }
        map
    };
    let agreements = index(&counts.agreements);
    let projects = index(&counts.projects);
    let villages = index(&counts.villages);
    let households = index(&counts.households);
    let wishes = index(&counts.wishes);
    let party = index(&counts.party);
    let cases = index(&counts.cases);
    let mut counties: HashMap<String, (i64, i64)> = HashMap::new();
    for r in &counts.counties {
        let e = counties.entry(r.code.clone()).or_default();
        e.0 += 1;
        e.1 += i64::from(key_counties.contains(&r.key));
    }
    let mut supervision: HashMap<String, (i64, i64)> = HashMap::new();
    for r in &counts.supervision {
        let e = supervision.entry(r.code.clone()).or_default();
        if r.key == "commendation" {
            e.0 += r.n;
        } else {
            e.1 += r.n;
        }
    }
    let mut all = Vec::new();
    for (id, name, level, status) in persistence::organizations::organization_levels(conn)? {
        if only.is_some_and(|o| o != id) {
            continue;
        }
        let key = id.to_string();
        let get = |m: &HashMap<String, (i64, i64)>| m.get(&key).copied().unwrap_or_default();
        let (due, on_time) = get(&agreements);
        let annual_report = if level == OrgLevel::Provincial && status == OrgStatus::Active {
            match annual.get(&key) {
                Some(on) => Some(if report::is_late(*on, annual_due, today) {
                    0.0
                } else {
                    1.0
                }),
                None if today > annual_due => Some(0.0),
                // Not due yet: it does not count either way.
                None => None,
            }
        } else {
            None
        };
        let mut f: evaluation::Figures = BTreeMap::new();
        f.insert(
            Indicator::PairingsSignedOnTime,
            (due > 0).then(|| on_time as f64 / due as f64),
        );
        f.insert(Indicator::CountiesHelped, Some(get(&counties).0 as f64));
        f.insert(Indicator::KeyCountiesHelped, Some(get(&counties).1 as f64));
        f.insert(Indicator::Projects, Some(get(&projects).0 as f64));
        f.insert(Indicator::FundsDisbursed, Some(get(&projects).1 as f64));
        f.insert(Indicator::VillagesHelped, Some(get(&villages).0 as f64));
        f.insert(Indicator::HouseholdsHelped, Some(get(&households).0 as f64));
        f.insert(Indicator::WishesFulfilled, Some(get(&wishes).0 as f64));
        f.insert(Indicator::PartyPairings, Some(get(&party).0 as f64));
        f.insert(Indicator::PartyActivities, Some(get(&party).1 as f64));
        f.insert(Indicator::AnnualReportOnTime, annual_report);
        f.insert(Indicator::CasesPublished, Some(get(&cases).0 as f64));
        f.insert(Indicator::Commendations, Some(get(&supervision).0 as f64));
        f.insert(Indicator::Violations, Some(get(&supervision).1 as f64));
        all.push((id, name, f));
    }
    Ok(all)
}

fn weights(conn: &mut DbConnection) -> Result<Weights, ApiError> {
    Ok(Weights::from_stored(store::stored_weights(conn)?))
}

/// An organization's participation indicator of a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorBody {
    pub organization_id: uuid::Uuid,
    pub organization_name: String,
    pub year: i32,
    /// 0–100.
    pub score: f64,
    /// Every figure behind the score: its value, the value for full marks, its
    /// weight and the points it gives.
    pub inputs: Vec<evaluation::Input>,
}

impl IndicatorBody {
    fn new(id: uuid::Uuid, name: String, year: i32, s: Score) -> Self {
        IndicatorBody {
            organization_id: id,
            organization_name: name,
            year,
            score: s.score,
            inputs: s.inputs,
        }
    }
}

/// An organization's participation indicator (评估): its organization's users, officers
/// and the province-wide roles.
#[utoipa::path(
    tag = "stats",
    params(("id" = uuid::Uuid, Path, description = "Organization id"), YearQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The score and every input behind it", body = IndicatorBody),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organization (or another organization's, for an organization user)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The year is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{id}/indicators")]
pub async fn get_indicators(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<IndicatorBody>, ApiError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    if auth.actor.role == Role::OrgUser && auth.actor.scope != Scope::Organization(id) {
        return Err(ApiError::NotFound);
    }
    let (year, year_number, reader) = read_query(&req, state.clock.today())?;
    reader.finish()?;
    let today = state.clock.today();
    let body = state
        .db(move |conn| {
            let (_, name, figures) =
                organization_figures(conn, year, year_number, Some(id), today)?
                    .pop()
                    .ok_or(ApiError::NotFound)?;
            let weights = weights(conn)?;
            Ok(IndicatorBody::new(
                id,
                name,
                year_number,
                evaluation::score(&figures, &weights),
            ))
        })
        .await?;
    Ok(web::Json(body))
}

/// A page of the organization ranking.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorPage {
    pub year: i32,
    pub items: Vec<IndicatorBody>,
    pub page: i64,
    pub page_size: i64,
    pub total: i64,
}

/// Organizations ranked by their participation indicator (officers and the
/// province-wide roles). `sort` is `-score` (default), `score`, `name`, `-name`, or an
/// indicator (by its value, e.g. `-households_helped`).
#[utoipa::path(
    tag = "stats",
    params(
        YearQuery,
        ("sort" = Option<String>, Query, description = "`-score` (default), `score`, `name`, or an indicator's name, `-` for descending"),
        ("page" = Option<i64>, Query, description = "From 1"),
        ("page_size" = Option<i64>, Query, description = "1–100, default 20"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of organizations with their scores", body = IndicatorPage),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Organization users see their own indicator only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range, or an unknown sort", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/organizations")]
pub async fn rank_organizations(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
) -> Result<web::Json<IndicatorPage>, ApiError> {
    if auth.actor.role == Role::OrgUser {
        return Err(ApiError::Forbidden { fields: Vec::new() });
    }
    let (year, year_number, mut reader) = read_query(&req, state.clock.today())?;
    let sort = reader.text("sort");
    let page = reader.integer("page", 1, 1_000_000).unwrap_or(1);
    let page_size = reader.integer("page_size", 1, 100).unwrap_or(20);
    reader.finish()?;
    let (name, descending) = match sort.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => ("score".to_owned(), true),
        Some(raw) => match raw.strip_prefix('-') {
            Some(n) => (n.to_owned(), true),
            None => (raw.to_owned(), false),
        },
    };
    let indicator = name.parse::<Indicator>().ok();
    if name != "score" && name != "name" && indicator.is_none() {
        let mut allowed = vec!["score".to_owned(), "name".to_owned()];
        allowed.extend(Indicator::NAMES.iter().map(|s| (*s).to_owned()));
        return Err(ApiError::Validation(vec![FieldError::new(
            "sort",
            Violation::NotAllowed { allowed },
        )]));
    }
    let today = state.clock.today();
    let mut rows = state
        .db(move |conn| {
            let weights = weights(conn)?;
            Ok(organization_figures(conn, year, year_number, None, today)?
                .into_iter()
                .map(|(id, name, f)| {
                    IndicatorBody::new(id, name, year_number, evaluation::score(&f, &weights))
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let value = |b: &IndicatorBody| -> f64 {
        match indicator {
            Some(i) => b
                .inputs
                .iter()
                .find(|x| x.indicator == i)
                .map_or(0.0, |x| x.value),
            None => b.score,
        }
    };
    rows.sort_by(|a, b| {
        let order = if name == "name" {
            a.organization_name.cmp(&b.organization_name)
        } else {
            value(a).partial_cmp(&value(b)).unwrap_or(Ordering::Equal)
        };
        let order = if descending { order.reverse() } else { order };
        order.then_with(|| a.organization_id.cmp(&b.organization_id))
    });
    let total = rows.len() as i64;
    let items = rows
        .into_iter()
        .skip(((page - 1) * page_size) as usize)
        .take(page_size as usize)
        .collect();
    Ok(web::Json(IndicatorPage {
        year: year_number,
        items,
        page,
        page_size,
        total,
    }))
}

/// One indicator's weight.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeightBody {
    pub indicator: Indicator,
    /// 0–100: relative for every indicator but `violations`, whose weight is the points
    /// each violation deducts.
    pub weight: i32,
    /// The default weight.
    pub default_weight: i32,
    /// The value that earns full marks.
    pub full_at: f64,
}

/// The indicator's weights.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeightsBody {
    pub weights: Vec<WeightBody>,
}

fn weights_body(w: &Weights) -> WeightsBody {
    WeightsBody {
        weights: w
            .iter()
            .map(|(indicator, weight)| WeightBody {
                indicator,
                weight,
                default_weight: indicator.default_weight(),
                full_at: indicator.full_at(),
            })
            .collect(),
    }
}

/// New weights: every indicator, each 0–100.
#[derive(Debug, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct SetWeights {
    /// `{indicator: weight}` for every indicator.
    #[schema(schema_with = crate::extract::limits::weights_schema)]
    #[validate(length(max = crate::extract::limits::WEIGHT_ENTRIES))]
    pub weights: BTreeMap<String, i64>,
}

/// The weights of the participation indicator (any signed-in account).
#[utoipa::path(
    tag = "stats",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The weights", body = WeightsBody),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evaluation/weights")]
pub async fn get_weights(
    state: web::Data<AppState>,
    _auth: Authenticated,
) -> Result<web::Json<WeightsBody>, ApiError> {
    let w = state.db(weights).await?;
    Ok(web::Json(weights_body(&w)))
}

/// Set the weights (province admins): every indicator, each 0–100. Audited.
#[utoipa::path(
    tag = "stats",
    request_body = SetWeights,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The weights now", body = WeightsBody),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province admin", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A weight is missing, unknown or out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/evaluation/weights")]
pub async fn set_weights(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    body: JsonBody<SetWeights>,
) -> Result<web::Json<WeightsBody>, ApiError> {
    if auth.actor.role != Role::ProvinceAdmin {
        return Err(ApiError::Forbidden { fields: Vec::new() });
    }
    let next = Weights::parse(&body.0.weights).map_err(ApiError::Validation)?;
    let context = auth::write_context(&req, Some(&auth.actor));
    let stored = state
        .db(move |conn| {
            journal::write::<_, ApiError, _>(conn, &context, |conn| {
                let current = weights(conn)?;
                let mut changes = Changes::new();
                for (indicator, weight) in next.iter() {
                    let before = current.get(indicator);
                    changes.compare(indicator.as_str(), &before, &weight);
                }
                let rows: Vec<(String, i32)> = next
                    .iter()
                    .map(|(i, w)| (i.as_str().to_owned(), w))
                    .collect();
                store::replace_weights(conn, &rows, persistence::now())?;
                if changes.is_empty() {
                    return Ok(Written::unchanged(next));
                }
                let entry = Entry {
                    entity: "evaluation_weights",
                    entity_id: "weights".to_owned(),
                    action: "update",
                    changes,
                };
                Ok(Written::new(next, vec![entry]))
            })
        })
        .await?;
    Ok(web::Json(weights_body(&stored)))
}
