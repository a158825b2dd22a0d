//! Households as the rules that need the database see them: who may see or change
//! one (the policy needs to know whether an organization is paired with its county),
//! and what their creation records in the journal (masked values only).

use domain::household::{Assistance, Household};
use domain::identity::{Actor, Role, Scope};
use domain::policy::{authorize, Action, Resource};
use domain::{Changes, RegionCode};
use persistence::households::{self as store, HouseholdRow};
use persistence::journal::Entry;
use persistence::DbConnection;

use crate::error::ApiError;

/// The policy's view of a household in `county` for `actor`: whether the actor's
/// organization (for an organization user) has a non-terminated pairing there.
pub fn household_resource<'a>(
    conn: &mut DbConnection,
    actor: &Actor,
    county: &'a RegionCode,
) -> Result<Resource<'a>, ApiError> {
    let organization_paired = match (actor.role, &actor.scope) {
        (Role::OrgUser, Scope::Organization(id)) => {
            persistence::pairings::open_pairing_exists(conn, *id, county)?
        }
        _ => false,
    };
    Ok(Resource::Household {
        county_code: county,
        organization_paired,
    })
}

/// The household if `actor` may do `action` to it (404/403 otherwise).
pub fn authorized_household(
    conn: &mut DbConnection,
    actor: &Actor,
    id: uuid::Uuid,
    action: Action,
) -> Result<HouseholdRow, ApiError> {
    let row = store::find_household(conn, id)?.ok_or(ApiError::NotFound)?;
    let county = RegionCode::parse(&row.county_code)
        .map_err(|_| ApiError::Internal(format!("household {id} county_code")))?;
    let resource = household_resource(conn, actor, &county)?;
    // The policy answers 404 to whoever may not even see the household.
    ApiError::from_decision(authorize(Some(actor), action, &resource))?;
    Ok(row)
}

/// What a created household records in the journal: masked values only.
pub fn created_changes(h: &Household) -> Changes {
    let masked = h.personal.masked();
    let mut c = Changes::new();
    c.created("village_code", &h.village_code.to_string());
    c.created("head_name", &masked.head_name);
    c.created("id_number", &masked.id_number);
    c.created("phone", &masked.phone);
    c.created("members", &h.members);
    c.created("category", &h.category);
    c.created("special_groups", &h.special_groups);
    c.created("risk_eliminated", &h.risk_eliminated);
    c.created("note", &h.note);
    c
}

/// The journal entry of a new assistance record.
pub fn assistance_entry(record: &Assistance) -> Entry {
    let mut changes = Changes::new();
    changes.created("household_id", &record.household_id);
    changes.created("organization_id", &record.organization_id);
    changes.created("kind", &record.kind);
    changes.created("given_on", &record.given_on);
    changes.created("value_fen", &record.value_fen);
    changes.created("wish_id", &record.wish_id);
    Entry {
        entity: "assistance",
        entity_id: record.id.to_string(),
        action: "create",
        changes,
    }
}
