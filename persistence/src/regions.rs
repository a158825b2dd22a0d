//! Regions: the division tree and the county view, read in one query per lookup and
//! one query plus one count per list.

use diesel::prelude::*;
use domain::listing::{PageRequest, Sort, SortField};
use domain::region::{
    County, KeyCounty, KeyCountyFilter, Region, RegionCode, RegionLevel, VillageTag,
};

use crate::db::{DbConnection, MultiBackend};
use crate::dialect::DbTimestamp;
use crate::schema::regions;
use crate::Listed;

/// A row of `regions`, column for column (read and inserted alike).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = regions)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub full_name: String,
    pub children_count: i32,
    pub townships_count: i32,
    pub villages_count: i32,
    pub key_county: Option<String>,
    pub border_county: bool,
    pub tags: String,
    pub version: i32,
    pub updated_at: DbTimestamp,
}

fn corrupt(what: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(what.into())
}

impl TryFrom<RegionRow> for Region {
    type Error = diesel::result::Error;

    fn try_from(row: RegionRow) -> Result<Self, Self::Error> {
        let code = RegionCode::parse(&row.code)
            .map_err(|_| corrupt(format!("region code {:?}", row.code)))?;
        let level = row
            .level
            .parse::<RegionLevel>()
            .map_err(|_| corrupt(format!("region {} level {:?}", row.code, row.level)))?;
        let parent_code = row
            .parent_code
            .as_deref()
            .map(RegionCode::parse)
            .transpose()
            .map_err(|_| corrupt(format!("region {} parent", row.code)))?;
        let key_county = row
            .key_county
            .as_deref()
            .map(str::parse::<KeyCounty>)
            .transpose()
            .map_err(|_| corrupt(format!("region {} key_county", row.code)))?;
        let tags: Vec<VillageTag> = serde_json::from_str(&row.tags)
            .map_err(|e| corrupt(format!("region {} tags: {e}", row.code)))?;
        Ok(Region {
            code,
            name: row.name,
            level,
            parent_code,
            full_name: row.full_name,
            children_count: row.children_count,
            townships_count: row.townships_count,
            villages_count: row.villages_count,
            key_county,
            border_county: row.border_county,
            tags,
            version: row.version,
            updated_at: row.updated_at.0,
        })
    }
}

/// Filters of `GET /regions`.
#[derive(Debug, Clone, Default)]
pub struct RegionFilter {
    pub level: Option<RegionLevel>,
    pub parent: Option<RegionCode>,
    pub q: Option<String>,
    pub key_county: Option<KeyCountyFilter>,
    pub tag: Option<VillageTag>,
}

/// Sort keys of `GET /regions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionSort {
    Code,
    Name,
}

impl SortField for RegionSort {
    const NAMES: &'static [&'static str] = &["code", "name"];
    const DEFAULT: Sort<Self> = Sort {
        field: RegionSort::Code,
        descending: false,
    };

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "code" => Some(RegionSort::Code),
            "name" => Some(RegionSort::Name),
            _ => None,
        }
    }
}

/// Filters of `GET /counties`.
#[derive(Debug, Clone, Default)]
pub struct CountyFilter {
    pub prefecture: Option<RegionCode>,
    pub key_county: Option<KeyCountyFilter>,
    pub border_county: Option<bool>,
    pub q: Option<String>,
}

/// Sort keys of `GET /counties`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountySort {
    Code,
    Name,
    TownshipsCount,
    VillagesCount,
}

impl SortField for CountySort {
    const NAMES: &'static [&'static str] = &["code", "name", "townships_count", "villages_count"];
    const DEFAULT: Sort<Self> = Sort {
        field: CountySort::Code,
        descending: false,
    };

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "code" => Some(CountySort::Code),
            "name" => Some(CountySort::Name),
            "townships_count" => Some(CountySort::TownshipsCount),
            "villages_count" => Some(CountySort::VillagesCount),
            _ => None,
        }
    }
}

