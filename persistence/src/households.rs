//! 百会兴万户: monitored households, their small wishes and the assistance given.
//!
//! A household's head name, ID number and phone never reach the database in clear:
//! each is stored sealed (`personal_data::Vault`, bound to the household and field)
//! beside the masked form every response shows, and the ID number also as a keyed
//! blind index, unique, so that a duplicate is found without decrypting anything.
//! Lists and reads therefore never decrypt; only `open_personal_data` does.

use chrono::NaiveDate;
use diesel::prelude::*;
use domain::household::{
    AssistanceKind, Household, HouseholdCategory, IdNumber, MaskedPersonalData, PersonalData,
    Phone, SpecialGroup, Wish, WishStatus,
};
use domain::listing::{PageRequest, Sort, SortField};
use domain::pairing::PairingStatus;
use domain::RegionCode;

use crate::db::{DbConnection, MultiBackend};
use crate::dialect::{DbTimestamp, DbUuid};
use crate::personal_data::{Vault, VaultError};
use crate::schema::{assistance_records, households, organizations, pairings, regions, wishes};
use crate::{Listed, Visibility};

fn corrupt(what: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(what.into())
}

/// The context a sealed value is bound to: a value copied to another household or
/// field no longer opens.
fn seal_context(id: uuid::Uuid, field: &str) -> String {
    format!("household/{id}/{field}")
}

/// A row of `households`, column for column.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = households, treat_none_as_null = true)]
pub struct HouseholdRow {
    pub id: DbUuid,
    pub village_code: String,
    pub county_code: String,
    pub head_name_sealed: String,
    pub head_name_masked: String,
    pub id_number_sealed: String,
    pub id_number_masked: String,
    pub id_number_index: String,
    pub phone_sealed: Option<String>,
    pub phone_masked: Option<String>,
    pub members: i32,
    pub category: String,
    pub special_groups: String,
    pub risk_eliminated: bool,
    pub note: Option<String>,
    pub version: i32,
    pub created_at: DbTimestamp,
    pub updated_at: DbTimestamp,
}

/// A household as everyone who may see it sees it: personal data masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRecord {
    pub id: uuid::Uuid,
    pub village_code: RegionCode,
    pub county_code: RegionCode,
    pub masked: MaskedPersonalData,
    pub members: i32,
    pub category: HouseholdCategory,
    pub special_groups: Vec<SpecialGroup>,
    pub risk_eliminated: bool,
    pub note: Option<String>,
    pub version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

fn county_of(village: &RegionCode) -> QueryResult<RegionCode> {
    village
        .parent()
        .and_then(|township| township.parent())
        .ok_or_else(|| corrupt(format!("village {village} has no county")))
}

impl HouseholdRow {
    /// Seals a household's personal data for storage.
    pub fn seal(household: &Household, vault: &Vault) -> QueryResult<HouseholdRow> {
        let id = household.id;
        let personal = &household.personal;
        let masked = personal.masked();
        let special_groups = serde_json::to_string(&household.special_groups)
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        Ok(HouseholdRow {
            id: DbUuid(id),
            village_code: household.village_code.as_str().to_owned(),
            county_code: county_of(&household.village_code)?.as_str().to_owned(),
            head_name_sealed: vault.seal(&personal.head_name, &seal_context(id, "head_name")),
            head_name_masked: masked.head_name,
            id_number_sealed: vault
                .seal(personal.id_number.as_str(), &seal_context(id, "id_number")),
            id_number_masked: masked.id_number,
            id_number_index: vault.blind_index(personal.id_number.as_str()),
            phone_sealed: personal
                .phone
                .as_ref()
                .map(|p| vault.seal(p.as_str(), &seal_context(id, "phone"))),
            phone_masked: masked.phone,
            members: household.members,
            category: household.category.as_str().to_owned(),
            special_groups,
            risk_eliminated: household.risk_eliminated,
            note: household.note.clone(),
            version: household.version,
            created_at: DbTimestamp(household.created_at),
            updated_at: DbTimestamp(household.updated_at),
        })
    }

