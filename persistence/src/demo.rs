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
//! - All or nothing: one transaction, taken behind the writers' lock; rows go in as
//!   multi-row statements on PostgreSQL (`insert_all!`), in chunks under its limit of
//!   65,535 bind parameters. It refuses a database that already holds organizations or
//!   households.
//! - Not journaled row by row: the change feed and audit log are for real changes that
//!   provincial systems replay, so demo rows write no events; one audit entry records
//!   the generation itself.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc};
use diesel::prelude::*;
use domain::household::{Household, HouseholdCategory, IdNumber, PersonalData, SpecialGroup};
use domain::identity::Department;
use domain::organization::{CreditCode, OrgLevel, OrgStatus, OrgType, Phone, Sector};
use domain::party::{ActivityKind, PartyOrgKind};
use domain::project::{Dimension, ProjectCategory};
use domain::report::Period;
use domain::{Changes, VillageTag};
use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::db::DbConnection;
use crate::dialect::{DbTimestamp, DbUuid};
use crate::households::{AssistanceRow, HouseholdRow, WishRow};
use crate::journal::{Entry, WriteContext};
use crate::liaisons::LiaisonRow;
use crate::organizations::OrganizationRow;
use crate::pairings::{PairingRequestRow, PairingRow};
use crate::party::{ActivityRow, PartyOrganizationRow, PartyPairingRow};
use crate::personal_data::Vault;
use crate::projects::{ProjectRow, VillagePairingRow};
use crate::reports::ReportRow;
use crate::schema::{
    assistance_records, cases, households, liaisons, organizations, pairing_requests, pairings,
    party_activities, party_organizations, party_pairings, projects, regions, reports,
    supervision_records, village_pairings, wishes,
};
use crate::supervision::{CaseRow, SupervisionRow};

/// What every synthetic organization's and enterprise's name starts with.
pub const NAME_PREFIX: &str = "【演示】";
/// What every synthetic note and description says.
pub const NOTE: &str = "演示数据（合成）";
/// The seed when none is given.
pub const DEFAULT_SEED: u64 = 2025;

/// Bind parameters per statement: under PostgreSQL's limit of 65,535.
const MAX_BINDS: usize = 60_000;
/// Rows per statement at most, however narrow the table.
const MAX_CHUNK: usize = 5_000;

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// About 1/50 of `Large`, with at least a few of everything: every screen has data.
    Small,
    /// The programme at full size: 5,000 organizations, 200,000 households, 1,000,000
    /// assistance records.
    Large,
}

impl Scale {
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::Large => "large",
        }
    }

    /// How many rows of each kind this scale makes.
    pub fn targets(self) -> Targets {
        match self {
            Scale::Large => Targets {
                organizations: 5_000,
                suspended: 60,
                deregistered: 40,
                pairings: 8_000,
                pairing_requests: 160,
                projects: 100_000,
                village_pairings: 10_000,
                households: 200_000,
                assistance_records: 1_000_000,
                wishes: 20_000,
                party_organizations: 300,
                party_pairings: 150,
                cases: 400,
                commendations: 200,
                violations: 20,
            },
            Scale::Small => Targets {
                organizations: 100,
                suspended: 2,
                deregistered: 1,
                pairings: 160,
                pairing_requests: 6,
                projects: 2_000,
                village_pairings: 200,
                households: 4_000,
                assistance_records: 20_000,
                wishes: 400,
                party_organizations: 8,
                party_pairings: 4,
                cases: 8,
                commendations: 6,
                violations: 1,
            },
        }
    }
}

impl FromStr for Scale {
    type Err = String;

    fn from_str(s: &str) -> Result<Scale, String> {
        match s {
            "small" => Ok(Scale::Small),
            "large" => Ok(Scale::Large),
            other => Err(format!("{other:?} is not a scale: small or large")),
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Row counts of a scale. Liaisons (every prefecture and county, both departments),
/// reports (2024 and 2025) and party activities follow from the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub organizations: usize,
    /// Organizations suspended after a violation (each has that violation on record).
    pub suspended: usize,
    pub deregistered: usize,
    pub pairings: usize,
    pub pairing_requests: usize,
    pub projects: usize,
    pub village_pairings: usize,
    pub households: usize,
    /// Including the records that fulfilled wishes.
    pub assistance_records: usize,
    pub wishes: usize,
    pub party_organizations: usize,
    pub party_pairings: usize,
    pub cases: usize,
    pub commendations: usize,
    /// Violations that did not suspend (on top of one per suspended organization).
    pub violations: usize,
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub scale: Scale,
    pub seed: u64,
    /// The data's "today": nothing is dated after it. At most the real today.
    pub as_of: NaiveDate,
}

/// Where a run is, reported after every chunk.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub table: &'static str,
    pub done: u64,
    pub total: u64,
}

/// Rows written to one table, and how long it took.
#[derive(Debug, Clone)]
pub struct TableSummary {
    pub table: &'static str,
    pub rows: u64,
    pub elapsed: Duration,
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    pub scale: Scale,
    pub seed: u64,
    pub as_of: NaiveDate,
    /// Tables in the order they were filled.
    pub tables: Vec<TableSummary>,
    /// Key counties after the run (designated now, or kept as they were).
    pub key_counties_national: u64,
    pub key_counties_provincial: u64,
    pub border_counties: u64,
    /// Villages with at least one tag after the run.
    pub tagged_villages: u64,
    pub elapsed: Duration,
}

impl Summary {
    /// Rows written to `table` (0 for a table the run does not fill).
    pub fn rows(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .filter(|t| t.table == table)
            .map(|t| t.rows)
            .sum()
    }

    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "demo data ({NOTE}): scale {}, seed {}, as of {}",
            self.scale, self.seed, self.as_of
        )?;
        for t in &self.tables {
            writeln!(
                f,
                "  {:<22}{:>12} rows {:>9.1} s {:>12} rows/s",
                t.table,
                thousands(t.rows),
                t.elapsed.as_secs_f64(),
                thousands(rate(t.rows, t.elapsed)),
            )?;
        }
        writeln!(
            f,
            "  {:<22}{:>12} rows {:>9.1} s",
            "total",
            thousands(self.total_rows()),
            self.elapsed.as_secs_f64()
        )?;
        write!(
            f,
            "  regions: {} key counties ({} national, {} provincial), {} border counties, {} villages tagged",
            self.key_counties_national + self.key_counties_provincial,
            self.key_counties_national,
            self.key_counties_provincial,
            self.border_counties,
            thousands(self.tagged_villages),
        )
    }
}

/// Turns progress reports into a line per table and tenth done, for a terminal.
#[derive(Debug, Default)]
pub struct ProgressLog {
    table: Option<&'static str>,
    started: Option<Instant>,
    last_tenth: u64,
}

impl ProgressLog {
    /// A line to print, when `progress` starts a table or passes another tenth of it.
    pub fn line(&mut self, progress: &Progress) -> Option<String> {
        if self.table != Some(progress.table) {
            self.table = Some(progress.table);
            self.started = Some(Instant::now());
            self.last_tenth = 0;
        }
        let tenth = (progress.done * 10)
            .checked_div(progress.total)
            .unwrap_or(10)
            .min(10);
        if progress.done > 0 && tenth == self.last_tenth {
            return None;
        }
        self.last_tenth = tenth;
        let elapsed = self.started.map(|s| s.elapsed()).unwrap_or_default();
        Some(format!(
            "demo-data: {:<20} {:>3}% ({} / {}, {} rows/s)",
            progress.table,
            tenth * 10,
            thousands(progress.done),
            thousands(progress.total),
            thousands(rate(progress.done, elapsed)),
        ))
    }
}

fn rate(rows: u64, elapsed: Duration) -> u64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        (rows as f64 / secs).round() as u64
    } else {
        0
    }
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|group| std::str::from_utf8(group).unwrap_or_default())
        .collect();
    groups.join(",")
}

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
        crate::journal::lock_writes(conn)?;
        let organizations: i64 = organizations::table.count().get_result(conn)?;
        let households: i64 = households::table.count().get_result(conn)?;
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
        crate::journal::audit_only(
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

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

// --- Randomness ---------------------------------------------------------------------

/// The seeded generator and the calendar everything is drawn within.
struct Dice {
    rng: StdRng,
    as_of: NaiveDate,
    /// The first instant of `as_of` in Shanghai: no timestamp is later.
    horizon: DateTime<Utc>,
}

impl Dice {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    /// An integer in `lo..=hi`.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..=hi)
        }
    }

    fn index(&mut self, len: usize) -> usize {
        if len <= 1 {
            0
        } else {
            self.rng.random_range(0..len)
        }
    }

    /// One of `items` (which must not be empty).
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.index(items.len());
        &items[i]
    }

    /// A day in `lo..=hi`, if there is one.
    fn day(&mut self, lo: NaiveDate, hi: NaiveDate) -> Option<NaiveDate> {
        let span = (hi - lo).num_days();
        if span < 0 {
            return None;
        }
        Some(lo + TimeDelta::days(self.int(0, span)))
    }

    /// Office hours (08:00–19:00 Shanghai) of `day`, never after the horizon, so the
    /// instant's Shanghai date is `day` for every day up to `as_of`.
    fn at(&mut self, day: NaiveDate) -> DateTime<Utc> {
        let secs = self.int(0, 11 * 3600 - 1);
        let t = day.and_time(NaiveTime::MIN).and_utc() + TimeDelta::seconds(secs);
        t.min(self.horizon)
    }

    /// A version 7 UUID for a row created at `at`, its random bits from the seed.
    fn id(&mut self, at: DateTime<Utc>) -> uuid::Uuid {
        let random: [u8; 10] = self.rng.random();
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
    }

    /// Money in fen, roughly log-uniform between `lo_yuan` and `hi_yuan`, rounded to
    /// `round_yuan`.
    fn money(&mut self, lo_yuan: f64, hi_yuan: f64, round_yuan: i64) -> i64 {
        let u: f64 = self.rng.random();
        let yuan = (lo_yuan.ln() + u * (hi_yuan.ln() - lo_yuan.ln())).exp();
        let rounded = ((yuan as i64) / round_yuan).max(1) * round_yuan;
        rounded * 100
    }

    fn person_name(&mut self) -> String {
        let mut name = (*self.pick(SURNAMES)).to_owned();
        let given = *self.pick(GIVEN);
        name.push_str(given);
        if self.chance(0.7) {
            let given = *self.pick(GIVEN);
            name.push_str(given);
        }
        name
    }

    fn mobile(&mut self) -> Result<Phone, DemoError> {
        let second = self.pick(&['3', '5', '7', '8', '9']);
        let rest = self.int(0, 999_999_999);
        let raw = format!("1{second}{rest:09}");
        Phone::parse(&raw).map_err(|_| DemoError::Bug(format!("mobile number {raw}")))
    }

    fn landline(&mut self, area_code: &str) -> Result<Phone, DemoError> {
        let raw = if area_code == "0871" {
            format!("0871-6{:07}", self.int(0, 9_999_999))
        } else {
            format!("{area_code}-{}{:06}", self.int(2, 8), self.int(0, 999_999))
        };
        Phone::parse(&raw).map_err(|_| DemoError::Bug(format!("landline {raw}")))
    }

    /// Weights for a skewed activity level: a few organizations do much of the work.
    fn activity_weight(&mut self) -> f64 {
        let u: f64 = self.rng.random();
        0.3 + 4.0 * u.powi(4)
    }
}

/// Samples indexes by weight; falls back to uniform when the weights are unusable.
struct Weighted {
    index: Option<WeightedIndex<f64>>,
    len: usize,
}

impl Weighted {
    fn new(weights: impl IntoIterator<Item = f64>) -> Weighted {
        let weights: Vec<f64> = weights.into_iter().collect();
        Weighted {
            len: weights.len(),
            index: WeightedIndex::new(&weights).ok(),
        }
    }

    fn sample(&self, dice: &mut Dice) -> usize {
        match &self.index {
            Some(index) => index.sample(&mut dice.rng),
            None => dice.index(self.len),
        }
    }
}

// --- Identifiers --------------------------------------------------------------------