/// One region by code.
pub fn find_region(conn: &mut DbConnection, code: &RegionCode) -> QueryResult<Option<Region>> {
    regions::table
        .find(code.as_str())
        .select(RegionRow::as_select())
        .first(conn)
        .optional()?
        .map(Region::try_from)
        .transpose()
}

/// Narrows a query over `regions` to key counties of one kind, or of either.
macro_rules! filter_key_county {
    ($query:expr, $filter:expr) => {
        match $filter {
            KeyCountyFilter::Any => $query.filter(regions::key_county.is_not_null()),
            KeyCountyFilter::National => {
                $query.filter(regions::key_county.eq(KeyCounty::National.as_str()))
            }
            KeyCountyFilter::Provincial => {
                $query.filter(regions::key_county.eq(KeyCounty::Provincial.as_str()))
            }
        }
    };
}

fn filtered_regions(filter: &RegionFilter) -> regions::BoxedQuery<'static, MultiBackend> {
    let mut query = regions::table.into_boxed();
    if let Some(level) = filter.level {
        query = query.filter(regions::level.eq(level.as_str()));
    }
    if let Some(parent) = &filter.parent {
        query = query.filter(regions::parent_code.eq(parent.as_str().to_owned()));
    }
    if let Some(needle) = &filter.q {
        query = query.filter(crate::contains_text!(regions::name, needle));
    }
    if let Some(key_county) = filter.key_county {
        query = filter_key_county!(query, key_county);
    }
    if let Some(tag) = filter.tag {
        // `tags` holds a JSON array of code names; the quotes make the match exact.
        query = query.filter(regions::tags.like(format!("%\"{}\"%", tag.as_str())));
    }
    query
}

/// A page of regions.
pub fn list_regions(
    conn: &mut DbConnection,
    filter: &RegionFilter,
    sort: Sort<RegionSort>,
    page: PageRequest,
) -> QueryResult<Listed<Region>> {
    let total = filtered_regions(filter).count().get_result::<i64>(conn)?;
    let query = filtered_regions(filter);
    let query = match (sort.field, sort.descending) {
        (RegionSort::Code, false) => query.order(regions::code.asc()),
        (RegionSort::Code, true) => query.order(regions::code.desc()),
        (RegionSort::Name, false) => query.order((regions::name.asc(), regions::code.asc())),
        (RegionSort::Name, true) => query.order((regions::name.desc(), regions::code.asc())),
    };
    let items = query
        .select(RegionRow::as_select())
        .limit(page.page_size())
        .offset(page.offset())
        .load::<RegionRow>(conn)?
        .into_iter()
        .map(Region::try_from)
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}

/// A page of the children of `code`, or `None` when `code` does not exist.
pub fn list_children(
    conn: &mut DbConnection,
    code: &RegionCode,
    sort: Sort<RegionSort>,
    page: PageRequest,
) -> QueryResult<Option<Listed<Region>>> {
    let filter = RegionFilter {
        parent: Some(code.clone()),
        ..RegionFilter::default()
    };
    let listed = list_regions(conn, &filter, sort, page)?;
    // Only an empty answer needs telling "no children" from "no such region".
    if listed.total == 0 && find_region(conn, code)?.is_none() {
        return Ok(None);
    }
    Ok(Some(listed))
}

/// The filters of the county view, applied to any query over `regions`.
macro_rules! filter_counties {
    ($query:expr, $filter:expr) => {{
        let filter: &CountyFilter = $filter;
        let mut query = $query.filter(regions::level.eq(RegionLevel::County.as_str()));
        if let Some(prefecture_code) = &filter.prefecture {
            query = query.filter(regions::parent_code.eq(prefecture_code.as_str().to_owned()));
        }
        if let Some(key_county) = filter.key_county {
            query = filter_key_county!(query, key_county);
        }
        if let Some(border) = filter.border_county {
            query = query.filter(regions::border_county.eq(border));
        }
        if let Some(needle) = &filter.q {
            query = query.filter(crate::contains_text!(regions::name, needle));
        }
        query
    }};
}

