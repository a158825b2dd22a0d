//! 双百结对共建: party organizations, party pairings and their activities.

use chrono::NaiveDate;
use diesel::prelude::*;
use domain::listing::{PageRequest, Sort, SortField};
use domain::party::{
    Activity, ActivityKind, PartyOrgKind, PartyOrganization, PartyPairing, PartyPairingStatus,
};
use domain::RegionCode;

use crate::db::{DbConnection, MultiBackend};
use crate::dialect::{DbTimestamp, DbUuid};
use crate::schema::{
    organizations, party_activities, party_organizations, party_pairings, regions,
};
use crate::{Listed, Visibility};

fn corrupt(what: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(what.into())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = party_organizations)]
pub struct PartyOrganizationRow {
    pub id: DbUuid,
    pub organization_id: DbUuid,
    pub name: String,
    pub kind: String,
    pub members: i32,
    pub secretary_name: String,
    pub established_on: NaiveDate,
    pub version: i32,
    pub created_at: DbTimestamp,
    pub updated_at: DbTimestamp,
}

impl TryFrom<PartyOrganizationRow> for PartyOrganization {
    type Error = diesel::result::Error;

    fn try_from(row: PartyOrganizationRow) -> Result<Self, Self::Error> {
        Ok(PartyOrganization {
            id: row.id.0,
            organization_id: row.organization_id.0,
            name: row.name,
            kind: row
                .kind
                .parse::<PartyOrgKind>()
                .map_err(|_| corrupt(format!("party organization {} kind", row.id.0)))?,
            members: row.members,
            secretary_name: row.secretary_name,
            established_on: row.established_on,
            version: row.version,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

impl From<&PartyOrganization> for PartyOrganizationRow {
    fn from(p: &PartyOrganization) -> Self {
        PartyOrganizationRow {
            id: DbUuid(p.id),
            organization_id: DbUuid(p.organization_id),
            name: p.name.clone(),
            kind: p.kind.as_str().to_owned(),
            members: p.members,
            secretary_name: p.secretary_name.clone(),
            established_on: p.established_on,
            version: p.version,
            created_at: DbTimestamp(p.created_at),
            updated_at: DbTimestamp(p.updated_at),
        }
    }
}

pub fn insert_party_organization(
    conn: &mut DbConnection,
    p: &PartyOrganization,
) -> QueryResult<()> {
    diesel::insert_into(party_organizations::table)
        .values(PartyOrganizationRow::from(p))
        .execute(conn)
        .map(|_| ())
}

pub fn find_party_organization(
    conn: &mut DbConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<PartyOrganization>> {
    party_organizations::table
        .find(DbUuid(id))
        .select(PartyOrganizationRow::as_select())
        .first(conn)
        .optional()?
        .map(PartyOrganization::try_from)
        .transpose()
}

/// A page of party organizations (optionally of one organization), by name.
pub fn list_party_organizations(
    conn: &mut DbConnection,
    organization_id: Option<uuid::Uuid>,
    page: PageRequest,
) -> QueryResult<Listed<PartyOrganization>> {
    let filtered = || {
        let mut q = party_organizations::table.into_boxed::<MultiBackend>();
        if let Some(id) = organization_id {
            q = q.filter(party_organizations::organization_id.eq(DbUuid(id)));
        }
        q
    };
    let total = filtered().count().get_result::<i64>(conn)?;
    let items = filtered()
        .order((
            party_organizations::name.asc(),
            party_organizations::id.asc(),
        ))
        .select(PartyOrganizationRow::as_select())
        .limit(page.page_size())
        .offset(page.offset())
        .load::<PartyOrganizationRow>(conn)?
        .into_iter()
        .map(PartyOrganization::try_from)
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = party_pairings, treat_none_as_null = true)]
pub struct PartyPairingRow {
    pub id: DbUuid,
    pub party_organization_id: DbUuid,
    pub organization_id: DbUuid,
    pub village_code: String,
    pub county_code: String,
    pub branch_name: String,
    pub signed_on: NaiveDate,
    pub status: String,
    pub ended_on: Option<NaiveDate>,
    pub goals: Option<String>,
    pub version: i32,
    pub created_at: DbTimestamp,
    pub updated_at: DbTimestamp,
}

impl TryFrom<PartyPairingRow> for PartyPairing {
    type Error = diesel::result::Error;

    fn try_from(row: PartyPairingRow) -> Result<Self, Self::Error> {
        let id = row.id.0;
        Ok(PartyPairing {
            id,
            party_organization_id: row.party_organization_id.0,
            organization_id: row.organization_id.0,
            village_code: RegionCode::parse(&row.village_code)
                .map_err(|_| corrupt(format!("party pairing {id} village")))?,
            branch_name: row.branch_name,
            signed_on: row.signed_on,
            status: row
                .status
                .parse::<PartyPairingStatus>()
                .map_err(|_| corrupt(format!("party pairing {id} status")))?,
            ended_on: row.ended_on,
            goals: row.goals,
            version: row.version,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

impl PartyPairingRow {
    pub fn from_pairing(p: &PartyPairing) -> QueryResult<Self> {
        let county = p
            .village_code
            .parent()
            .and_then(|t| t.parent())
            .ok_or_else(|| corrupt(format!("village {} has no county", p.village_code)))?;
        Ok(PartyPairingRow {
            id: DbUuid(p.id),
            party_organization_id: DbUuid(p.party_organization_id),
            organization_id: DbUuid(p.organization_id),
            village_code: p.village_code.as_str().to_owned(),
            county_code: county.as_str().to_owned(),
            branch_name: p.branch_name.clone(),
            signed_on: p.signed_on,
            status: p.status.as_str().to_owned(),
            ended_on: p.ended_on,
            goals: p.goals.clone(),
            version: p.version,
            created_at: DbTimestamp(p.created_at),
            updated_at: DbTimestamp(p.updated_at),
        })
    }
}

pub fn insert_party_pairing(conn: &mut DbConnection, p: &PartyPairing) -> QueryResult<()> {
    diesel::insert_into(party_pairings::table)
        .values(PartyPairingRow::from_pairing(p)?)
        .execute(conn)
        .map(|_| ())
}

pub fn update_party_pairing(conn: &mut DbConnection, p: &PartyPairing) -> QueryResult<()> {
    diesel::update(party_pairings::table.find(DbUuid(p.id)))
        .set(PartyPairingRow::from_pairing(p)?)
        .execute(conn)
        .map(|_| ())
}

pub fn find_party_pairing(
    conn: &mut DbConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<PartyPairing>> {
    party_pairings::table
        .find(DbUuid(id))
        .select(PartyPairingRow::as_select())
        .first(conn)
        .optional()?
        .map(PartyPairing::try_from)
        .transpose()
}

pub fn active_party_pairing_exists(
    conn: &mut DbConnection,
    party_organization_id: uuid::Uuid,
    village: &RegionCode,
) -> QueryResult<bool> {
    let n: i64 = party_pairings::table
        .filter(party_pairings::party_organization_id.eq(DbUuid(party_organization_id)))
        .filter(party_pairings::village_code.eq(village.as_str().to_owned()))
        .filter(party_pairings::status.eq(PartyPairingStatus::Active.as_str()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// A party pairing with the names a list shows beside it.
#[derive(Debug, Clone)]
pub struct PartyPairingListing {
    pub pairing: PartyPairing,
    pub county_code: String,
    pub organization_name: String,
    pub party_organization_name: String,
    pub village_full_name: String,
}

#[derive(Debug, Clone, Default)]
pub struct PartyPairingFilter {
    pub organization_id: Option<uuid::Uuid>,
    pub party_organization_id: Option<uuid::Uuid>,
    pub county: Option<RegionCode>,
    pub village: Option<RegionCode>,
    pub status: Option<PartyPairingStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyPairingSort {
    SignedOn,
}

impl SortField for PartyPairingSort {
    const NAMES: &'static [&'static str] = &["signed_on"];
    const DEFAULT: Sort<Self> = Sort {
        field: PartyPairingSort::SignedOn,
        descending: true,
    };

    fn from_name(name: &str) -> Option<Self> {
        (name == "signed_on").then_some(PartyPairingSort::SignedOn)
    }
}

macro_rules! filter_party_pairings {
    ($query:expr, $visibility:expr, $filter:expr) => {{
        let filter: &PartyPairingFilter = $filter;
        let mut query = $query;
        match $visibility {
            Visibility::All => {}
            Visibility::Organization(id) => {
                query = query.filter(party_pairings::organization_id.eq(DbUuid(*id)))
            }
            Visibility::Region(code) => {
                query = query.filter(crate::within_codes!(
                    party_pairings::county_code,
                    code.as_str()
                ))
            }
        }
        if let Some(id) = filter.organization_id {
            query = query.filter(party_pairings::organization_id.eq(DbUuid(id)));
        }
        if let Some(id) = filter.party_organization_id {
            query = query.filter(party_pairings::party_organization_id.eq(DbUuid(id)));
        }
        if let Some(county) = &filter.county {
            query = query.filter(party_pairings::county_code.eq(county.as_str().to_owned()));
        }
        if let Some(village) = &filter.village {
            query = query.filter(party_pairings::village_code.eq(village.as_str().to_owned()));
        }
        if let Some(status) = filter.status {
            query = query.filter(party_pairings::status.eq(status.as_str()));
        }
        query
    }};
}

type ListingColumns = (PartyPairingRow, String, String, String);

fn listing_from(
    (row, organization_name, party_organization_name, village_full_name): ListingColumns,
) -> QueryResult<PartyPairingListing> {
    let county_code = row.county_code.clone();
    Ok(PartyPairingListing {
        pairing: PartyPairing::try_from(row)?,
        county_code,
        organization_name,
        party_organization_name,
        village_full_name,
    })
}

/// A page of party pairings with names: one query plus one count.
pub fn list_party_pairings(
    conn: &mut DbConnection,
    visibility: &Visibility,
    filter: &PartyPairingFilter,
    sort: Sort<PartyPairingSort>,
    page: PageRequest,
) -> QueryResult<Listed<PartyPairingListing>> {
    let total = filter_party_pairings!(
        party_pairings::table.into_boxed::<MultiBackend>(),
        visibility,
        filter
    )
    .count()
    .get_result::<i64>(conn)?;
    let query = filter_party_pairings!(
        party_pairings::table
            .inner_join(organizations::table)
            .inner_join(party_organizations::table)
            .inner_join(regions::table)
            .into_boxed::<MultiBackend>(),
        visibility,
        filter
    );
    let query = if sort.descending {
        query.order((party_pairings::signed_on.desc(), party_pairings::id.desc()))
    } else {
        query.order((party_pairings::signed_on.asc(), party_pairings::id.asc()))
    };
    let items = query
        .select((
            PartyPairingRow::as_select(),
            organizations::name,
            party_organizations::name,
            regions::full_name,
        ))
        .limit(page.page_size())
        .offset(page.offset())
        .load::<ListingColumns>(conn)?
        .into_iter()
        .map(listing_from)
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}

/// One party pairing with names.
pub fn find_party_pairing_listing(
    conn: &mut DbConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<PartyPairingListing>> {
    party_pairings::table
        .inner_join(organizations::table)
        .inner_join(party_organizations::table)
        .inner_join(regions::table)
        .filter(party_pairings::id.eq(DbUuid(id)))
        .select((
            PartyPairingRow::as_select(),
            organizations::name,
            party_organizations::name,
            regions::full_name,
        ))
        .first::<ListingColumns>(conn)
        .optional()?
        .map(listing_from)
        .transpose()
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = party_activities)]
pub struct ActivityRow {
    pub id: DbUuid,
    pub party_pairing_id: DbUuid,
    pub kind: String,
    pub held_on: NaiveDate,
    pub title: String,
    pub participants: i32,
    pub summary: Option<String>,
    pub created_by: Option<DbUuid>,
    pub created_at: DbTimestamp,
}

impl TryFrom<ActivityRow> for Activity {
    type Error = diesel::result::Error;

    fn try_from(row: ActivityRow) -> Result<Self, Self::Error> {
        Ok(Activity {
            id: row.id.0,
            party_pairing_id: row.party_pairing_id.0,
            kind: row
                .kind
                .parse::<ActivityKind>()
                .map_err(|_| corrupt(format!("activity {} kind", row.id.0)))?,
            held_on: row.held_on,
            title: row.title,
            participants: row.participants,
            summary: row.summary,
            created_by: row.created_by.map(|u| u.0),
            created_at: row.created_at.0,
        })
    }
}

pub fn insert_activity(conn: &mut DbConnection, a: &Activity) -> QueryResult<()> {
    diesel::insert_into(party_activities::table)
        .values(ActivityRow {
            id: DbUuid(a.id),
            party_pairing_id: DbUuid(a.party_pairing_id),
            kind: a.kind.as_str().to_owned(),
            held_on: a.held_on,
            title: a.title.clone(),
            participants: a.participants,
            summary: a.summary.clone(),
            created_by: a.created_by.map(DbUuid),
            created_at: DbTimestamp(a.created_at),
        })
        .execute(conn)
        .map(|_| ())
}

/// A pairing's activities, newest first.
pub fn list_activities(
    conn: &mut DbConnection,
    pairing: uuid::Uuid,
    page: PageRequest,
) -> QueryResult<Listed<Activity>> {
    let total = party_activities::table
        .filter(party_activities::party_pairing_id.eq(DbUuid(pairing)))
        .count()
        .get_result::<i64>(conn)?;
    let items = party_activities::table
        .filter(party_activities::party_pairing_id.eq(DbUuid(pairing)))
        .order((
            party_activities::held_on.desc(),
            party_activities::id.desc(),
        ))
        .select(ActivityRow::as_select())
        .limit(page.page_size())
        .offset(page.offset())
        .load::<ActivityRow>(conn)?
        .into_iter()
        .map(Activity::try_from)
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}

/// An active pair and the date of its latest activity.
#[derive(Debug, Clone)]
pub struct ActivePair {
    pub party_organization_id: uuid::Uuid,
    pub village_code: String,
    pub last_activity: Option<NaiveDate>,
}

/// What the progress figures are computed from.
#[derive(Debug, Clone, Default)]
pub struct PartyProgress {
    pub active_pairs: Vec<ActivePair>,
    /// Activities recorded, per kind code name.
    pub activities_by_kind: Vec<(String, i64)>,
}

/// Every active pair with its latest activity, and the activities per kind.
pub fn party_progress(conn: &mut DbConnection) -> QueryResult<PartyProgress> {
    let active: Vec<(DbUuid, DbUuid, String)> = party_pairings::table
        .filter(party_pairings::status.eq(PartyPairingStatus::Active.as_str()))
        .select((
            party_pairings::id,
            party_pairings::party_organization_id,
            party_pairings::village_code,
        ))
        .load(conn)?;
    let latest: Vec<(DbUuid, Option<NaiveDate>)> = party_activities::table
        .group_by(party_activities::party_pairing_id)
        .select((
            party_activities::party_pairing_id,
            diesel::dsl::max(party_activities::held_on),
        ))
        .load(conn)?;
    let latest: std::collections::HashMap<uuid::Uuid, Option<NaiveDate>> =
        latest.into_iter().map(|(id, d)| (id.0, d)).collect();
    let active_pairs = active
        .into_iter()
        .map(|(id, party_org, village_code)| ActivePair {
            party_organization_id: party_org.0,
            village_code,
            last_activity: latest.get(&id.0).copied().flatten(),
        })
        .collect();
    let activities_by_kind = party_activities::table
        .group_by(party_activities::kind)
        .select((party_activities::kind, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(PartyProgress {
        active_pairs,
        activities_by_kind,
    })
}

pub fn update_party_organization(
    conn: &mut DbConnection,
    p: &PartyOrganization,
) -> QueryResult<()> {
    diesel::update(party_organizations::table.find(DbUuid(p.id)))
        .set(PartyOrganizationRow::from(p))
        .execute(conn)
        .map(|_| ())
}