const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A credit code from its first 8 characters (registering department, kind, division)
/// and 8 characters of organization code: appends the GB 11714 check character of the
/// organization code and the GB 32100 check character of the whole.
fn credit_code(prefix: &str, body: &str) -> Result<String, DemoError> {
    let value11 = |b: u8| match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        b'A'..=b'Z' => u32::from(b - b'A') + 10,
        _ => 0,
    };
    let sum: u32 = body
        .bytes()
        .zip([3, 7, 9, 10, 5, 8, 4, 2])
        .map(|(b, w)| value11(b) * w)
        .sum();
    let c9 = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap_or('0'),
    };
    let first17 = format!("{prefix}{body}{c9}");
    let (mut weight, mut sum) = (1u32, 0u32);
    for b in first17.bytes() {
        let value = CREDIT_ALPHABET.iter().position(|&c| c == b).unwrap_or(0) as u32;
        sum += value * weight;
        weight = weight * 3 % 31;
    }
    let c18 = char::from(CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize]);
    let code = format!("{first17}{c18}");
    CreditCode::parse(&code)
        .map(|c| c.as_str().to_owned())
        .map_err(|_| DemoError::Bug(format!("credit code {code}")))
}

/// The check character of an 18-character ID number over its first 17 digits.
fn id_number(first17: &str) -> Result<IdNumber, DemoError> {
    let check = IdNumber::check_char(first17)
        .ok_or_else(|| DemoError::Bug("ID number digits".to_owned()))?;
    IdNumber::parse(&format!("{first17}{check}"))
        .map_err(|_| DemoError::Bug("ID number".to_owned()))
}

// --- Vocabulary ---------------------------------------------------------------------

const SURNAMES: &[&str] = &[
    "李", "王", "张", "杨", "刘", "陈", "赵", "何", "罗", "周", "段", "普", "字", "黄", "吴", "徐",
    "孙", "马", "朱", "胡", "郭", "高", "林", "郑", "谢", "韩", "唐", "冯", "董", "曹", "袁", "邓",
    "许", "彭", "吕", "苏", "卢", "蒋", "蔡", "丁", "魏", "叶", "余", "潘", "杜", "夏", "钟", "田",
    "任", "姜", "范", "方", "石", "姚", "谭", "廖", "熊", "金", "陆", "白", "毛", "邱", "龙", "万",
    "雷", "尹", "黎", "施", "鲁", "和", "木", "岩", "刀", "者", "欧阳",
];
const GIVEN: &[&str] = &[
    "华", "明", "国", "兴", "芳", "丽", "艳", "强", "伟", "军", "勇", "平", "红", "英", "秀", "珍",
    "春", "梅", "兰", "云", "峰", "福", "寿", "德", "文", "学", "志", "永", "建", "玉", "金", "成",
    "发", "荣", "琼", "萍", "燕", "晓", "东", "海", "林", "松", "新", "家", "光", "贵", "宝", "祥",
    "顺", "昌", "洪", "丹", "雪", "杰", "斌", "涛", "静", "敏", "慧", "磊",
];
const ROADS: &[&str] = &[
    "人民路",
    "北京路",
    "环城路",
    "建设路",
    "民族路",
    "文化路",
    "团结路",
    "兴业路",
    "振兴大道",
    "翠湖路",
    "滇池路",
    "新华路",
    "学府路",
    "东风路",
    "朝阳路",
];

/// Prefecture code → telephone area code.
const AREA_CODES: &[(&str, &str)] = &[
    ("5301", "0871"),
    ("5303", "0874"),
    ("5304", "0877"),
    ("5305", "0875"),
    ("5306", "0870"),
    ("5307", "0888"),
    ("5308", "0879"),
    ("5309", "0883"),
    ("5323", "0878"),
    ("5325", "0873"),
    ("5326", "0876"),
    ("5328", "0691"),
    ("5329", "0872"),
    ("5331", "0692"),
    ("5333", "0886"),
    ("5334", "0887"),
];

/// Yunnan's 25 border counties (陆地边境县), by the start of their names. Real
/// designations, set only when no county is flagged yet.
const BORDER_COUNTIES: &[&str] = &[
    "腾冲",
    "龙陵",
    "绿春",
    "金平",
    "河口",
    "麻栗坡",
    "马关",
    "富宁",
    "江城",
    "孟连",
    "澜沧",
    "西盟",
    "景洪",
    "勐海",
    "勐腊",
    "芒市",
    "瑞丽",
    "盈江",
    "陇川",
    "泸水",
    "福贡",
    "贡山",
    "镇康",
    "耿马",
    "沧源",
];

/// Themes of organizations' names by sector.
fn themes(sector: Sector) -> &'static [&'static str] {
    match sector {
        Sector::IndustryAssociation => &[
            "茶叶",
            "咖啡",
            "花卉",
            "中药材",
            "核桃",
            "蔬菜",
            "水果",
            "食用菌",
            "畜牧业",
            "乡村旅游",
            "电子商务",
            "物流",
            "建筑业",
            "餐饮业",
            "民营企业",
            "农产品流通",
            "蚕桑",
            "高原特色农业",
            "家政服务",
            "光伏产业",
            "烟草种植",
            "橡胶",
            "甘蔗",
            "肉牛",
            "生猪",
            "渔业",
        ],
        Sector::Charity => &[
            "慈善",
            "扶贫开发",
            "乡村振兴",
            "助学",
            "关爱留守儿童",
            "助残",
            "志愿服务",
            "公益",
            "妇女儿童发展",
            "老年福利",
            "青少年发展",
            "医疗救助",
        ],
        Sector::Community => &["社区服务", "邻里互助", "老年人", "社区志愿者", "村民互助"],
        Sector::ScienceAcademic => &[
            "农学",
            "林学",
            "畜牧兽医",
            "农业机械",
            "植物保护",
            "水利",
            "医学",
            "护理",
            "土壤肥料",
            "园艺",
        ],
        Sector::SocialScience => &["民族文化", "乡村治理", "农村经济", "社会工作", "民族学"],
        Sector::CultureSports => &[
            "书法",
            "摄影",
            "民族歌舞",
            "体育",
            "非物质文化遗产",
            "民间文艺",
        ],
        Sector::Other => &[
            "青年创业",
            "返乡创业",
            "职业技能培训",
            "乡村人才",
            "农民专业合作",
        ],
    }
}

const MODIFIERS: &[&str] = &[
    "",
    "",
    "",
    "青年",
    "民营",
    "农村",
    "高原特色",
    "少数民族",
    "新时代",
    "山区",
    "边疆",
    "现代",
];

fn suffixes(org_type: OrgType, sector: Sector) -> &'static [&'static str] {
    match (org_type, sector) {
        (OrgType::Foundation, _) => &["基金会", "发展基金会", "慈善基金会"],
        (OrgType::SocialServiceAgency, _) => &["服务中心", "社会工作服务中心", "发展服务中心"],
        (OrgType::SocialGroup, Sector::IndustryAssociation) => {
            &["协会", "商会", "行业协会", "产业联合会"]
        }
        (OrgType::SocialGroup, Sector::ScienceAcademic) => &["学会", "科技协会"],
        (OrgType::SocialGroup, Sector::SocialScience) => &["研究会", "促进会"],
        (OrgType::SocialGroup, _) => &["协会", "促进会", "联合会"],
    }
}

const SUPERVISING_UNITS: &[&str] = &[
    "云南省农业农村厅",
    "云南省商务厅",
    "云南省教育厅",
    "云南省卫生健康委员会",
    "云南省科学技术协会",
    "云南省工商业联合会",
    "云南省文化和旅游厅",
    "云南省林业和草原局",
];

const ENTERPRISE_WORDS: &[&str] = &[
    "绿源", "彩云", "滇红", "山花", "金谷", "普洱", "雪域", "苍山", "丰泽", "瑞丰", "云岭", "边寨",
    "石林", "澜湄", "高原", "玉龙",
];
const ENTERPRISE_TRADES: &[&str] = &[
    "农业科技",
    "茶业",
    "咖啡",
    "食品",
    "生物科技",
    "农产品",
    "建材",
    "旅游开发",
    "电子商务",
    "畜牧",
    "花卉",
    "药业",
];

fn project_phrases(category: ProjectCategory) -> &'static [&'static str] {
    match category {
        ProjectCategory::Industry => &[
            "高原特色农业产业帮扶项目",
            "咖啡种植提质增效项目",
            "中药材种植示范基地",
            "肉牛养殖扶持项目",
            "茶叶初制所改造项目",
            "食用菌种植大棚项目",
            "核桃提质增效项目",
        ],
        ProjectCategory::Employment => &[
            "劳动力转移就业培训",
            "乡村工匠技能培训",
            "就业帮扶车间建设",
            "家政服务技能培训",
        ],
        ProjectCategory::Education => &[
            "助学金发放",
            "乡村学校图书角建设",
            "留守儿童课后托管",
            "乡村教师培训",
        ],
        ProjectCategory::Health => &[
            "义诊巡诊活动",
            "村卫生室设备捐赠",
            "大病救助",
            "健康知识进村",
        ],
        ProjectCategory::ElderlyCare => &[
            "村级养老服务站建设",
            "孤寡老人助餐服务",
            "居家养老上门服务",
            "老年活动中心改造",
        ],
        ProjectCategory::Consumption => &["农特产品消费帮扶", "以购代捐采购", "农产品产销对接"],
        ProjectCategory::Diversified => &[
            "人居环境整治",
            "乡村文化活动",
            "村集体经济发展",
            "饮水安全改善",
        ],
    }
}

fn category_dimension(category: ProjectCategory) -> Dimension {
    match category {
        ProjectCategory::Industry | ProjectCategory::Consumption => Dimension::Industry,
        ProjectCategory::Employment | ProjectCategory::Education => Dimension::Talent,
        ProjectCategory::Health | ProjectCategory::ElderlyCare => Dimension::Organization,
        ProjectCategory::Diversified => Dimension::Ecology,
    }
}

const WISHES: &[(&str, f64, f64)] = &[
    ("希望有一台洗衣机", 1_200.0, 2_500.0),
    ("孩子需要一套学习桌椅", 300.0, 800.0),
    ("老人需要一辆轮椅", 400.0, 1_200.0),
    ("希望得到一批鸡苗", 300.0, 1_000.0),
    ("需要一台冰箱", 1_500.0, 3_000.0),
    ("想要过冬的棉被和棉衣", 300.0, 900.0),
    ("孩子想要一个新书包和文具", 100.0, 300.0),
    ("需要一台电视机", 1_200.0, 2_800.0),
    ("希望修缮漏雨的屋顶", 2_000.0, 8_000.0),
    ("需要助听器", 800.0, 3_000.0),
    ("希望得到一批果树苗", 500.0, 2_000.0),
    ("需要一台热水器", 1_000.0, 2_500.0),
];

const ASSISTANCE: &[(domain::household::AssistanceKind, &str, f64, f64, f64)] = {
    use domain::household::AssistanceKind as K;
    &[
        // kind, description, weight, value range in yuan (0 = no value)
        (K::Visit, "走访慰问，了解家庭生产生活情况", 0.35, 0.0, 0.0),
        (K::Goods, "送去米、油、棉被等生活物资", 0.25, 200.0, 3_000.0),
        (K::Cash, "发放帮扶资金", 0.10, 500.0, 5_000.0),
        (
            K::Service,
            "提供技能培训和政策咨询服务",
            0.15,
            100.0,
            1_000.0,
        ),
        (K::Employment, "推荐到帮扶车间就业", 0.10, 0.0, 0.0),
        (K::Other, "协助办理医疗救助手续", 0.05, 0.0, 0.0),
    ]
};

const TERMINATION_REASONS: &[&str] = &[
    "经双方协商，调整为结对其他县",
    "组织业务调整，经省级审核同意终止",
    "结对任务已完成",
];

const CASE_CHANNELS: &[&str] = &[
    "云南省民政厅网站",
    "云南日报",
    "中国社会组织动态",
    "云南省社会组织公众号",
];

// --- The geography and the generated entities -----------------------------------------

struct Prefecture {
    code: String,
    name: String,
    area_code: &'static str,
    counties: Vec<usize>,
}

struct County {
    code: String,
    name: String,
    prefecture: usize,
    key: Option<&'static str>,
    border: bool,
    villages: Vec<usize>,
    /// Non-terminated pairings with this county.
    open_pairings: Vec<usize>,
}

struct Village {
    code: String,
    /// `妥洛村`, `水晶宫社区`: the name without `村民委员会` and the like.
    short: String,
    county: usize,
}