diesel::alias!(regions as prefecture: Prefecture);

fn county_from((row, prefecture_name): (RegionRow, String)) -> QueryResult<County> {
    Ok(County {
        region: Region::try_from(row)?,
        prefecture_name,
    })
}

/// A page of counties with their prefectures, in one query plus one count.
pub fn list_counties(
    conn: &mut DbConnection,
    filter: &CountyFilter,
    sort: Sort<CountySort>,
    page: PageRequest,
) -> QueryResult<Listed<County>> {
    let total = filter_counties!(regions::table.into_boxed::<MultiBackend>(), filter)
        .count()
        .get_result::<i64>(conn)?;
    let joined = regions::table
        .inner_join(
            prefecture.on(prefecture
                .field(regions::code)
                .nullable()
                .eq(regions::parent_code)),
        )
        .into_boxed::<MultiBackend>();
    let query = filter_counties!(joined, filter);
    let query = match (sort.field, sort.descending) {
        (CountySort::Code, false) => query.order(regions::code.asc()),
        (CountySort::Code, true) => query.order(regions::code.desc()),
        (CountySort::Name, false) => query.order((regions::name.asc(), regions::code.asc())),
        (CountySort::Name, true) => query.order((regions::name.desc(), regions::code.asc())),
        (CountySort::TownshipsCount, false) => {
            query.order((regions::townships_count.asc(), regions::code.asc()))
        }
        (CountySort::TownshipsCount, true) => {
            query.order((regions::townships_count.desc(), regions::code.asc()))
        }
        (CountySort::VillagesCount, false) => {
            query.order((regions::villages_count.asc(), regions::code.asc()))
        }
        (CountySort::VillagesCount, true) => {
            query.order((regions::villages_count.desc(), regions::code.asc()))
        }
    };
    let items = query
        .select((RegionRow::as_select(), prefecture.field(regions::name)))
        .limit(page.page_size())
        .offset(page.offset())
        .load::<(RegionRow, String)>(conn)?
        .into_iter()
        .map(county_from)
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}

/// One county with its prefecture, or `None` when `code` is not a county.
pub fn find_county(conn: &mut DbConnection, code: &RegionCode) -> QueryResult<Option<County>> {
    regions::table
        .inner_join(
            prefecture.on(prefecture
                .field(regions::code)
                .nullable()
                .eq(regions::parent_code)),
        )
        .filter(regions::code.eq(code.as_str()))
        .filter(regions::level.eq(RegionLevel::County.as_str()))
        .select((RegionRow::as_select(), prefecture.field(regions::name)))
        .first::<(RegionRow, String)>(conn)
        .optional()?
        .map(county_from)
        .transpose()
}

/// How many regions there are at each level.
pub fn count_by_level(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    regions::table
        .group_by(regions::level)
        .select((regions::level, diesel::dsl::count_star()))
        .order(regions::level)
        .load(conn)
}