    /// The masked view of the row.
    pub fn record(&self) -> QueryResult<HouseholdRecord> {
        let id = self.id.0;
        let bad = |field: &str| corrupt(format!("household {id} {field}"));
        Ok(HouseholdRecord {
            id,
            village_code: RegionCode::parse(&self.village_code).map_err(|_| bad("village_code"))?,
            county_code: RegionCode::parse(&self.county_code).map_err(|_| bad("county_code"))?,
            masked: MaskedPersonalData {
                head_name: self.head_name_masked.clone(),
                id_number: self.id_number_masked.clone(),
                phone: self.phone_masked.clone(),
            },
            members: self.members,
            category: self
                .category
                .parse::<HouseholdCategory>()
                .map_err(|_| bad("category"))?,
            special_groups: serde_json::from_str(&self.special_groups)
                .map_err(|_| bad("special_groups"))?,
            risk_eliminated: self.risk_eliminated,
            note: self.note.clone(),
            version: self.version,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
        })
    }

    /// The personal data in clear: the one place that decrypts.
    pub fn open_personal_data(&self, vault: &Vault) -> Result<PersonalData, VaultError> {
        let id = self.id.0;
        let head_name = vault.open(&self.head_name_sealed, &seal_context(id, "head_name"))?;
        let id_number = vault.open(&self.id_number_sealed, &seal_context(id, "id_number"))?;
        let phone = self
            .phone_sealed
            .as_deref()
            .map(|sealed| vault.open(sealed, &seal_context(id, "phone")))
            .transpose()?;
        Ok(PersonalData {
            head_name,
            id_number: IdNumber::parse(&id_number).map_err(|_| VaultError::Malformed)?,
            phone: phone
                .as_deref()
                .map(Phone::parse)
                .transpose()
                .map_err(|_| VaultError::Malformed)?,
        })
    }

    /// Opens the whole household (for an edit that keeps what it does not change).
    pub fn open(&self, vault: &Vault) -> Result<Household, VaultError> {
        let personal = self.open_personal_data(vault)?;
        let record = self.record().map_err(|_| VaultError::Malformed)?;
        Ok(Household {
            id: record.id,
            village_code: record.village_code,
            personal,
            members: record.members,
            category: record.category,
            special_groups: record.special_groups,
            risk_eliminated: record.risk_eliminated,
            note: record.note,
            version: record.version,
            created_at: record.created_at,
            updated_at: record.updated_at,
        })
    }
}

