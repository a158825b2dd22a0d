//! What an organization may start: it is active, and paired with the county.

use domain::organization::OrgStatus;
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
                "unknown_organization",
                "没有这个社会组织",
                "no organization has this id",
            )])
        })?;
    if organization.status != OrgStatus::Active {
        return Err(ApiError::Conflict(vec![FieldError::rule(
            "organization_id",
            "organization_not_active",
            &format!(
                "该社会组织状态为“{}”，不能开展新的帮扶",
                organization.status
            ),
            &format!(
                "the organization is {}: it can start nothing new",
                organization.status
            ),
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
            "not_paired",
            "该社会组织与此县没有（未终止的）结对，不能在此开展帮扶",
            "the organization has no pairing (not terminated) with this county",
        )]));
    }
    Ok(())
}