/// Stores a region's programme flags as `region` has them, one version on.
pub fn update_region_flags(
    conn: &mut DbConnection,
    region: &Region,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<Region> {
    let tags = serde_json::to_string(&region.tags)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::update(regions::table.find(region.code.as_str()))
        .set((
            regions::key_county.eq(region.key_county.map(|k| k.as_str())),
            regions::border_county.eq(region.border_county),
            regions::tags.eq(tags),
            regions::version.eq(regions::version + 1),
            regions::updated_at.eq(DbTimestamp(now)),
        ))
        .execute(conn)?;
    find_region(conn, &region.code)?.ok_or(diesel::result::Error::NotFound)
}

/// Every region down to county level (the province, prefectures and counties): the
/// places organizations register and pair with.
pub fn upper_regions(conn: &mut DbConnection) -> QueryResult<Vec<Region>> {
    regions_at_levels(
        conn,
        &[
            RegionLevel::Province,
            RegionLevel::Prefecture,
            RegionLevel::County,
        ],
    )
}

/// Every region at one of `levels`, in code order (so a parent comes before its
/// descendants).
pub fn regions_at_levels(
    conn: &mut DbConnection,
    levels: &[RegionLevel],
) -> QueryResult<Vec<Region>> {
    regions::table
        .filter(regions::level.eq_any(levels.iter().map(|l| l.as_str())))
        .order(regions::code)
        .select(RegionRow::as_select())
        .load::<RegionRow>(conn)?
        .into_iter()
        .map(Region::try_from)
        .collect()
}

// --- Designations of many regions at once (the demo data) ------------------------
// The API changes one region at a time (`update_region_flags`); these set one flag on
// many, a thousand codes per statement, each region one version on.

/// Codes per `UPDATE … WHERE code IN (…)`.
const CODES_PER_UPDATE: usize = 1_000;

/// Designates the counties `codes` as key counties of kind `key`; returns how many
/// regions changed.
pub fn designate_key_counties(
    conn: &mut DbConnection,
    codes: &[String],
    key: KeyCounty,
    at: chrono::DateTime<chrono::Utc>,
) -> QueryResult<usize> {
    let mut changed = 0;
    for chunk in codes.chunks(CODES_PER_UPDATE) {
        changed += diesel::update(regions::table.filter(regions::code.eq_any(chunk)))
            .set((
                regions::key_county.eq(Some(key.as_str())),
                regions::version.eq(regions::version + 1),
                regions::updated_at.eq(DbTimestamp(at)),
            ))
            .execute(conn)?;
    }
    Ok(changed)
}

/// Designates the counties `codes` as border counties; returns how many regions
/// changed.
pub fn designate_border_counties(
    conn: &mut DbConnection,
    codes: &[String],
    at: chrono::DateTime<chrono::Utc>,
) -> QueryResult<usize> {
    let mut changed = 0;
    for chunk in codes.chunks(CODES_PER_UPDATE) {
        changed += diesel::update(regions::table.filter(regions::code.eq_any(chunk)))
            .set((
                regions::border_county.eq(true),
                regions::version.eq(regions::version + 1),
                regions::updated_at.eq(DbTimestamp(at)),
            ))
            .execute(conn)?;
    }
    Ok(changed)
}

/// Gives the villages `codes` the tags `tags` (in place of any they had); returns how
/// many regions changed.
pub fn tag_villages(
    conn: &mut DbConnection,
    codes: &[String],
    tags: &[VillageTag],
    at: chrono::DateTime<chrono::Utc>,
) -> QueryResult<usize> {
    let tags = serde_json::to_string(tags)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let mut changed = 0;
    for chunk in codes.chunks(CODES_PER_UPDATE) {
        changed += diesel::update(regions::table.filter(regions::code.eq_any(chunk)))
            .set((
                regions::tags.eq(&tags),
                regions::version.eq(regions::version + 1),
                regions::updated_at.eq(DbTimestamp(at)),
            ))
            .execute(conn)?;
    }
    Ok(changed)
}

/// How many villages have at least one tag.
pub fn count_tagged_villages(conn: &mut DbConnection) -> QueryResult<i64> {
    regions::table
        .filter(regions::level.eq(RegionLevel::Village.as_str()))
        .filter(regions::tags.ne("[]"))
        .count()
        .get_result(conn)
}

/// Those of `codes` that name a village (for an import: one query per thousand codes).
pub fn villages_among(
    conn: &mut DbConnection,
    codes: &[String],
) -> QueryResult<std::collections::HashSet<String>> {
    let mut found = std::collections::HashSet::new();
    for chunk in codes.chunks(1000) {
        found.extend(
            regions::table
                .filter(regions::code.eq_any(chunk.to_vec()))
                .filter(regions::level.eq(RegionLevel::Village.as_str()))
                .select(regions::code)
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}
