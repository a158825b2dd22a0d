//! Opening, signing and ending pairings inside a write transaction: the checks that
//! need the database around the domain's rules, shared by `/pairings`, request
//! approvals and imports.

use chrono::NaiveDate;
use domain::pairing::{self, Pairing, PairingStatus, Refusal};
use domain::Rule;
use domain::{Changes, FieldError};
use persistence::journal::Entry;
use persistence::{pairings, DbConnection};

use crate::error::ApiError;
use crate::services::organizations::check_organization_active;
use crate::services::regions::county;

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Invalid(errors) => ApiError::Validation(errors),
            Refusal::Conflict(errors) => ApiError::Conflict(errors),
        }
    }
}

/// A pairing to open.
#[derive(Debug, Clone)]
pub struct NewPairing {
    pub organization_id: uuid::Uuid,
    pub county_code: String,
    pub batch: i32,
    pub established_on: NaiveDate,
    pub agreement_deadline: Option<NaiveDate>,
}

/// Opens a pairing: the county must be a county, the organization must exist and be
/// active, and it must have no other open pairing with the county.
pub fn open(
    conn: &mut DbConnection,
    new: &NewPairing,
    today: NaiveDate,
) -> Result<(Pairing, Entry), ApiError> {
    let county_code = county(conn, "county_code", &new.county_code)?;
    let deadline = new
        .agreement_deadline
        .unwrap_or_else(|| pairing::default_deadline(new.established_on));
    pairing::check_new_pairing(new.batch, new.established_on, deadline, today)?;
    check_organization_active(conn, new.organization_id)?;
    if pairings::open_pairing_exists(conn, new.organization_id, &county_code)? {
        return Err(ApiError::Conflict(vec![FieldError::rule(
            "county_code",
            Rule::AlreadyPaired,
        )]));
    }
    let now = persistence::now();
    let pairing = Pairing {
        id: uuid::Uuid::now_v7(),
        organization_id: new.organization_id,
        county_code,
        batch: new.batch,
        status: PairingStatus::PendingAgreement,
        established_on: new.established_on,
        agreement_deadline: deadline,
        agreement_no: None,
        agreement_signed_on: None,
        terminated_on: None,
        termination_reason: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    pairings::insert_pairing(conn, &pairing)?;
    Ok((pairing.clone(), created_entry(&pairing)))
}

/// The journal entry of a new pairing.
pub fn created_entry(pairing: &Pairing) -> Entry {
    let mut changes = Changes::new();
    changes.created("organization_id", &pairing.organization_id);
    changes.created("county_code", &pairing.county_code.to_string());
    changes.created("batch", &pairing.batch);
    changes.created("status", &pairing.status);
    changes.created("established_on", &pairing.established_on);
    changes.created("agreement_deadline", &pairing.agreement_deadline);
    Entry {
        entity: "pairing",
        entity_id: pairing.id.to_string(),
        action: "create",
        changes,
    }
}

/// Ends a pairing (`reason` required) and journals it.
pub fn terminate(
    conn: &mut DbConnection,
    current: &Pairing,
    reason: &str,
    terminated_on: NaiveDate,
) -> Result<(Pairing, Entry), ApiError> {
    let status = pairing::terminate(current.status, reason)?;
    if terminated_on < current.established_on {
        return Err(ApiError::Validation(vec![FieldError::rule(
            "terminated_on",
            Rule::BeforeEstablished,
        )]));
    }
    let mut next = current.clone();
    next.status = status;
    next.terminated_on = Some(terminated_on);
    next.termination_reason = Some(reason.trim().to_owned());
    next.version += 1;
    next.updated_at = persistence::now();
    pairings::update_pairing(conn, &next)?;
    let mut changes = Changes::new();
    changes.compare("status", &current.status, &next.status);
    changes.compare("terminated_on", &current.terminated_on, &next.terminated_on);
    changes.compare(
        "termination_reason",
        &current.termination_reason,
        &next.termination_reason,
    );
    let entry = Entry {
        entity: "pairing",
        entity_id: next.id.to_string(),
        action: "terminate",
        changes,
    };
    Ok((next, entry))
}