pub fn insert_household(conn: &mut DbConnection, row: &HouseholdRow) -> QueryResult<()> {
    diesel::insert_into(households::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Inserts many households (an import), in chunks.
pub fn insert_households(conn: &mut DbConnection, rows: &[HouseholdRow]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        crate::insert_all!(conn, households::table, chunk)?;
    }
    Ok(())
}

pub fn update_household(conn: &mut DbConnection, row: &HouseholdRow) -> QueryResult<()> {
    diesel::update(households::table.find(row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_household(
    conn: &mut DbConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<HouseholdRow>> {
    households::table
        .find(DbUuid(id))
        .select(HouseholdRow::as_select())
        .first(conn)
        .optional()
}

/// The household (other than `except`) whose ID number has one of these blind
/// indexes (one per known key), if any.
pub fn household_with_id_number(
    conn: &mut DbConnection,
    indexes: &[String],
    except: Option<uuid::Uuid>,
) -> QueryResult<Option<uuid::Uuid>> {
    let mut query = households::table
        .filter(households::id_number_index.eq_any(indexes.to_vec()))
        .select(households::id)
        .into_boxed::<MultiBackend>();
    if let Some(id) = except {
        query = query.filter(households::id.ne(DbUuid(id)));
    }
    Ok(query.first::<DbUuid>(conn).optional()?.map(|id| id.0))
}

/// The blind indexes already stored among `indexes` (for an import's duplicate check).
pub fn taken_id_number_indexes(
    conn: &mut DbConnection,
    indexes: &[String],
) -> QueryResult<Vec<String>> {
    let mut taken = Vec::new();
    for chunk in indexes.chunks(1000) {
        taken.extend(
            households::table
                .filter(households::id_number_index.eq_any(chunk.to_vec()))
                .select(households::id_number_index)
                .load::<String>(conn)?,
        );
    }
    Ok(taken)
}

/// Why re-sealing stopped.
#[derive(Debug, thiserror::Error)]
pub enum ResealError {
    #[error("household {0}: {1}")]
    Open(uuid::Uuid, VaultError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// After a key rotation: re-seals (and re-indexes) every household sealed under a
/// previous key with the vault's current key, in one transaction, a thousand rows
/// per read. Returns how many were re-sealed; a second run finds none.
pub fn reseal_all(conn: &mut DbConnection, vault: &Vault) -> Result<usize, ResealError> {
    conn.transaction(|conn| {
        let current = vault.current_key_id().to_owned();
        let mut resealed = 0;
        let mut after: Option<DbUuid> = None;
        loop {
            let mut query = households::table
                .select(HouseholdRow::as_select())
                .order(households::id.asc())
                .limit(1000)
                .into_boxed::<MultiBackend>();
            if let Some(last) = after {
                query = query.filter(households::id.gt(last));
            }
            let rows: Vec<HouseholdRow> = query.load(conn)?;
            let Some(last) = rows.last() else {
                return Ok(resealed);
            };
            after = Some(last.id);
            for row in rows {
                let stale = [
                    Some(&row.head_name_sealed),
                    Some(&row.id_number_sealed),
                    row.phone_sealed.as_ref(),
                ]
                .into_iter()
                .flatten()
                .any(|sealed| Vault::key_id_of(sealed) != Some(current.as_str()));
                if !stale {
                    continue;
                }
                let household = row
                    .open(vault)
                    .map_err(|e| ResealError::Open(row.id.0, e))?;
                update_household(conn, &HouseholdRow::seal(&household, vault)?)?;
                resealed += 1;
            }
        }
    })
}

/// True when any household is stored (a generated key must then never be replaced).
pub fn any_household(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        households::table.select(households::id),
    ))
    .get_result(conn)
}

/// How many households are stored.
pub fn count_households(conn: &mut DbConnection) -> QueryResult<i64> {
    households::table.count().get_result(conn)
}

/// Filters of `GET /households`.
#[derive(Debug, Clone, Default)]
pub struct HouseholdFilter {
    pub village: Option<RegionCode>,
    pub county: Option<RegionCode>,
    pub prefecture: Option<RegionCode>,
    pub category: Option<HouseholdCategory>,
    pub special_group: Option<SpecialGroup>,
    pub risk_eliminated: Option<bool>,
    pub helped_by: Option<uuid::Uuid>,
    pub has_open_wish: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HouseholdSort {
    CreatedAt,
    UpdatedAt,
    Members,
    VillageCode,
}

impl SortField for HouseholdSort {
    const NAMES: &'static [&'static str] = &["created_at", "updated_at", "members", "village_code"];
    const DEFAULT: Sort<Self> = Sort {
        field: HouseholdSort::CreatedAt,
        descending: true,
    };

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "created_at" => Some(HouseholdSort::CreatedAt),
            "updated_at" => Some(HouseholdSort::UpdatedAt),
            "members" => Some(HouseholdSort::Members),
            "village_code" => Some(HouseholdSort::VillageCode),
            _ => None,
        }
    }
}

/// A household with its village's full name.
#[derive(Debug, Clone)]
pub struct HouseholdListing {
    pub household: HouseholdRecord,
    pub village_full_name: String,
}

macro_rules! filter_households {
    ($query:expr, $visibility:expr, $filter:expr) => {{
        let filter: &HouseholdFilter = $filter;
        let mut query = $query;
        match $visibility {
            Visibility::All => {}
            // An organization sees the households of the counties it is paired with.
            Visibility::Organization(id) => {
                query = query.filter(
                    households::county_code.eq_any(
                        pairings::table
                            .filter(pairings::organization_id.eq(DbUuid(*id)))
                            .filter(pairings::status.ne(PairingStatus::Terminated.as_str()))
                            .select(pairings::county_code),
                    ),
                )
            }
            Visibility::Region(code) => {
                query = query.filter(crate::within_codes!(households::county_code, code.as_str()))
            }
        }
        if let Some(village) = &filter.village {
            query = query.filter(households::village_code.eq(village.as_str().to_owned()));
        }
        if let Some(county) = &filter.county {
            query = query.filter(households::county_code.eq(county.as_str().to_owned()));
        }
        if let Some(prefecture) = &filter.prefecture {
            query = query.filter(crate::within_codes!(
                households::county_code,
                prefecture.as_str()
            ));
        }
        if let Some(category) = filter.category {
            query = query.filter(households::category.eq(category.as_str()));
        }
        if let Some(group) = filter.special_group {
            query =
                query.filter(households::special_groups.like(format!("%\"{}\"%", group.as_str())));
        }
        if let Some(eliminated) = filter.risk_eliminated {
            query = query.filter(households::risk_eliminated.eq(eliminated));
        }
        if let Some(organization) = filter.helped_by {
            query = query.filter(
                households::id.eq_any(
                    assistance_records::table
                        .filter(assistance_records::organization_id.eq(DbUuid(organization)))
                        .select(assistance_records::household_id),
                ),
            );
        }
        if let Some(has_open_wish) = filter.has_open_wish {
            let open_wishes = wishes::table
                .filter(wishes::status.eq(WishStatus::Open.as_str()))
                .select(wishes::household_id);
            query = if has_open_wish {
                query.filter(households::id.eq_any(open_wishes))
            } else {
                query.filter(households::id.ne_all(open_wishes))
            };
        }
        query
    }};
}

pub fn list_households(
    conn: &mut DbConnection,
    visibility: &Visibility,
    filter: &HouseholdFilter,
    sort: Sort<HouseholdSort>,
    page: PageRequest,
) -> QueryResult<Listed<HouseholdListing>> {
    let total = filter_households!(
        households::table.into_boxed::<MultiBackend>(),
        visibility,
        filter
    )
    .count()
    .get_result::<i64>(conn)?;
    let query = filter_households!(
        households::table
            .inner_join(regions::table)
            .into_boxed::<MultiBackend>(),
        visibility,
        filter
    );
    let query = match (sort.field, sort.descending) {
        (HouseholdSort::CreatedAt, false) => {
            query.order((households::created_at.asc(), households::id.asc()))
        }
        (HouseholdSort::CreatedAt, true) => {
            query.order((households::created_at.desc(), households::id.desc()))
        }
        (HouseholdSort::UpdatedAt, false) => {
            query.order((households::updated_at.asc(), households::id.asc()))
        }
        (HouseholdSort::UpdatedAt, true) => {
            query.order((households::updated_at.desc(), households::id.desc()))
        }
        (HouseholdSort::Members, false) => {
            query.order((households::members.asc(), households::id.asc()))
        }
        (HouseholdSort::Members, true) => {
            query.order((households::members.desc(), households::id.asc()))
        }
        (HouseholdSort::VillageCode, false) => {
            query.order((households::village_code.asc(), households::id.asc()))
        }
        (HouseholdSort::VillageCode, true) => {
            query.order((households::village_code.desc(), households::id.asc()))
        }
    };
    let items = query
        .select((HouseholdRow::as_select(), regions::full_name))
        .limit(page.page_size())
        .offset(page.offset())
        .load::<(HouseholdRow, String)>(conn)?
        .into_iter()
        .map(|(row, village_full_name)| {
            Ok(HouseholdListing {
                household: row.record()?,
                village_full_name,
            })
        })
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}

/// One household with its village's full name.
pub fn find_household_listing(
    conn: &mut DbConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<HouseholdListing>> {
    households::table
        .inner_join(regions::table)
        .filter(households::id.eq(DbUuid(id)))
        .select((HouseholdRow::as_select(), regions::full_name))
        .first::<(HouseholdRow, String)>(conn)
        .optional()?
        .map(|(row, village_full_name)| {
            Ok(HouseholdListing {
                household: row.record()?,
                village_full_name,
            })
        })
        .transpose()
}

// --- Assistance records ---------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = assistance_records)]
pub struct AssistanceRow {
    pub id: DbUuid,
    pub household_id: DbUuid,
    pub organization_id: DbUuid,
    pub kind: String,
    pub given_on: NaiveDate,
    pub value_fen: i64,
    pub description: String,
    pub wish_id: Option<DbUuid>,
    pub created_by: Option<DbUuid>,
    pub created_at: DbTimestamp,
    pub updated_at: DbTimestamp,
}

impl From<&domain::household::Assistance> for AssistanceRow {
    fn from(a: &domain::household::Assistance) -> Self {
        AssistanceRow {
            id: DbUuid(a.id),
            household_id: DbUuid(a.household_id),
            organization_id: DbUuid(a.organization_id),
            kind: a.kind.as_str().to_owned(),
            given_on: a.given_on,
            value_fen: a.value_fen,
            description: a.description.clone(),
            wish_id: a.wish_id.map(DbUuid),
            created_by: Some(DbUuid(a.created_by)),
            created_at: DbTimestamp(a.created_at),
            updated_at: DbTimestamp(a.updated_at),
        }
    }
}

/// An assistance record with its organization's name.
#[derive(Debug, Clone)]
pub struct AssistanceListing {
    pub id: uuid::Uuid,
    pub household_id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub organization_name: String,
    pub kind: AssistanceKind,
    pub given_on: NaiveDate,
    pub value_fen: i64,
    pub description: String,
    pub wish_id: Option<uuid::Uuid>,
    pub created_by: Option<uuid::Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

pub fn insert_assistance(
    conn: &mut DbConnection,
    record: &domain::household::Assistance,
) -> QueryResult<()> {
    diesel::insert_into(assistance_records::table)
        .values(AssistanceRow::from(record))
        .execute(conn)
        .map(|_| ())
}

fn assistance_listing(
    (row, organization_name): (AssistanceRow, String),
) -> QueryResult<AssistanceListing> {
    let id = row.id.0;
    Ok(AssistanceListing {
        id,
        household_id: row.household_id.0,
        organization_id: row.organization_id.0,
        organization_name,
        kind: row
            .kind
            .parse()
            .map_err(|_| corrupt(format!("assistance {id} kind")))?,
        given_on: row.given_on,
        value_fen: row.value_fen,
        description: row.description,
        wish_id: row.wish_id.map(|w| w.0),
        created_by: row.created_by.map(|u| u.0),
        created_at: row.created_at.0,
        updated_at: row.updated_at.0,
    })
}

pub fn find_assistance(
    conn: &mut DbConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<AssistanceListing>> {
    assistance_records::table
        .inner_join(organizations::table)
        .filter(assistance_records::id.eq(DbUuid(id)))
        .select((AssistanceRow::as_select(), organizations::name))
        .first::<(AssistanceRow, String)>(conn)
        .optional()?
        .map(assistance_listing)
        .transpose()
}

/// A household's assistance records, latest first.
pub fn list_assistance(
    conn: &mut DbConnection,
    household_id: uuid::Uuid,
    page: PageRequest,
) -> QueryResult<Listed<AssistanceListing>> {
    let total = assistance_records::table
        .filter(assistance_records::household_id.eq(DbUuid(household_id)))
        .count()
        .get_result::<i64>(conn)?;
    let items = assistance_records::table
        .inner_join(organizations::table)
        .filter(assistance_records::household_id.eq(DbUuid(household_id)))
        .order((
            assistance_records::given_on.desc(),
            assistance_records::created_at.desc(),
            assistance_records::id.desc(),
        ))
        .select((AssistanceRow::as_select(), organizations::name))
        .limit(page.page_size())
        .offset(page.offset())
        .load::<(AssistanceRow, String)>(conn)?
        .into_iter()
        .map(assistance_listing)
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}

// --- Wishes ---------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = wishes, treat_none_as_null = true)]
pub struct WishRow {
    pub id: DbUuid,
    pub household_id: DbUuid,
    pub county_code: String,
    pub village_code: String,
    pub description: String,
    pub estimated_fen: i64,
    pub status: String,
    pub claimed_by: Option<DbUuid>,
    pub claimed_at: Option<DbTimestamp>,
    pub fulfilled_on: Option<NaiveDate>,
    pub fulfilment_note: Option<String>,
    pub cancel_reason: Option<String>,
    pub version: i32,
    pub created_at: DbTimestamp,
    pub updated_at: DbTimestamp,
}

/// A wish with where its household lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WishRecord {
    pub wish: Wish,
    pub county_code: RegionCode,
    pub village_code: RegionCode,
}

impl TryFrom<WishRow> for WishRecord {
    type Error = diesel::result::Error;

    fn try_from(row: WishRow) -> Result<Self, Self::Error> {
        let id = row.id.0;
        let bad = |field: &str| corrupt(format!("wish {id} {field}"));
        Ok(WishRecord {
            county_code: RegionCode::parse(&row.county_code).map_err(|_| bad("county_code"))?,
            village_code: RegionCode::parse(&row.village_code).map_err(|_| bad("village_code"))?,
            wish: Wish {
                id,
                household_id: row.household_id.0,
                description: row.description,
                estimated_fen: row.estimated_fen,
                status: row.status.parse().map_err(|_| bad("status"))?,
                claimed_by: row.claimed_by.map(|o| o.0),
                claimed_at: row.claimed_at.map(|t| t.0),
                fulfilled_on: row.fulfilled_on,
                fulfilment_note: row.fulfilment_note,
                cancel_reason: row.cancel_reason,
                version: row.version,
                created_at: row.created_at.0,
                updated_at: row.updated_at.0,
            },
        })
    }
}

impl WishRecord {
    fn row(&self) -> WishRow {
        let w = &self.wish;
        WishRow {
            id: DbUuid(w.id),
            household_id: DbUuid(w.household_id),
            county_code: self.county_code.as_str().to_owned(),
            village_code: self.village_code.as_str().to_owned(),
            description: w.description.clone(),
            estimated_fen: w.estimated_fen,
            status: w.status.as_str().to_owned(),
            claimed_by: w.claimed_by.map(DbUuid),
            claimed_at: w.claimed_at.map(DbTimestamp),
            fulfilled_on: w.fulfilled_on,
            fulfilment_note: w.fulfilment_note.clone(),
            cancel_reason: w.cancel_reason.clone(),
            version: w.version,
            created_at: DbTimestamp(w.created_at),
            updated_at: DbTimestamp(w.updated_at),
        }
    }
}

pub fn insert_wish(conn: &mut DbConnection, wish: &WishRecord) -> QueryResult<()> {
    diesel::insert_into(wishes::table)
        .values(wish.row())
        .execute(conn)
        .map(|_| ())
}

/// Writes `next` only if the stored wish still has `expected_version`: returns false
/// when another request changed it first (the loser of a race learns it here).
pub fn update_wish(
    conn: &mut DbConnection,
    next: &WishRecord,
    expected_version: i32,
) -> QueryResult<bool> {
    let changed = diesel::update(
        wishes::table
            .filter(wishes::id.eq(DbUuid(next.wish.id)))
            .filter(wishes::version.eq(expected_version)),
    )
    .set(next.row())
    .execute(conn)?;
    Ok(changed == 1)
}

/// Moves a household's wishes with it (they carry its village and county, which
/// decide who sees and manages them): after its village changed.
pub fn move_wishes(
    conn: &mut DbConnection,
    household_id: uuid::Uuid,
    village: &RegionCode,
    county: &RegionCode,
) -> QueryResult<()> {
    diesel::update(wishes::table.filter(wishes::household_id.eq(DbUuid(household_id))))
        .set((
            wishes::village_code.eq(village.as_str()),
            wishes::county_code.eq(county.as_str()),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find_wish(conn: &mut DbConnection, id: uuid::Uuid) -> QueryResult<Option<WishRecord>> {
    wishes::table
        .find(DbUuid(id))
        .select(WishRow::as_select())
        .first(conn)
        .optional()?
        .map(WishRecord::try_from)
        .transpose()
}

/// Filters of `GET /wishes`.
#[derive(Debug, Clone, Default)]
pub struct WishFilter {
    pub status: Option<WishStatus>,
    pub county: Option<RegionCode>,
    pub prefecture: Option<RegionCode>,
    pub village: Option<RegionCode>,
    pub household_id: Option<uuid::Uuid>,
    pub claimed_by: Option<uuid::Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WishSort {
    CreatedAt,
    EstimatedFen,
}

impl SortField for WishSort {
    const NAMES: &'static [&'static str] = &["created_at", "estimated_fen"];
    const DEFAULT: Sort<Self> = Sort {
        field: WishSort::CreatedAt,
        descending: true,
    };

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "created_at" => Some(WishSort::CreatedAt),
            "estimated_fen" => Some(WishSort::EstimatedFen),
            _ => None,
        }
    }
}

macro_rules! filter_wishes {
    ($query:expr, $visibility:expr, $filter:expr) => {{
        let filter: &WishFilter = $filter;
        let mut query = $query;
        match $visibility {
            Visibility::All => {}
            Visibility::Organization(id) => {
                query = query.filter(
                    wishes::county_code.eq_any(
                        pairings::table
                            .filter(pairings::organization_id.eq(DbUuid(*id)))
                            .filter(pairings::status.ne(PairingStatus::Terminated.as_str()))
                            .select(pairings::county_code),
                    ),
                )
            }
            Visibility::Region(code) => {
                query = query.filter(crate::within_codes!(wishes::county_code, code.as_str()))
            }
        }
        if let Some(status) = filter.status {
            query = query.filter(wishes::status.eq(status.as_str()));
        }
        if let Some(county) = &filter.county {
            query = query.filter(wishes::county_code.eq(county.as_str().to_owned()));
        }
        if let Some(prefecture) = &filter.prefecture {
            query = query.filter(crate::within_codes!(
                wishes::county_code,
                prefecture.as_str()
            ));
        }
        if let Some(village) = &filter.village {
            query = query.filter(wishes::village_code.eq(village.as_str().to_owned()));
        }
        if let Some(household) = filter.household_id {
            query = query.filter(wishes::household_id.eq(DbUuid(household)));
        }
        if let Some(organization) = filter.claimed_by {
            query = query.filter(wishes::claimed_by.eq(DbUuid(organization)));
        }
        query
    }};
}

pub fn list_wishes(
    conn: &mut DbConnection,
    visibility: &Visibility,
    filter: &WishFilter,
    sort: Sort<WishSort>,
    page: PageRequest,
) -> QueryResult<Listed<WishRecord>> {
    let total = filter_wishes!(
        wishes::table.into_boxed::<MultiBackend>(),
        visibility,
        filter
    )
    .count()
    .get_result::<i64>(conn)?;
    let query = filter_wishes!(
        wishes::table.into_boxed::<MultiBackend>(),
        visibility,
        filter
    );
    let query = match (sort.field, sort.descending) {
        (WishSort::CreatedAt, false) => query.order((wishes::created_at.asc(), wishes::id.asc())),
        (WishSort::CreatedAt, true) => query.order((wishes::created_at.desc(), wishes::id.desc())),
        (WishSort::EstimatedFen, false) => {
            query.order((wishes::estimated_fen.asc(), wishes::id.asc()))
        }
        (WishSort::EstimatedFen, true) => {
            query.order((wishes::estimated_fen.desc(), wishes::id.asc()))
        }
    };
    let items = query
        .select(WishRow::as_select())
        .limit(page.page_size())
        .offset(page.offset())
        .load::<WishRow>(conn)?
        .into_iter()
        .map(WishRecord::try_from)
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}

// --- Counts ---------------------------------------------------------------------------

/// Household figures for a region (or the province): counts only, never a person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseholdCounts {
    pub households: i64,
    pub risk_eliminated: i64,
    /// Distinct households with at least one assistance record.
    pub helped: i64,
    pub by_category: Vec<(HouseholdCategory, i64)>,
    pub by_special_group: Vec<(SpecialGroup, i64)>,
    pub wishes_by_status: Vec<(WishStatus, i64)>,
    pub assistance_records: i64,
    pub assistance_value_fen: i64,
}

/// The figures of households under `region` (a prefecture or county code; `None`: all).
pub fn household_counts(
    conn: &mut DbConnection,
    region: Option<&RegionCode>,
) -> QueryResult<HouseholdCounts> {
    let visibility = match region {
        Some(code) => Visibility::Region(code.clone()),
        None => Visibility::All,
    };
    let all = HouseholdFilter::default();
    let count = |conn: &mut DbConnection, filter: &HouseholdFilter| {
        filter_households!(
            households::table.into_boxed::<MultiBackend>(),
            &visibility,
            filter
        )
        .count()
        .get_result::<i64>(conn)
    };
    let households = count(conn, &all)?;
    let risk_eliminated = count(
        conn,
        &HouseholdFilter {
            risk_eliminated: Some(true),
            ..HouseholdFilter::default()
        },
    )?;
    // One grouped query each for categories and wish statuses; the region is a code
    // range of digits (from a parsed `RegionCode`), never request text.
    let within = match region {
        Some(code) => {
            let (low, high) = crate::dialect::code_range(code.as_str());
            format!("county_code >= '{low}' AND county_code < '{high}'")
        }
        None => "1 = 1".to_owned(),
    };
    let by_category = counted_by(
        conn,
        &format!("SELECT category AS key, COUNT(*) AS n FROM households WHERE {within} GROUP BY category"),
        HouseholdCategory::ALL,
    )?;
    let mut by_special_group = Vec::new();
    for group in SpecialGroup::ALL {
        let n = count(
            conn,
            &HouseholdFilter {
                special_group: Some(*group),
                ..HouseholdFilter::default()
            },
        )?;
        by_special_group.push((*group, n));
    }
    let mut assistance = assistance_records::table
        .inner_join(households::table)
        .into_boxed::<MultiBackend>();
    let mut helped = assistance_records::table
        .inner_join(households::table)
        .into_boxed::<MultiBackend>();
    if let Some(code) = region {
        assistance =
            assistance.filter(crate::within_codes!(households::county_code, code.as_str()));
        helped = helped.filter(crate::within_codes!(households::county_code, code.as_str()));
    }
    // The value summed in halves that cannot overflow (see `stats::join_halves`).
    let (assistance_records, value_hi, value_lo): (i64, Option<i64>, Option<i64>) = assistance
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(&format!(
                "CAST(SUM(assistance_records.value_fen / {}) AS BIGINT)",
                crate::stats::HALF
            )),
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(&format!(
                "CAST(SUM(assistance_records.value_fen % {}) AS BIGINT)",
                crate::stats::HALF
            )),
        ))
        .first::<(i64, Option<i64>, Option<i64>)>(conn)?;
    let value = crate::stats::join_halves(value_hi.unwrap_or(0), value_lo.unwrap_or(0));
    let helped = helped
        .select(diesel::dsl::count(assistance_records::household_id).aggregate_distinct())
        .first::<i64>(conn)?;
    let wishes_by_status = counted_by(
        conn,
        &format!("SELECT status AS key, COUNT(*) AS n FROM wishes WHERE {within} GROUP BY status"),
        WishStatus::ALL,
    )?;
    Ok(HouseholdCounts {
        households,
        risk_eliminated,
        helped,
        by_category,
        by_special_group,
        wishes_by_status,
        assistance_records,
        assistance_value_fen: value,
    })
}

#[derive(QueryableByName)]
struct KeyCount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    key: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// A grouped count (`key`, `n`) as every value of `all`, with 0 for those absent.
fn counted_by<T: Copy + std::str::FromStr + PartialEq>(
    conn: &mut DbConnection,
    sql: &str,
    all: &[T],
) -> QueryResult<Vec<(T, i64)>> {
    let rows: Vec<KeyCount> = diesel::sql_query(sql).load(conn)?;
    let parsed: Vec<(T, i64)> = rows
        .into_iter()
        .filter_map(|r| r.key.parse::<T>().ok().map(|k| (k, r.n)))
        .collect();
    Ok(all
        .iter()
        .map(|value| {
            let n = parsed
                .iter()
                .find(|(k, _)| k == value)
                .map_or(0, |(_, n)| *n);
            (*value, n)
        })
        .collect())
}