struct Org {
    id: uuid::Uuid,
    created_at: DateTime<Utc>,
    name: String,
    credit_code: String,
    org_type: OrgType,
    sector: Sector,
    level: OrgLevel,
    prefecture: Option<usize>,
    county: Option<usize>,
    status: OrgStatus,
    created_on: NaiveDate,
    /// The last day it could start anything: `as_of`, or the day it was suspended.
    active_until: NaiveDate,
    weight: f64,
    party: bool,
    pairings: Vec<usize>,
    /// Member enterprises (name, credit code), made as they are needed.
    enterprises: Vec<(String, String)>,
}

struct PairingInfo {
    id: uuid::Uuid,
    created_at: DateTime<Utc>,
    org: usize,
    county: usize,
    batch: i32,
    established_on: NaiveDate,
    signed_on: Option<NaiveDate>,
    terminated_on: Option<NaiveDate>,
}

impl PairingInfo {
    /// Not terminated: the organization may work in the county.
    fn is_open(&self) -> bool {
        self.terminated_on.is_none()
    }
}

struct CompletedProject {
    id: uuid::Uuid,
    org: usize,
    county: usize,
    place: String,
    phrase: &'static str,
    end_on: NaiveDate,
}

#[derive(Clone, Copy)]
struct HouseholdInfo {
    id: uuid::Uuid,
    village: u32,
    created_on: NaiveDate,
}

struct Recorder<'p> {
    progress: &'p mut dyn FnMut(&Progress),
    tables: Vec<TableSummary>,
    started: Instant,
    total: u64,
}

impl Recorder<'_> {
    fn begin(&mut self, table: &'static str, total: usize) {
        self.started = Instant::now();
        self.total = total as u64;
        self.tables.push(TableSummary {
            table,
            rows: 0,
            elapsed: Duration::ZERO,
        });
        (self.progress)(&Progress {
            table,
            done: 0,
            total: self.total,
        });
    }

    /// Inserts `rows` into the current table, `columns` wide, in chunks that stay
    /// under the bind-parameter limit.
    fn store<R>(
        &mut self,
        conn: &mut DbConnection,
        rows: &[R],
        columns: usize,
        insert: impl Fn(&mut DbConnection, &[R]) -> QueryResult<usize>,
    ) -> QueryResult<()> {
        let per_statement = (MAX_BINDS / columns).clamp(1, MAX_CHUNK);
        for chunk in rows.chunks(per_statement) {
            insert(conn, chunk)?;
            if let Some(current) = self.tables.last_mut() {
                current.rows += chunk.len() as u64;
                current.elapsed = self.started.elapsed();
                (self.progress)(&Progress {
                    table: current.table,
                    done: current.rows,
                    total: self.total.max(current.rows),
                });
            }
        }
        Ok(())
    }

    fn end(&mut self) {
        if let Some(current) = self.tables.last_mut() {
            current.elapsed = self.started.elapsed();
        }
    }
}

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

/// `五华山社区居民委员会` → `五华山社区`, `妥洛村民委员会` → `妥洛村`.
fn village_short_name(name: &str) -> String {
    for (suffix, replacement) in [
        ("村民委员会", "村"),
        ("社区居民委员会", "社区"),
        ("居民委员会", "社区"),
        ("社区居委会", "社区"),
        ("村委会", "村"),
        ("居委会", "社区"),
    ] {
        if let Some(stem) = name.strip_suffix(suffix) {
            // `发基村村委会` is 发基村, not 发基村村.
            return if stem.ends_with(replacement) {
                stem.to_owned()
            } else {
                format!("{stem}{replacement}")
            };
        }
    }
    name.to_owned()
}

impl<'p> Generator<'p> {
    fn new(
        conn: &mut DbConnection,
        options: &Options,
        progress: &'p mut dyn FnMut(&Progress),
    ) -> Result<Generator<'p>, DemoError> {
        let rows: Vec<(String, String, String, Option<String>, bool)> = regions::table
            .filter(regions::level.eq_any(["prefecture", "county", "village"]))
            .order(regions::code)
            .select((
                regions::code,
                regions::name,
                regions::level,
                regions::key_county,
                regions::border_county,
            ))
            .load(conn)?;
        let mut prefectures: Vec<Prefecture> = Vec::new();
        let mut counties: Vec<County> = Vec::new();
        let mut villages: Vec<Village> = Vec::new();
        let mut prefecture_of: HashMap<String, usize> = HashMap::new();
        let mut county_of: HashMap<String, usize> = HashMap::new();
        // Ordered by code, so a parent comes before its descendants.
        for (code, name, level, key, border) in rows {
            match level.as_str() {
                "prefecture" => {
                    let area_code = AREA_CODES
                        .iter()
                        .find(|(p, _)| *p == code)
                        .map_or("0871", |(_, a)| a);
                    prefecture_of.insert(code.clone(), prefectures.len());
                    prefectures.push(Prefecture {
                        code,
                        name,
                        area_code,
                        counties: Vec::new(),
                    });
                }
                "county" => {
                    let Some(&prefecture) = prefecture_of.get(&code[..4]) else {
                        continue;
                    };
                    county_of.insert(code.clone(), counties.len());
                    prefectures[prefecture].counties.push(counties.len());
                    counties.push(County {
                        code,
                        name,
                        prefecture,
                        key: match key.as_deref() {
                            Some("national") => Some("national"),
                            Some("provincial") => Some("provincial"),
                            _ => None,
                        },
                        border,
                        villages: Vec::new(),
                        open_pairings: Vec::new(),
                    });
                }
                _ => {
                    let Some(&county) = county_of.get(&code[..6]) else {
                        continue;
                    };
                    counties[county].villages.push(villages.len());
                    villages.push(Village {
                        short: village_short_name(&name),
                        code,
                        county,
                    });
                }
            }
        }
        // Only counties with villages can hold households and village pairings.
        if counties.is_empty() || counties.iter().any(|c| c.villages.is_empty()) {
            return Err(DemoError::Invalid(
                "the regions are not loaded (or a county has no villages): run `zhenxing seed-regions` first"
                    .to_owned(),
            ));
        }
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
            recorder: Recorder {
                progress,
                tables: Vec::new(),
                started: Instant::now(),
                total: 0,
            },
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
            tables: self.recorder.tables.clone(),
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

    // --- Regions: key counties, border counties, village tags ---------------------------

    /// Designates 27 national and 30 provincial key counties, the 25 border counties
    /// and village tags — each only when none is set yet, so designations made by the
    /// province are kept.
    fn region_flags(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let at = self.dice.horizon;
        if self.counties.iter().all(|c| c.key.is_none()) {
            // Rural counties (not city districts), more likely the more villages they have.
            let mut ranked: Vec<(f64, usize)> = self
                .counties
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.name.ends_with('区'))
                .map(|(i, c)| {
                    let u: f64 = self.dice.rng.random::<f64>().max(f64::MIN_POSITIVE);
                    (u.powf(1.0 / c.villages.len().max(1) as f64), i)
                })
                .collect();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            for (n, (_, i)) in ranked.iter().take(57).enumerate() {
                self.counties[*i].key = Some(if n < 27 { "national" } else { "provincial" });
            }
            for key in ["national", "provincial"] {
                let codes: Vec<String> = self
                    .counties
                    .iter()
                    .filter(|c| c.key == Some(key))
                    .map(|c| c.code.clone())
                    .collect();
                diesel::update(regions::table.filter(regions::code.eq_any(codes)))
                    .set((
                        regions::key_county.eq(Some(key)),
                        regions::version.eq(regions::version + 1),
                        regions::updated_at.eq(DbTimestamp(at)),
                    ))
                    .execute(conn)?;
            }
        }
        self.key_national = self
            .counties
            .iter()
            .filter(|c| c.key == Some("national"))
            .count() as u64;
        self.key_provincial = self
            .counties
            .iter()
            .filter(|c| c.key == Some("provincial"))
            .count() as u64;

        if self.counties.iter().all(|c| !c.border) {
            let codes: Vec<String> = self
                .counties
                .iter_mut()
                .filter(|c| BORDER_COUNTIES.iter().any(|b| c.name.starts_with(b)))
                .map(|c| {
                    c.border = true;
                    c.code.clone()
                })
                .collect();
            diesel::update(regions::table.filter(regions::code.eq_any(codes)))
                .set((
                    regions::border_county.eq(true),
                    regions::version.eq(regions::version + 1),
                    regions::updated_at.eq(DbTimestamp(at)),
                ))
                .execute(conn)?;
        }
        self.border_counties = self.counties.iter().filter(|c| c.border).count() as u64;

