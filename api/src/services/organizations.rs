//! What an organization may start: it is active, and paired with the county.

use domain::organization::OrgStatus;
use domain::Rule;
use domain::{FieldError, RegionCode};
use persistence::DbConnection;

use crate::error::ApiError;

/// 422 for an unknown organization, 409 for one that is not active (a suspended or
/// deregistered organization starts nothing new).
pub fn check_organization_active(
    conn: &mut DbConnection,
    organization_id: uuid::Uuid,
) -> Result<(), ApiError> {
    let organization = persistence::organizations::find_organization(conn, organization_id)?
        .ok_or_else(|| {
            ApiError::Validation(vec![FieldError::rule(
                "organization_id",
                Rule::UnknownOrganization,
            )])
        })?;
    if organization.status != OrgStatus::Active {
        return Err(ApiError::Conflict(vec![FieldError::rule(
            "organization_id",
            Rule::OrganizationNotActive {
                status: organization.status.to_string(),
            },
        )]));
    }
    Ok(())
}

/// An organization may start work in a county: it is active and has a pairing there
/// that is not terminated (409 otherwise).
pub fn check_can_start(
    conn: &mut DbConnection,
    organization_id: uuid::Uuid,
    county: &RegionCode,
) -> Result<(), ApiError> {
    check_organization_active(conn, organization_id)?;
    if !persistence::pairings::open_pairing_exists(conn, organization_id, county)? {
        return Err(ApiError::Conflict(vec![FieldError::rule(
            "county_code",
            Rule::NotPaired,
        )]));
    }
    Ok(())
}