        let tagged: i64 = regions::table
            .filter(regions::level.eq("village"))
            .filter(regions::tags.ne("[]"))
            .count()
            .get_result(conn)?;
        if tagged > 0 {
            self.tagged_villages = tagged as u64;
            return Ok(());
        }
        let mut by_tags: HashMap<String, Vec<String>> = HashMap::new();
        for v in 0..self.villages.len() {
            let county = &self.counties[self.villages[v].county];
            let (key, border) = (county.key.is_some(), county.border);
            let community = self.villages[v].short.ends_with("社区");
            let mut tags = Vec::new();
            let dice = &mut self.dice;
            if dice.chance(if key { 0.45 } else { 0.12 }) && !community {
                tags.push(VillageTag::LiftedOutOfPoverty);
            }
            if dice.chance(0.08) {
                tags.push(VillageTag::WeakCollectiveEconomy);
            }
            if dice.chance(0.025) {
                tags.push(VillageTag::Demonstration);
            }
            if dice.chance(0.03) {
                tags.push(VillageTag::GreenBeautiful);
            }
            if dice.chance(0.02) {
                tags.push(VillageTag::HarmoniousBeautiful);
            }
            if border && dice.chance(0.35) {
                tags.push(VillageTag::BorderHappy);
            }
            if community && key && dice.chance(0.3) {
                tags.push(VillageTag::RelocationCommunity);
            }
            if tags.is_empty() {
                continue;
            }
            tags.sort_unstable();
            let json = serde_json::to_string(&tags)
                .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
            by_tags
                .entry(json)
                .or_default()
                .push(self.villages[v].code.clone());
        }
        let mut groups: Vec<(String, Vec<String>)> = by_tags.into_iter().collect();
        groups.sort();
        for (json, codes) in groups {
            for chunk in codes.chunks(1_000) {
                self.tagged_villages +=
                    diesel::update(regions::table.filter(regions::code.eq_any(chunk.to_vec())))
                        .set((
                            regions::tags.eq(&json),
                            regions::version.eq(regions::version + 1),
                            regions::updated_at.eq(DbTimestamp(at)),
                        ))
                        .execute(conn)? as u64;
            }
        }
        Ok(())
    }

    // --- Organizations ------------------------------------------------------------------

    fn plan_organizations(&mut self) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let targets = self.targets;
        let county_weights = Weighted::new(
            self.counties
                .iter()
                .map(|c| (c.villages.len() as f64).sqrt()),
        );
        let prefecture_weights =
            Weighted::new(self.prefectures.iter().map(|p| p.counties.len() as f64));
        let mut names: HashSet<String> = HashSet::new();
        for i in 0..targets.organizations {
            let dice = &mut self.dice;
            let roll: f64 = dice.rng.random();
            let level = if roll < 0.25 {
                OrgLevel::Provincial
            } else if roll < 0.55 {
                OrgLevel::Prefectural
            } else {
                OrgLevel::County
            };
            let (prefecture, county) = match level {
                OrgLevel::Provincial => (None, None),
                OrgLevel::Prefectural => (Some(prefecture_weights.sample(dice)), None),
                OrgLevel::County => {
                    let c = county_weights.sample(dice);
                    (Some(self.counties[c].prefecture), Some(c))
                }
            };
            let roll: f64 = dice.rng.random();
            let org_type = match (level, roll) {
                (OrgLevel::Provincial, r) if r < 0.15 => OrgType::Foundation,
                (_, r) if r < 0.04 => OrgType::Foundation,
                (_, r) if r < 0.28 => OrgType::SocialServiceAgency,
                _ => OrgType::SocialGroup,
            };
            let sector = *dice.pick(&[
                Sector::IndustryAssociation,
                Sector::IndustryAssociation,
                Sector::IndustryAssociation,
                Sector::Charity,
                Sector::Charity,
                Sector::Community,
                Sector::ScienceAcademic,
                Sector::SocialScience,
                Sector::CultureSports,
                Sector::Other,
            ]);
            let sector = if sector == Sector::Community && level != OrgLevel::County {
                Sector::Charity
            } else {
                sector
            };
            let region_name = match (prefecture, county) {
                (_, Some(c)) => self.counties[c].name.clone(),
                (Some(p), None) => self.prefectures[p].name.clone(),
                (None, None) => "云南省".to_owned(),
            };
            let mut name = String::new();
            for attempt in 0..40 {
                let modifier = *dice.pick(MODIFIERS);
                let theme = *dice.pick(themes(sector));
                let suffix = *dice.pick(suffixes(org_type, sector));
                name = format!("{NAME_PREFIX}{region_name}{modifier}{theme}{suffix}");
                if attempt == 39 {
                    name = format!("{NAME_PREFIX}{region_name}{modifier}{theme}{suffix}（{i}）");
                }
                if !names.contains(&name) {
                    break;
                }
            }
            names.insert(name.clone());

            let kind_digit = match org_type {
                OrgType::SocialGroup => '1',
                OrgType::SocialServiceAgency => '2',
                OrgType::Foundation => '3',
            };
            let division = match (prefecture, county) {
                (_, Some(c)) => self.counties[c].code.clone(),
                (Some(p), None) => format!("{}00", self.prefectures[p].code),
                (None, None) => "530000".to_owned(),
            };
            let code = loop {
                let serial = dice.int(0, 999_999);
                let code = credit_code(
                    &format!("5{kind_digit}{division}"),
                    &format!("MJ{serial:06}"),
                )?;
                if self.credit_codes.insert(code.clone()) {
                    break code;
                }
            };
            let roll: f64 = dice.rng.random();
            let created_on = if roll < 0.75 {
                dice.day(ymd(2023, 8, 1), ymd(2023, 10, 15))
            } else if roll < 0.9 {
                dice.day(ymd(2024, 2, 1), ymd(2024, 10, 31))
            } else {
                dice.day(ymd(2025, 2, 1), ymd(2025, 9, 30))
            }
            .unwrap_or(as_of)
            .min(as_of);
            let weight = dice.activity_weight();
            self.orgs.push(Org {
                id: uuid::Uuid::nil(),
                created_at: DateTime::UNIX_EPOCH,
                name,
                credit_code: code,
                org_type,
                sector,
                level,
                prefecture,
                county,
                status: OrgStatus::Active,
                created_on,
                active_until: as_of,
                weight,
                party: false,
                pairings: Vec::new(),
                enterprises: Vec::new(),
            });
        }
        // Statuses: a few deregistered (no pairings), a few suspended after a violation.
        let mut order: Vec<usize> = (0..self.orgs.len()).collect();
        order.shuffle(&mut self.dice.rng);
        for &i in order.iter().take(targets.deregistered) {
            self.orgs[i].status = OrgStatus::Deregistered;
        }
        for &i in order
            .iter()
            .skip(targets.deregistered)
            .take(targets.suspended)
        {
            let org = &mut self.orgs[i];
            let lo = (org.created_on + TimeDelta::days(200)).max(as_of - TimeDelta::days(300));
            if let Some(on) = self.dice.day(lo, as_of - TimeDelta::days(7)) {
                org.status = OrgStatus::Suspended;
                org.active_until = on;
            }
        }
        for org in &mut self.orgs {
            org.created_at = self.dice.at(org.created_on);
            org.id = self.dice.id(org.created_at);
        }
        Ok(())
    }

    // --- Pairings -----------------------------------------------------------------------

    /// Every county first (so all 129 are covered, by pairings that stay open), then one
    /// pairing for every organization without one, then more until the target: mostly
    /// province-level organizations taking on more counties, key counties first.
    fn plan_pairings(&mut self) {
        let target = self.targets.pairings;
        let eligible: Vec<usize> = (0..self.orgs.len())
            .filter(|&o| self.orgs[o].status != OrgStatus::Deregistered)
            .collect();
        if eligible.is_empty() {
            return;
        }
        let mut county_pool: Vec<Vec<usize>> = vec![Vec::new(); self.counties.len()];
        let mut prefecture_pool: Vec<Vec<usize>> = vec![Vec::new(); self.prefectures.len()];
        let mut province_pool: Vec<usize> = Vec::new();
        for &o in &eligible {
            match (self.orgs[o].county, self.orgs[o].prefecture) {
                (Some(c), _) => county_pool[c].push(o),
                (None, Some(p)) => prefecture_pool[p].push(o),
                (None, None) => province_pool.push(o),
            }
        }
        let key_weights = Weighted::new(self.counties.iter().map(|c| match c.key {
            Some("national") => 4.0,
            Some(_) => 3.0,
            None => 1.0,
        }));

        let mut order: Vec<usize> = (0..self.counties.len()).collect();
        order.shuffle(&mut self.dice.rng);
        for c in order {
            if self.pairings.len() >= target {
                break;
            }
            let p = self.counties[c].prefecture;
            let mut chosen = None;
            for attempt in 0..60 {
                let roll: f64 = self.dice.rng.random();
                let pool = if roll < 0.3 {
                    &county_pool[c]
                } else if roll < 0.6 {
                    &prefecture_pool[p]
                } else {
                    &province_pool
                };
                if pool.is_empty() {
                    continue;
                }
                let o = *self.dice.pick(pool);
                // Prefer organizations without a pairing yet.
                if self.paired.contains(&(o, c))
                    || (attempt < 40 && !self.orgs[o].pairings.is_empty())
                {
                    continue;
                }
                chosen = Some(o);
                break;
            }
            let chosen = chosen.or_else(|| {
                (0..200)
                    .map(|_| *self.dice.pick(&eligible))
                    .find(|&o| !self.paired.contains(&(o, c)))
            });
            if let Some(o) = chosen {
                self.add_pairing(o, c, false);
            }
        }

        for &o in &eligible {
            if self.pairings.len() >= target {
                break;
            }
            if !self.orgs[o].pairings.is_empty() {
                continue;
            }
            for _ in 0..10 {
                let c = self.county_for(o, true, &key_weights);
                if !self.paired.contains(&(o, c)) {
                    self.add_pairing(o, c, false);
                    break;
                }
            }
        }

        let org_weights = Weighted::new(eligible.iter().map(|&o| {
            let org = &self.orgs[o];
            org.weight
                * match org.level {
                    OrgLevel::Provincial => 3.0,
                    OrgLevel::Prefectural => 1.5,
                    OrgLevel::County => 1.0,
                }
        }));
        let mut attempts = 0;
        while self.pairings.len() < target && attempts < target * 20 {
            attempts += 1;
            let o = eligible[org_weights.sample(&mut self.dice)];
            let c = self.county_for(o, false, &key_weights);
            if !self.paired.contains(&(o, c)) {
                self.add_pairing(o, c, true);
            }
        }

        for (i, p) in self.pairings.iter().enumerate() {
            self.orgs[p.org].pairings.push(i);
            if p.is_open() {
                self.counties[p.county].open_pairings.push(i);
            }
        }
    }

    /// A county for an organization to pair with: a county-level organization's own
    /// county first, then others of its prefecture; a prefecture-level organization's
    /// counties; any county for a province-level one, key counties first.
    fn county_for(&mut self, o: usize, first: bool, key_weights: &Weighted) -> usize {
        let org = &self.orgs[o];
        match (org.county, org.prefecture) {
            (Some(c), _) if first => c,
            (_, Some(p)) => *self.dice.pick(&self.prefectures[p].counties),
            (_, None) => key_weights.sample(&mut self.dice),
        }
    }

    fn add_pairing(&mut self, o: usize, c: usize, extra: bool) {
        let as_of = self.as_of();
        let org = &self.orgs[o];
        let (lo, hi) = (org.created_on, org.active_until.min(as_of));
        let dice = &mut self.dice;
        let roll: f64 = dice.rng.random();
        let year = match (extra, roll) {
            (false, r) if r < 0.7 => 2023,
            (false, r) if r < 0.9 => 2024,
            (true, r) if r < 0.3 => 2023,
            (true, r) if r < 0.7 => 2024,
            _ => 2025,
        };
        let (from, to) = if year == 2023 {
            (ymd(2023, 10, 16), ymd(2023, 12, 31))
        } else {
            (ymd(year, 3, 1), ymd(year, 11, 30))
        };
        let established_on = dice
            .day(from.max(lo), to.min(hi))
            .or_else(|| dice.day(lo, hi))
            .unwrap_or(lo);
        let deadline = domain::pairing::default_deadline(established_on);
        let signed_on = if dice.chance(0.9) {
            let last = if dice.chance(0.92) {
                deadline
            } else {
                deadline + TimeDelta::days(90)
            };
            dice.day(established_on + TimeDelta::days(7), last.min(hi))
        } else {
            None
        };
        let terminated_on = if extra && dice.chance(0.1) {
            let from = (established_on + TimeDelta::days(30))
                .max(signed_on.map_or(established_on, |s| s + TimeDelta::days(1)));
            dice.day(from, as_of)
        } else {
            None
        };
        let created_at = dice.at(established_on);
        let id = dice.id(created_at);
        self.paired.insert((o, c));
        self.pairings.push(PairingInfo {
            id,
            created_at,
            org: o,
            county: c,
            batch: established_on.year() - 2022,
            established_on,
            signed_on,
            terminated_on,
        });
    }

    /// Picks the organizations with a party organization: active ones with an open
    /// pairing, province-level ones more often.
    fn plan_party_organizations(&mut self) {
        let candidates: Vec<usize> = (0..self.orgs.len())
            .filter(|&o| {
                self.orgs[o].status == OrgStatus::Active
                    && self.orgs[o]
                        .pairings
                        .iter()
                        .any(|&p| self.pairings[p].is_open())
            })
            .collect();
        let mut ranked: Vec<(f64, usize)> = candidates
            .iter()
            .map(|&o| {
                let w = if self.orgs[o].level == OrgLevel::Provincial {
                    3.0
                } else {
                    1.0
                };
                let u: f64 = self.dice.rng.random::<f64>().max(f64::MIN_POSITIVE);
                (u.powf(1.0 / w), o)
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, o) in ranked.iter().take(self.targets.party_organizations) {
            self.orgs[o].party = true;
            self.party_orgs.push(o);
        }
        self.party_orgs.sort_unstable();
    }

    fn store_organizations(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        self.recorder.begin("organizations", self.orgs.len());
        let kunming: Vec<usize> = self
            .prefectures
            .iter()
            .find(|p| p.code == "5301")
            .map(|p| p.counties.clone())
            .unwrap_or_default();
        let mut rows = Vec::with_capacity(self.orgs.len());
        for org in &self.orgs {
            let dice = &mut self.dice;
            let (registration, region_name) = match (org.county, org.prefecture) {
                (Some(c), _) => (self.counties[c].code.clone(), self.counties[c].name.clone()),
                (None, Some(p)) => (
                    self.prefectures[p].code.clone(),
                    self.prefectures[p].name.clone(),
                ),
                (None, None) => ("53".to_owned(), "云南省".to_owned()),
            };
            let address_county = match (org.county, org.prefecture) {
                (Some(c), _) => c,
                (None, Some(p)) => self.prefectures[p].counties[0],
                (None, None) if !kunming.is_empty() => *dice.pick(&kunming),
                (None, None) => 0,
            };
            let county = &self.counties[address_county];
            let prefecture = &self.prefectures[county.prefecture];
            let supervising_unit = match org.level {
                OrgLevel::Provincial if dice.chance(0.5) => {
                    Some((*dice.pick(SUPERVISING_UNITS)).to_owned())
                }
                OrgLevel::Prefectural | OrgLevel::County if dice.chance(0.4) => Some(format!(
                    "{region_name}{}",
                    dice.pick(&[
                        "农业农村局",
                        "商务局",
                        "教育体育局",
                        "卫生健康局",
                        "工商业联合会"
                    ])
                )),
                _ => None,
            };
            let phone = if dice.chance(0.6) {
                dice.mobile()?
            } else {
                dice.landline(prefecture.area_code)?
            };
            let grade = dice.chance(0.55).then(|| {
                (*dice.pick(&["1A", "2A", "3A", "3A", "3A", "4A", "4A", "5A"])).to_owned()
            });
            let (version, changed_on) = match org.status {
                OrgStatus::Suspended => (2, org.active_until),
                OrgStatus::Deregistered => (
                    2,
                    dice.day(org.created_on + TimeDelta::days(100), as_of)
                        .unwrap_or(org.created_on),
                ),
                OrgStatus::Active => (1, org.created_on),
            };
            rows.push(OrganizationRow {
                id: DbUuid(org.id),
                name: org.name.clone(),
                credit_code: org.credit_code.clone(),
                org_type: org.org_type.as_str().to_owned(),
                level: org.level.as_str().to_owned(),
                sector: Some(org.sector.as_str().to_owned()),
                registration_region_code: registration,
                supervising_unit,
                contact_name: Some(dice.person_name()),
                contact_phone: Some(phone.as_str().to_owned()),
                address: Some(format!(
                    "{}{}{}{}号",
                    prefecture.name,
                    county.name,
                    dice.pick(ROADS),
                    dice.int(1, 300)
                )),
                has_party_organization: org.party,
                evaluation_grade: grade,
                status: org.status.as_str().to_owned(),
                version,
                created_at: DbTimestamp(org.created_at),
                updated_at: DbTimestamp(dice.at(changed_on).max(org.created_at)),
            });
        }
        self.recorder.store(conn, &rows, 17, |c, chunk| {
            crate::insert_all!(c, organizations::table, chunk)
        })?;
        self.recorder.end();
        Ok(())
    }

    fn store_pairings(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        self.recorder.begin("pairings", self.pairings.len());
        let mut agreements: HashMap<i32, u32> = HashMap::new();
        let mut rows = Vec::with_capacity(self.pairings.len());
        for p in &self.pairings {
            let dice = &mut self.dice;
            let agreement_no = p.signed_on.map(|on| {
                let n = agreements.entry(on.year()).or_default();
                *n += 1;
                format!("云社结〔{}〕{:04}号", on.year(), n)
            });
            let status = match (p.terminated_on, p.signed_on) {
                (Some(_), _) => "terminated",
                (None, Some(_)) => "signed",
                (None, None) => "pending_agreement",
            };
            let last = p.terminated_on.or(p.signed_on).unwrap_or(p.established_on);
            rows.push(PairingRow {
                id: DbUuid(p.id),
                organization_id: DbUuid(self.orgs[p.org].id),
                county_code: self.counties[p.county].code.clone(),
                batch: p.batch,
                status: status.to_owned(),
                established_on: p.established_on,
                agreement_deadline: domain::pairing::default_deadline(p.established_on),
                agreement_no,
                agreement_signed_on: p.signed_on,
                terminated_on: p.terminated_on,
                termination_reason: p
                    .terminated_on
                    .map(|_| (*dice.pick(TERMINATION_REASONS)).to_owned()),
                version: 1
                    + i32::from(p.signed_on.is_some())
                    + i32::from(p.terminated_on.is_some()),
                created_at: DbTimestamp(p.created_at),
                updated_at: DbTimestamp(dice.at(last).max(p.created_at)),
            });
        }
        self.recorder.store(conn, &rows, 14, |c, chunk| {
            crate::insert_all!(c, pairings::table, chunk)
        })?;
        self.recorder.end();
        Ok(())
    }

    /// Add and adjust requests: approved ones behind later pairings, rejected ones, and
    /// some still waiting for the province.
    fn store_pairing_requests(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let target = self.targets.pairing_requests;
        self.recorder.begin("pairing_requests", target);
        let later: Vec<usize> = (0..self.pairings.len())
            .filter(|&p| self.pairings[p].batch >= 2 && self.pairings[p].is_open())
            .collect();
        let active: Vec<usize> = (0..self.orgs.len())
            .filter(|&o| {
                self.orgs[o].status == OrgStatus::Active && !self.orgs[o].pairings.is_empty()
            })
            .collect();
        // Approved, submitted, rejected, adjust, … so that even a few show every kind.
        const PATTERN: [&str; 10] = [
            "approved",
            "submitted",
            "rejected",
            "adjust",
            "approved",
            "submitted",
            "approved",
            "rejected",
            "submitted",
            "approved",
        ];
        let mut rows = Vec::with_capacity(target);
        let mut attempts = 0;
        while rows.len() < target && attempts < target * 50 {
            attempts += 1;
            let n = rows.len();
            let dice = &mut self.dice;
            let wanted = PATTERN[n % PATTERN.len()];
            if wanted == "approved" {
                if later.is_empty() {
                    continue;
                }
                // The request behind a later batch's pairing.
                let p = &self.pairings[*dice.pick(&later)];
                let org = &self.orgs[p.org];
                let Some(asked) = dice.day(
                    org.created_on.max(p.established_on - TimeDelta::days(40)),
                    p.established_on,
                ) else {
                    continue;
                };
                let created_at = dice.at(asked);
                let decided_at = dice.at(p.established_on).max(created_at);
                rows.push(PairingRequestRow {
                    id: DbUuid(dice.id(created_at)),
                    organization_id: DbUuid(org.id),
                    kind: "add".to_owned(),
                    county_code: self.counties[p.county].code.clone(),
                    from_pairing_id: None,
                    document_no: format!("云社助〔{}〕{}号", asked.year(), 100 + n),
                    reason: Some(format!("拟增加结对县，发挥行业资源优势（{NOTE}）")),
                    status: "approved".to_owned(),
                    decided_by: None,
                    decided_at: Some(DbTimestamp(decided_at)),
                    decision_note: Some("同意".to_owned()),
                    pairing_id: Some(DbUuid(p.id)),
                    version: 2,
                    created_at: DbTimestamp(created_at),
                    updated_at: DbTimestamp(decided_at),
                });
                continue;
            }
            if active.is_empty() {
                break;
            }
            let o = *dice.pick(&active);
            let org = &self.orgs[o];
            let c = dice.index(self.counties.len());
            if self.paired.contains(&(o, c)) {
                continue;
            }
            // An adjust request moves one of the organization's open pairings.
            let from_pairing = if wanted == "adjust" {
                let Some(&p) = org.pairings.iter().find(|&&p| self.pairings[p].is_open()) else {
                    continue;
                };
                Some(self.pairings[p].id)
            } else {
                None
            };
            let Some(asked) = dice.day(org.created_on.max(as_of - TimeDelta::days(120)), as_of)
            else {
                continue;
            };
            let created_at = dice.at(asked);
            let decided_at = if wanted == "rejected" {
                dice.day(asked, as_of).map(|d| dice.at(d).max(created_at))
            } else {
                None
            };
            let county = &self.counties[c].name;
            rows.push(PairingRequestRow {
                id: DbUuid(dice.id(created_at)),
                organization_id: DbUuid(org.id),
                kind: if from_pairing.is_some() {
                    "adjust"
                } else {
                    "add"
                }
                .to_owned(),
                county_code: self.counties[c].code.clone(),
                from_pairing_id: from_pairing.map(DbUuid),
                document_no: format!("云社助〔{}〕{}号", asked.year(), 100 + n),
                reason: Some(match from_pairing {
                    Some(_) => format!("原结对县帮扶任务调整，申请改为结对{county}（{NOTE}）"),
                    None => format!("申请新增结对{county}（{NOTE}）"),
                }),
                status: if decided_at.is_some() {
                    "rejected"
                } else {
                    "submitted"
                }
                .to_owned(),
                decided_by: None,
                decided_at: decided_at.map(DbTimestamp),
                decision_note: decided_at
                    .map(|_| "该县结对组织已较多，建议结对其他重点帮扶县".to_owned()),
                pairing_id: None,
                version: if decided_at.is_some() { 2 } else { 1 },
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(decided_at.unwrap_or(created_at)),
            });
        }
        self.recorder.store(conn, &rows, 15, |c, chunk| {
            crate::insert_all!(c, pairing_requests::table, chunk)
        })?;
        self.recorder.end();
        Ok(())
    }

    /// Open pairings, weighted by how active their organization is (key counties and
    /// active organizations more).
    fn open_pairing_weights(&self) -> (Vec<usize>, Weighted) {
        let open: Vec<usize> = (0..self.pairings.len())
            .filter(|&p| self.pairings[p].is_open())
            .collect();
        let weights = Weighted::new(open.iter().map(|&p| {
            let pairing = &self.pairings[p];
            let org = &self.orgs[pairing.org];
            let key = if self.counties[pairing.county].key.is_some() {
                1.6
            } else {
                1.0
            };
            let active = if org.status == OrgStatus::Active {
                1.0
            } else {
                0.4
            };
            org.weight * key * active
        }));
        (open, weights)
    }

    /// The days an organization may start work under a pairing: from the pairing's
    /// establishment to `as_of`, or to its suspension.
    fn window(&self, p: usize) -> (NaiveDate, NaiveDate) {
        let pairing = &self.pairings[p];
        let org = &self.orgs[pairing.org];
        (pairing.established_on, org.active_until.min(self.as_of()))
    }

    /// A member enterprise of the organization: one of its own, or a new one.
    fn enterprise(&mut self, o: usize) -> Result<(String, String), DemoError> {
        let known = self.orgs[o].enterprises.len();
        if known > 0 && (known >= 4 || self.dice.chance(0.7)) {
            let i = self.dice.index(known);
            return Ok(self.orgs[o].enterprises[i].clone());
        }
        let county = match (self.orgs[o].county, self.orgs[o].prefecture) {
            (Some(c), _) => c,
            (None, Some(p)) => *self.dice.pick(&self.prefectures[p].counties),
            (None, None) => self.dice.index(self.counties.len()),
        };
        let dice = &mut self.dice;
        let name = format!(
            "{NAME_PREFIX}云南{}{}有限公司",
            dice.pick(ENTERPRISE_WORDS),
            dice.pick(ENTERPRISE_TRADES)
        );
        let body: String = std::iter::once("MA".to_owned())
            .chain((0..6).map(|_| char::from(*dice.pick(CREDIT_ALPHABET)).to_string()))
            .collect();
        let code = credit_code(&format!("91{}", self.counties[county].code), &body)?;
        self.orgs[o].enterprises.push((name.clone(), code.clone()));
        Ok((name, code))
    }

    fn store_projects(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let target = self.targets.projects;
        self.recorder.begin("projects", target);
        let (open, weights) = self.open_pairing_weights();
        if open.is_empty() {
            self.recorder.end();
            return Ok(());
        }
        let categories = Weighted::new([0.30, 0.12, 0.15, 0.10, 0.08, 0.15, 0.10]);
        let mut rows: Vec<ProjectRow> = Vec::with_capacity(2_500);
        let (mut made, mut attempts) = (0, 0);
        while made < target && attempts < target * 10 {
            attempts += 1;
            let p = open[weights.sample(&mut self.dice)];
            let (lo, hi) = self.window(p);
            if lo > hi {
                continue;
            }
            let (o, c) = (self.pairings[p].org, self.pairings[p].county);
            let enterprise = if self.dice.chance(0.08) {
                Some(self.enterprise(o)?)
            } else {
                None
            };
            let dice = &mut self.dice;
            let category =
                ProjectCategory::ALL[categories.sample(dice) % ProjectCategory::ALL.len()];
            let dimension = if dice.chance(0.8) {
                category_dimension(category)
            } else {
                *dice.pick(Dimension::ALL)
            };
            let county = &self.counties[c];
            let village = dice
                .chance(0.75)
                .then(|| &self.villages[*dice.pick(&county.villages)]);
            let roll: f64 = dice.rng.random();
            let mut status = if roll < 0.45 {
                "completed"
            } else if roll < 0.80 {
                "in_progress"
            } else if roll < 0.92 {
                "planned"
            } else {
                "cancelled"
            };
            let mut start_on = match status {
                "completed" => dice.day(lo, hi - TimeDelta::days(30)),
                "planned" => dice.day(lo.max(as_of - TimeDelta::days(90)), hi),
                _ => dice.day(lo, hi),
            };
            if start_on.is_none() {
                status = "in_progress";
                start_on = dice.day(lo, hi);
            }
            let start_on = start_on.unwrap_or(lo);
            let end_on = if status == "completed" {
                dice.day(
                    start_on + TimeDelta::days(30),
                    (start_on + TimeDelta::days(720)).min(hi),
                )
            } else {
                None
            };
            let status = if status == "completed" && end_on.is_none() {
                "in_progress"
            } else {
                status
            };
            let committed = dice.money(10_000.0, 3_000_000.0, 100);
            let share: f64 = match status {
                "completed" => dice.rng.random_range(0.85..=1.0),
                "in_progress" => dice.rng.random_range(0.2..0.9),
                "cancelled" => dice.rng.random_range(0.0..0.3),
                _ => 0.0,
            };
            let disbursed = (((committed as f64) * share) as i64 / 100 * 100).min(committed);
            let created_on = dice
                .day(lo.max(start_on - TimeDelta::days(30)), start_on)
                .unwrap_or(start_on);
            let created_at = dice.at(created_on);
            let changed_on = match status {
                "completed" => end_on.unwrap_or(start_on),
                "planned" => created_on,
                _ => dice.day(start_on, hi).unwrap_or(start_on),
            };
            let updated_at = dice.at(changed_on).max(created_at);
            let phrase = *dice.pick(project_phrases(category));
            let place = village.map_or(county.name.as_str(), |v| v.short.as_str());
            let id = dice.id(created_at);
            let beneficiaries = match category {
                ProjectCategory::Education => dice.int(10, 300),
                _ => dice.int(10, 2_000),
            };
            let library = dice.chance(0.4);
            let brand = status == "completed" && dice.chance(0.03);
            let cancel_reason = (status == "cancelled").then(|| {
                (*dice.pick(&["资金未能落实", "与县级规划调整不符", "村里已由其他项目覆盖"]))
                    .to_owned()
            });
            rows.push(ProjectRow {
                id: DbUuid(id),
                organization_id: DbUuid(self.orgs[o].id),
                county_code: county.code.clone(),
                village_code: village.map(|v| v.code.clone()),
                title: format!("{place}{phrase}"),
                description: Some(match village {
                    Some(v) => format!("{NOTE}：在{}{}实施的{phrase}。", county.name, v.short),
                    None => format!("{NOTE}：在{}实施的{phrase}。", county.name),
                }),
                category: category.as_str().to_owned(),
                dimension: dimension.as_str().to_owned(),
                status: status.to_owned(),
                start_on,
                end_on,
                committed_fen: committed,
                disbursed_fen: disbursed,
                beneficiaries,
                enterprise_name: enterprise.as_ref().map(|e| e.0.clone()),
                enterprise_credit_code: enterprise.map(|e| e.1),
                in_county_library: library,
                brand,
                cancel_reason,
                version: match status {
                    "completed" => 3,
                    "planned" => 1,
                    _ => 2,
                },
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(updated_at),
            });
            if let (Some(end_on), "completed") = (end_on, status) {
                self.completed_projects.push(CompletedProject {
                    id,
                    org: o,
                    county: c,
                    place: place.to_owned(),
                    phrase,
                    end_on,
                });
            }
            self.projects_per_prefecture[county.prefecture] += 1;
            made += 1;
            if rows.len() == 2_500 {
                self.recorder.store(conn, &rows, 22, |c, chunk| {
                    crate::insert_all!(c, projects::table, chunk)
                })?;
                rows.clear();
            }
        }
        self.recorder.store(conn, &rows, 22, |c, chunk| {
            crate::insert_all!(c, projects::table, chunk)
        })?;
        self.recorder.end();
        Ok(())
    }

    fn store_village_pairings(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let target = self.targets.village_pairings;
        self.recorder.begin("village_pairings", target);
        let (open, weights) = self.open_pairing_weights();
        let mut taken: HashSet<(usize, usize, String)> = HashSet::new();
        let mut rows = Vec::with_capacity(target);
        let mut attempts = 0;
        while rows.len() < target && attempts < target * 20 && !open.is_empty() {
            attempts += 1;
            let p = open[weights.sample(&mut self.dice)];
            let (lo, hi) = self.window(p);
            if lo > hi {
                continue;
            }
            let (o, c) = (self.pairings[p].org, self.pairings[p].county);
            let v = *self.dice.pick(&self.counties[c].villages);
            let enterprise = if self.dice.chance(0.3) {
                Some(self.enterprise(o)?)
            } else {
                None
            };
            let key = (
                o,
                v,
                enterprise.as_ref().map(|e| e.1.clone()).unwrap_or_default(),
            );
            if !taken.insert(key) {
                continue;
            }
            let dice = &mut self.dice;
            let started_on = dice.day(lo, hi).unwrap_or(lo);
            let ended_on = if dice.chance(0.08) {
                dice.day(started_on + TimeDelta::days(60), as_of)
            } else {
                None
            };
            let mut focus: Vec<ProjectCategory> = (0..dice.int(1, 3))
                .map(|_| *dice.pick(ProjectCategory::ALL))
                .collect();
            focus.sort_unstable();
            focus.dedup();
            let focus = serde_json::to_string(&focus)
                .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
            let created_at = dice.at(started_on);
            let updated_at = ended_on.map_or(created_at, |d| dice.at(d).max(created_at));
            rows.push(VillagePairingRow {
                id: DbUuid(dice.id(created_at)),
                organization_id: DbUuid(self.orgs[o].id),
                village_code: self.villages[v].code.clone(),
                county_code: self.counties[c].code.clone(),
                enterprise_name: enterprise.as_ref().map(|e| e.0.clone()),
                enterprise_credit_code: enterprise.map(|e| e.1),
                focus,
                started_on,
                ended_on,
                status: if ended_on.is_some() {
                    "ended"
                } else {
                    "active"
                }
                .to_owned(),
                note: Some(NOTE.to_owned()),
                end_reason: ended_on.map(|_| "帮扶任务已完成，转入常态化联系".to_owned()),
                version: if ended_on.is_some() { 2 } else { 1 },
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(updated_at),
            });
        }
        self.recorder.store(conn, &rows, 15, |c, chunk| {
            crate::insert_all!(c, village_pairings::table, chunk)
        })?;
        self.recorder.end();
        Ok(())
    }

    /// Typical cases drawn from completed projects; about half published.
    fn store_cases(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let count = self.targets.cases.min(self.completed_projects.len());
        self.recorder.begin("cases", count);
        let chosen =
            rand::seq::index::sample(&mut self.dice.rng, self.completed_projects.len(), count);
        let mut chosen: Vec<usize> = chosen.into_iter().collect();
        chosen.sort_unstable();
        let mut rows = Vec::with_capacity(count);
        for i in chosen {
            let project = &self.completed_projects[i];
            let dice = &mut self.dice;
            let created_on = dice.day(project.end_on, as_of).unwrap_or(as_of);
            let published_on = if dice.chance(0.55) {
                dice.day(created_on, as_of)
            } else {
                None
            };
            let created_at = dice.at(created_on);
            let org_name = self.orgs[project.org].name.trim_start_matches(NAME_PREFIX);
            let summary = format!(
                "{NOTE}：{org_name}在{}{}开展{}，形成可复制的帮扶经验。",
                self.counties[project.county].name, project.place, project.phrase
            );
            rows.push(CaseRow {
                id: DbUuid(dice.id(created_at)),
                organization_id: DbUuid(self.orgs[project.org].id),
                title: format!("{}{}的实践探索", project.place, project.phrase),
                body: format!(
                    "{summary}\n\n一、基本情况\n项目结合当地资源禀赋，聚焦群众急难愁盼。\n\n二、主要做法\n组织调研、整合资源、建立长效机制。\n\n三、取得成效\n带动农户增收，群众满意度高。"
                ),
                summary,
                county_code: self.counties[project.county].code.clone(),
                project_id: Some(DbUuid(project.id)),
                status: if published_on.is_some() { "published" } else { "submitted" }.to_owned(),
                published_on,
                channel: published_on.map(|_| (*dice.pick(CASE_CHANNELS)).to_owned()),
                version: if published_on.is_some() { 2 } else { 1 },
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(
                    published_on.map_or(created_at, |d| dice.at(d).max(created_at)),
                ),
            });
            self.cases_of
                .entry(project.org)
                .or_default()
                .push((rows[rows.len() - 1].id.0, created_on));
        }
        self.recorder.store(conn, &rows, 13, |c, chunk| {
            crate::insert_all!(c, cases::table, chunk)
        })?;
        self.recorder.end();
        Ok(())
    }

    /// Commendations, the violation behind every suspension, and a few violations that
    /// did not suspend.
    fn store_supervision(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let suspended: Vec<usize> = (0..self.orgs.len())
            .filter(|&o| self.orgs[o].status == OrgStatus::Suspended)
            .collect();
        let active: Vec<usize> = (0..self.orgs.len())
            .filter(|&o| self.orgs[o].status == OrgStatus::Active)
            .collect();
        let total = self.targets.commendations + suspended.len() + self.targets.violations;
        self.recorder.begin("supervision_records", total);
        let mut rows = Vec::with_capacity(total);
        let mut documents = 0;
        let mut plan: Vec<(usize, &str, bool)> = Vec::new();
        for _ in 0..self.targets.commendations {
            if !active.is_empty() {
                plan.push((*self.dice.pick(&active), "commendation", false));
            }
        }
        for &o in &suspended {
            plan.push((o, "violation", true));
        }
        for _ in 0..self.targets.violations {
            if !active.is_empty() {
                plan.push((*self.dice.pick(&active), "violation", false));
            }
        }
        for (o, kind, suspend) in plan {
            let org = &self.orgs[o];
            let dice = &mut self.dice;
            let decided_on = if suspend {
                org.active_until
            } else {
                dice.day(org.created_on.max(ymd(2024, 3, 1)), as_of)
                    .unwrap_or(as_of)
            };
            documents += 1;
            let created_at = dice.at(decided_on);
            let org_name = org.name.trim_start_matches(NAME_PREFIX);
            let description = match (kind, suspend) {
                ("commendation", _) => {
                    format!("{org_name}在助力乡村振兴工作中成效突出，予以通报表扬。（{NOTE}）")
                }
                (_, true) => format!("{org_name}违规使用帮扶资金，责令整改并暂停活动。（{NOTE}）"),
                _ => format!("{org_name}未按协议落实帮扶项目，予以约谈并责令整改。（{NOTE}）"),
            };
            rows.push(SupervisionRow {
                id: DbUuid(dice.id(created_at)),
                organization_id: DbUuid(org.id),
                kind: kind.to_owned(),
                document_no: format!("云民社〔{}〕{}号", decided_on.year(), documents),
                decided_on,
                description,
                suspend,
                created_at: DbTimestamp(created_at),
            });
        }
        self.recorder.store(conn, &rows, 8, |c, chunk| {
            crate::insert_all!(c, supervision_records::table, chunk)
        })?;
        self.recorder.end();
        Ok(())
    }

    /// Party organizations, their pairings with village party branches, and activities.
    fn store_party(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        self.recorder
            .begin("party_organizations", self.party_orgs.len());
        // (party organization id, organization, established on)
        let mut party: Vec<(uuid::Uuid, usize, NaiveDate)> = Vec::new();
        let mut rows = Vec::with_capacity(self.party_orgs.len());
        for &o in &self.party_orgs {
            let org = &self.orgs[o];
            let dice = &mut self.dice;
            let kind = match (org.level, dice.rng.random::<f64>()) {
                (OrgLevel::Provincial, r) if r < 0.2 => PartyOrgKind::Committee,
                (_, r) if r < 0.35 => PartyOrgKind::GeneralBranch,
                _ => PartyOrgKind::Branch,
            };
            let (suffix, members) = match kind {
                PartyOrgKind::Committee => ("委员会", dice.int(50, 300)),
                PartyOrgKind::GeneralBranch => ("总支部委员会", dice.int(20, 60)),
                PartyOrgKind::Branch => ("支部委员会", dice.int(3, 30)),
            };
            let established_on = dice
                .day(ymd(2015, 1, 1), org.created_on)
                .unwrap_or(org.created_on);
            let entered = dice
                .day(
                    org.created_on,
                    (org.created_on + TimeDelta::days(60)).min(as_of),
                )
                .unwrap_or(org.created_on);
            let created_at = dice.at(entered).max(org.created_at);
            let id = dice.id(created_at);
            party.push((id, o, established_on));
            rows.push(PartyOrganizationRow {
                id: DbUuid(id),
                organization_id: DbUuid(org.id),
                name: format!(
                    "{NAME_PREFIX}中共{}{suffix}",
                    org.name.trim_start_matches(NAME_PREFIX)
                ),
                kind: kind.as_str().to_owned(),
                members: i32::try_from(members).unwrap_or(3),
                secretary_name: dice.person_name(),
                established_on,
                version: 1,
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(created_at),
            });
        }
        self.recorder.store(conn, &rows, 10, |c, chunk| {
            crate::insert_all!(c, party_organizations::table, chunk)
        })?;
        self.recorder.end();

        let target = self.targets.party_pairings;
        self.recorder.begin("party_pairings", target);
        let mut taken: HashSet<(usize, usize)> = HashSet::new();
        // (pairing id, signed on, last day of activity)
        let mut pairs: Vec<(uuid::Uuid, NaiveDate, NaiveDate)> = Vec::new();
        let mut rows = Vec::with_capacity(target);
        let mut attempts = 0;
        while rows.len() < target && attempts < target * 50 && !party.is_empty() {
            attempts += 1;
            let k = self.dice.index(party.len());
            let (party_id, o, established_on) = party[k];
            let open: Vec<usize> = self.orgs[o]
                .pairings
                .iter()
                .copied()
                .filter(|&p| self.pairings[p].is_open())
                .collect();
            if open.is_empty() {
                continue;
            }
            let p = *self.dice.pick(&open);
            let (lo, hi) = self.window(p);
            let c = self.pairings[p].county;
            let v = *self.dice.pick(&self.counties[c].villages);
            if taken.contains(&(k, v)) {
                continue;
            }
            let dice = &mut self.dice;
            let Some(signed_on) = dice.day(lo.max(established_on).max(ymd(2024, 1, 1)), hi) else {
                continue;
            };
            taken.insert((k, v));
            let ended_on = if dice.chance(0.08) {
                dice.day(signed_on + TimeDelta::days(90), as_of)
            } else {
                None
            };
            let created_at = dice.at(signed_on);
            let id = dice.id(created_at);
            pairs.push((id, signed_on, ended_on.unwrap_or(as_of)));
            let village = &self.villages[v];
            let branch = if village.short.ends_with("社区") {
                "总支部委员会"
            } else {
                "党支部"
            };
            rows.push(PartyPairingRow {
                id: DbUuid(id),
                party_organization_id: DbUuid(party_id),
                organization_id: DbUuid(self.orgs[o].id),
                village_code: village.code.clone(),
                county_code: self.counties[c].code.clone(),
                branch_name: format!("中共{}{branch}", village.short),
                signed_on,
                status: if ended_on.is_some() { "ended" } else { "active" }.to_owned(),
                ended_on,
                goals: Some(format!(
                    "围绕组织共建、教育共抓、经验共享、阵地共筑，每季度至少开展一次联合活动。（{NOTE}）"
                )),
                version: if ended_on.is_some() { 2 } else { 1 },
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(ended_on.map_or(created_at, |d| dice.at(d).max(created_at))),
            });
        }
        self.recorder.store(conn, &rows, 13, |c, chunk| {
            crate::insert_all!(c, party_pairings::table, chunk)
        })?;
        self.recorder.end();

        let mut rows = Vec::new();
        for (pairing_id, signed_on, last) in pairs {
            let dice = &mut self.dice;
            let count = if dice.chance(0.1) { 0 } else { dice.int(1, 7) };
            for _ in 0..count {
                let Some(held_on) = dice.day(signed_on, last) else {
                    break;
                };
                let kind = *dice.pick(ActivityKind::ALL);
                let title = match kind {
                    ActivityKind::OrganizationBuilding => "联合主题党日活动",
                    ActivityKind::Education => "党史学习教育专题讲座",
                    ActivityKind::ExperienceSharing => "乡村振兴经验交流座谈会",
                    ActivityKind::PositionBuilding => "村级党群服务阵地共建",
                };
                let created_at = dice.at(held_on);
                rows.push(ActivityRow {
                    id: DbUuid(dice.id(created_at)),
                    party_pairing_id: DbUuid(pairing_id),
                    kind: kind.as_str().to_owned(),
                    held_on,
                    title: title.to_owned(),
                    participants: i32::try_from(dice.int(5, 60)).unwrap_or(5),
                    summary: Some(format!("{title}，双方党员共同参加。（{NOTE}）")),
                    created_by: None,
                    created_at: DbTimestamp(created_at),
                });
            }
        }
        self.recorder.begin("party_activities", rows.len());
        self.recorder.store(conn, &rows, 9, |c, chunk| {
            crate::insert_all!(c, party_activities::table, chunk)
        })?;
        self.recorder.end();
        Ok(())
    }

    /// A liaison of each department for every prefecture and county; some replaced one
    /// kept inactive.
    fn store_liaisons(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let regions: Vec<(String, &'static str)> = self
            .prefectures
            .iter()
            .map(|p| (p.code.clone(), p.area_code))
            .chain(
                self.counties
                    .iter()
                    .map(|c| (c.code.clone(), self.prefectures[c.prefecture].area_code)),
            )
            .collect();
        let mut rows = Vec::new();
        for (code, area_code) in &regions {
            for department in [Department::CivilAffairs, Department::RuralRevitalization] {
                let (mailbox, positions): (&str, &[&str]) = match department {
                    Department::CivilAffairs => (
                        "mz",
                        &[
                            "社会组织管理科科长",
                            "社会组织管理科副科长",
                            "社会组织管理科四级主任科员",
                        ],
                    ),
                    Department::RuralRevitalization => (
                        "xczx",
                        &["综合科科长", "帮扶协作科副科长", "政策法规科四级主任科员"],
                    ),
                };
                let replaced = self.dice.chance(0.1);
                let named_on = if replaced {
                    self.dice.day(ymd(2024, 1, 1), as_of)
                } else {
                    self.dice.day(ymd(2023, 10, 10), ymd(2023, 12, 31))
                }
                .unwrap_or(as_of);
                let mut people = vec![(true, named_on)];
                if replaced {
                    let earlier = self
                        .dice
                        .day(ymd(2023, 10, 10), ymd(2023, 12, 31))
                        .unwrap_or(named_on);
                    people.push((false, earlier));
                }
                for (active, on) in people {
                    let dice = &mut self.dice;
                    let phone = if dice.chance(0.6) {
                        dice.landline(area_code)?
                    } else {
                        dice.mobile()?
                    };
                    let created_at = dice.at(on);
                    let updated_at = if active {
                        created_at
                    } else {
                        dice.at(named_on).max(created_at)
                    };
                    let id = dice.id(created_at);
                    rows.push(LiaisonRow {
                        id: DbUuid(id),
                        region_code: code.clone(),
                        department: department.as_str().to_owned(),
                        name: dice.person_name(),
                        position: Some((*dice.pick(positions)).to_owned()),
                        phone: phone.as_str().to_owned(),
                        email: Some(format!("{mailbox}{code}.{}@demo.invalid", dice.int(1, 99))),
                        active,
                        version: if active { 1 } else { 2 },
                        created_at: DbTimestamp(created_at),
                        updated_at: DbTimestamp(updated_at),
                    });
                }
            }
        }
        self.recorder.begin("liaisons", rows.len());
        self.recorder.store(conn, &rows, 11, |c, chunk| {
            crate::insert_all!(c, liaisons::table, chunk)
        })?;
        self.recorder.end();
        Ok(())
    }

    /// Half-year reports of every prefecture for 2024 and 2025, and annual reports of
    /// most province-level organizations; a few late, a few still drafts.
    fn store_reports(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let mut rows = Vec::new();
        let mut open_per_prefecture = vec![0u64; self.prefectures.len()];
        let mut counties_per_prefecture: Vec<HashSet<usize>> =
            vec![HashSet::new(); self.prefectures.len()];
        for p in self.pairings.iter().filter(|p| p.is_open()) {
            let prefecture = self.counties[p.county].prefecture;
            open_per_prefecture[prefecture] += 1;
            counties_per_prefecture[prefecture].insert(p.county);
        }
        let serialize = |value: serde_json::Value| value.to_string();
        for year in [2024, 2025] {
            for half in [1u8, 2] {
                let period = Period {
                    year,
                    half: Some(half),
                };
                let end = if half == 1 {
                    ymd(year, 6, 30)
                } else {
                    ymd(year, 12, 31)
                };
                if end >= as_of {
                    continue;
                }
                for (i, prefecture) in self.prefectures.iter().enumerate() {
                    let dice = &mut self.dice;
                    let due = period.due_on();
                    let created_on = dice
                        .day(end - TimeDelta::days(20), end + TimeDelta::days(5))
                        .unwrap_or(end)
                        .min(as_of);
                    let submitted_on = if dice.chance(0.92) {
                        dice.day(
                            created_on.max(end + TimeDelta::days(1)),
                            (due + TimeDelta::days(12)).min(as_of),
                        )
                    } else {
                        None
                    };
                    let progress = format!(
                        "{NOTE}。{}本半年社会组织结对帮扶{}个县（市、区），现有结对{}个，累计实施帮扶项目{}个。",
                        prefecture.name,
                        counties_per_prefecture[i].len(),
                        open_per_prefecture[i],
                        self.projects_per_prefecture[i],
                    );
                    let sections = if submitted_on.is_some() {
                        serde_json::json!({
                            "progress": progress,
                            "problems": "部分结对协议签订滞后，个别项目资金到位率偏低，县级项目库入库进度不一。",
                            "good_practices": "推行“社会组织+合作社+农户”模式，建立县级联络员周调度机制。",
                        })
                    } else {
                        serde_json::json!({ "progress": progress })
                    };
                    let created_at = dice.at(created_on);
                    let submitted_at = submitted_on.map(|d| dice.at(d).max(created_at));
                    rows.push(ReportRow {
                        id: DbUuid(dice.id(created_at)),
                        kind: "semiannual".to_owned(),
                        subject: prefecture.code.clone(),
                        period: period.code(),
                        status: if submitted_at.is_some() {
                            "submitted"
                        } else {
                            "draft"
                        }
                        .to_owned(),
                        sections: serialize(sections),
                        submitted_at: submitted_at.map(DbTimestamp),
                        due_on: due,
                        version: if submitted_at.is_some() { 2 } else { 1 },
                        created_at: DbTimestamp(created_at),
                        updated_at: DbTimestamp(submitted_at.unwrap_or(created_at)),
                    });
                }
            }
            let period = Period { year, half: None };
            if as_of <= ymd(year, 12, 1) {
                continue;
            }
            for (o, org) in self.orgs.iter().enumerate() {
                if org.level != OrgLevel::Provincial
                    || org.status == OrgStatus::Deregistered
                    || org.created_on > ymd(year, 11, 30)
                {
                    continue;
                }
                let dice = &mut self.dice;
                if !dice.chance(0.85) {
                    continue;
                }
                let due = period.due_on();
                let created_on = dice
                    .day(ymd(year, 10, 15).max(org.created_on), ymd(year, 12, 10))
                    .unwrap_or(ymd(year, 12, 10))
                    .min(as_of);
                let submitted_on = if dice.chance(0.88) {
                    dice.day(
                        created_on.max(ymd(year, 11, 1)),
                        (due + TimeDelta::days(10)).min(as_of),
                    )
                } else {
                    None
                };
                let cited: Vec<String> = self
                    .cases_of
                    .get(&o)
                    .map(|cases| {
                        cases
                            .iter()
                            .filter(|(_, on)| {
                                on.year() == year && *on <= submitted_on.unwrap_or(created_on)
                            })
                            .map(|(id, _)| id.to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                let summary = format!(
                    "{NOTE}。{}年，本组织结对帮扶{}个县，持续推进产业、就业、教育等帮扶项目。",
                    year,
                    org.pairings
                        .iter()
                        .filter(|&&p| self.pairings[p].is_open())
                        .count()
                );
                let sections = if cited.is_empty() {
                    serde_json::json!({ "summary": summary })
                } else {
                    serde_json::json!({ "summary": summary, "cases_submitted": cited })
                };
                let created_at = dice.at(created_on).max(org.created_at);
                let submitted_at = submitted_on.map(|d| dice.at(d).max(created_at));
                rows.push(ReportRow {
                    id: DbUuid(dice.id(created_at)),
                    kind: "annual".to_owned(),
                    subject: org.id.to_string(),
                    period: period.code(),
                    status: if submitted_at.is_some() {
                        "submitted"
                    } else {
                        "draft"
                    }
                    .to_owned(),
                    sections: serialize(sections),
                    submitted_at: submitted_at.map(DbTimestamp),
                    due_on: due,
                    version: if submitted_at.is_some() { 2 } else { 1 },
                    created_at: DbTimestamp(created_at),
                    updated_at: DbTimestamp(submitted_at.unwrap_or(created_at)),
                });
            }
        }
        self.recorder.begin("reports", rows.len());
        self.recorder.store(conn, &rows, 11, |c, chunk| {
            crate::insert_all!(c, reports::table, chunk)
        })?;
        self.recorder.end();
        Ok(())
    }

    /// Monitored households, more in key counties, their personal data sealed.
    fn store_households(
        &mut self,
        conn: &mut DbConnection,
        vault: &Vault,
    ) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let target = self.targets.households;
        self.recorder.begin("households", target);
        let county_weights = Weighted::new(
            self.counties
                .iter()
                .map(|c| c.villages.len() as f64 * if c.key.is_some() { 2.5 } else { 1.0 }),
        );
        let mut issued: HashSet<String> = HashSet::with_capacity(target);
        let mut rows: Vec<HouseholdRow> = Vec::with_capacity(3_000);
        self.households.reserve(target);
        for _ in 0..target {
            let dice = &mut self.dice;
            let c = county_weights.sample(dice);
            let county = &self.counties[c];
            let v = *dice.pick(&county.villages);
            let first17 = loop {
                let year = as_of.year() - i32::try_from(dice.int(25, 85)).unwrap_or(50);
                let born = dice
                    .day(ymd(year, 1, 1), ymd(year, 12, 31))
                    .unwrap_or(ymd(year, 1, 1));
                let digits = format!(
                    "{}{}{:03}",
                    county.code,
                    born.format("%Y%m%d"),
                    dice.int(0, 999)
                );
                if issued.insert(digits.clone()) {
                    break digits;
                }
            };
            let phone = if dice.chance(0.75) {
                Some(dice.mobile()?)
            } else {
                None
            };
            let personal = PersonalData {
                head_name: dice.person_name(),
                id_number: id_number(&first17)?,
                phone,
            };
            let roll: f64 = dice.rng.random();
            let category = if roll < 0.4 {
                HouseholdCategory::UnstableOutOfPoverty
            } else if roll < 0.85 {
                HouseholdCategory::MarginalAtRisk
            } else {
                HouseholdCategory::SuddenHardship
            };
            let mut special_groups: Vec<SpecialGroup> = if dice.chance(0.35) {
                (0..dice.int(1, 2))
                    .map(|_| *dice.pick(SpecialGroup::ALL))
                    .collect()
            } else {
                Vec::new()
            };
            special_groups.sort_unstable();
            special_groups.dedup();
            let members = if special_groups.contains(&SpecialGroup::ElderlyAlone) {
                1
            } else {
                i32::try_from(dice.int(1, 7)).unwrap_or(1)
            };
            let created_on = dice.day(ymd(2023, 11, 1), as_of).unwrap_or(as_of);
            let created_at = dice.at(created_on);
            let changed = dice.chance(0.5);
            let updated_at = if changed {
                let on = dice.day(created_on, as_of).unwrap_or(created_on);
                dice.at(on).max(created_at)
            } else {
                created_at
            };
            let household = Household {
                id: dice.id(created_at),
                village_code: domain::RegionCode::parse(&self.villages[v].code).map_err(|_| {
                    DemoError::Bug(format!("village code {}", self.villages[v].code))
                })?,
                personal,
                members,
                category,
                special_groups,
                risk_eliminated: dice.chance(0.4),
                note: Some(NOTE.to_owned()),
                version: if changed { 2 } else { 1 },
                created_at,
                updated_at,
            };
            rows.push(HouseholdRow::seal(&household, vault)?);
            self.households.push(HouseholdInfo {
                id: household.id,
                village: u32::try_from(v).unwrap_or(0),
                created_on,
            });
            if rows.len() == 3_000 {
                self.recorder.store(conn, &rows, 18, |c, chunk| {
                    crate::insert_all!(c, households::table, chunk)
                })?;
                rows.clear();
            }
        }
        self.recorder.store(conn, &rows, 18, |c, chunk| {
            crate::insert_all!(c, households::table, chunk)
        })?;
        self.recorder.end();
        Ok(())
    }

    /// Small wishes: about half fulfilled (each with the assistance record that
    /// fulfilled it), some claimed, some open, a few cancelled.
    fn store_wishes(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let count = self.targets.wishes.min(self.households.len());
        self.recorder.begin("wishes", count);
        let chosen = rand::seq::index::sample(&mut self.dice.rng, self.households.len(), count);
        let mut chosen: Vec<usize> = chosen.into_iter().collect();
        chosen.sort_unstable();
        let mut rows = Vec::with_capacity(count);
        for h in chosen {
            let household = self.households[h];
            let village = &self.villages[household.village as usize];
            let county = &self.counties[village.county];
            let dice = &mut self.dice;
            let created_on = dice.day(household.created_on, as_of).unwrap_or(as_of);
            let created_at = dice.at(created_on);
            let id = dice.id(created_at);
            let (wish, lo, hi) = *dice.pick(WISHES);
            let estimated = dice.money(lo, hi, 10);
            let roll: f64 = dice.rng.random();
            let wanted = if roll < 0.5 {
                "fulfilled"
            } else if roll < 0.7 {
                "claimed"
            } else if roll < 0.95 {
                "open"
            } else {
                "cancelled"
            };
            // A claim: an organization paired with the county, while it may act.
            let mut claim = None;
            if matches!(wanted, "fulfilled" | "claimed") && !county.open_pairings.is_empty() {
                for _ in 0..5 {
                    let p = &self.pairings[*dice.pick(&county.open_pairings)];
                    let org = &self.orgs[p.org];
                    let until = org.active_until.min(as_of);
                    if let Some(on) = dice.day(created_on.max(p.established_on), until) {
                        claim = Some((p.org, on, until));
                        break;
                    }
                }
            }
            let mut status = match (wanted, claim) {
                ("fulfilled" | "claimed", None) => "open",
                (s, _) => s,
            };
            let claimed_at = claim.map(|(_, on, _)| dice.at(on).max(created_at));
            let fulfilled_on = match (status, claim) {
                ("fulfilled", Some((_, on, until))) => dice.day(on, until),
                _ => None,
            };
            if status == "fulfilled" && fulfilled_on.is_none() {
                status = "claimed";
            }
            let fulfilment_note = fulfilled_on.map(|_| format!("已帮助实现心愿：{wish}（{NOTE}）"));
            let fulfilled_at =
                fulfilled_on.map(|d| dice.at(d).max(claimed_at.unwrap_or(created_at)));
            if let (Some(given_on), Some((o, _, _)), Some(at), Some(note)) =
                (fulfilled_on, claim, fulfilled_at, &fulfilment_note)
            {
                let kind = if dice.chance(0.8) { "goods" } else { "service" };
                self.wish_assistance.push(AssistanceRow {
                    id: DbUuid(dice.id(at)),
                    household_id: DbUuid(household.id),
                    organization_id: DbUuid(self.orgs[o].id),
                    kind: kind.to_owned(),
                    given_on,
                    value_fen: estimated,
                    description: note.clone(),
                    wish_id: Some(DbUuid(id)),
                    created_by: None,
                    created_at: DbTimestamp(at),
                    updated_at: DbTimestamp(at),
                });
            }
            let held = matches!(status, "claimed" | "fulfilled");
            let cancelled_at = (status == "cancelled").then(|| {
                let on = dice.day(created_on, as_of).unwrap_or(created_on);
                dice.at(on).max(created_at)
            });
            let updated_at = fulfilled_at
                .or(cancelled_at)
                .or(if held { claimed_at } else { None })
                .unwrap_or(created_at);
            rows.push(WishRow {
                id: DbUuid(id),
                household_id: DbUuid(household.id),
                county_code: county.code.clone(),
                village_code: village.code.clone(),
                description: format!("{wish}（{NOTE}）"),
                estimated_fen: estimated,
                status: status.to_owned(),
                claimed_by: claim
                    .filter(|_| held)
                    .map(|(o, _, _)| DbUuid(self.orgs[o].id)),
                claimed_at: claimed_at.filter(|_| held).map(DbTimestamp),
                fulfilled_on,
                fulfilment_note,
                cancel_reason: cancelled_at.map(|_| "农户已通过其他渠道解决".to_owned()),
                version: match status {
                    "open" => 1,
                    "fulfilled" => 3,
                    _ => 2,
                },
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(updated_at),
            });
        }
        self.recorder.store(conn, &rows, 15, |c, chunk| {
            crate::insert_all!(c, wishes::table, chunk)
        })?;
        self.recorder.end();
        Ok(())
    }

    /// Assistance records: those that fulfilled wishes, then the rest up to the target,
    /// each by an organization paired with the household's county (most often the
    /// same one for a household), dated while both existed.
    fn store_assistance(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let target = self.targets.assistance_records;
        self.recorder.begin("assistance_records", target);
        let linked = std::mem::take(&mut self.wish_assistance);
        self.recorder.store(conn, &linked, 11, |c, chunk| {
            crate::insert_all!(c, assistance_records::table, chunk)
        })?;
        if self.households.is_empty() {
            self.recorder.end();
            return Ok(());
        }
        let kinds = Weighted::new(ASSISTANCE.iter().map(|a| a.2));
        let mut rows: Vec<AssistanceRow> = Vec::with_capacity(MAX_CHUNK);
        let mut made = linked.len();
        let mut misses = 0;
        while made < target && misses < target {
            let dice = &mut self.dice;
            let h = dice.index(self.households.len());
            let household = self.households[h];
            let county = &self.counties[self.villages[household.village as usize].county];
            if county.open_pairings.is_empty() {
                misses += 1;
                continue;
            }
            let p = if dice.chance(0.7) {
                // The household's usual helper.
                let spread = (h as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
                county.open_pairings[(spread % county.open_pairings.len() as u64) as usize]
            } else {
                *dice.pick(&county.open_pairings)
            };
            let pairing = &self.pairings[p];
            let org = &self.orgs[pairing.org];
            let Some(given_on) = dice.day(
                household.created_on.max(pairing.established_on),
                org.active_until.min(as_of),
            ) else {
                misses += 1;
                continue;
            };
            let (kind, description, _, lo, hi) = ASSISTANCE[kinds.sample(dice)];
            let value_fen = if hi > 0.0 { dice.money(lo, hi, 10) } else { 0 };
            let created_at = dice.at(given_on);
            rows.push(AssistanceRow {
                id: DbUuid(dice.id(created_at)),
                household_id: DbUuid(household.id),
                organization_id: DbUuid(org.id),
                kind: kind.as_str().to_owned(),
                given_on,
                value_fen,
                description: format!("{description}（{NOTE}）"),
                wish_id: None,
                created_by: None,
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(created_at),
            });
            made += 1;
            if rows.len() == MAX_CHUNK {
                self.recorder.store(conn, &rows, 11, |c, chunk| {
                    crate::insert_all!(c, assistance_records::table, chunk)
                })?;
                rows.clear();
            }
        }
        self.recorder.store(conn, &rows, 11, |c, chunk| {
            crate::insert_all!(c, assistance_records::table, chunk)
        })?;
        self.recorder.end();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_credit_codes_and_id_numbers_are_valid() {
        let code = credit_code("51530000", "MJ012345").unwrap();
        assert!(CreditCode::parse(&code).is_ok());
        let code = credit_code("91530102", "MA6K1Q2R").unwrap();
        assert!(CreditCode::parse(&code).is_ok());
        let id = id_number("53010219800101001").unwrap();
        assert_eq!(id.as_str().len(), 18);
    }

    #[test]
    fn village_names_are_shortened() {
        assert_eq!(village_short_name("妥洛村民委员会"), "妥洛村");
        assert_eq!(village_short_name("水晶宫社区居民委员会"), "水晶宫社区");
        assert_eq!(village_short_name("发基村村委会"), "发基村");
        assert_eq!(village_short_name("某某"), "某某");
    }

    #[test]
    fn numbers_read_in_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn progress_is_logged_per_tenth() {
        let mut log = ProgressLog::default();
        let p = |done| Progress {
            table: "households",
            done,
            total: 100,
        };
        assert!(log.line(&p(0)).is_some());
        assert!(log.line(&p(5)).is_none());
        assert!(log.line(&p(10)).is_some());
        assert!(log.line(&p(12)).is_none());
        assert!(log.line(&p(100)).unwrap().contains("100%"));
    }

    #[test]
    fn scales_parse() {
        assert_eq!("small".parse::<Scale>().unwrap(), Scale::Small);
        assert_eq!("large".parse::<Scale>().unwrap(), Scale::Large);
        assert!("medium".parse::<Scale>().is_err());
    }
}
