//! Regions named in a request: a code of the right level that exists, or a 422
//! naming the field.

use domain::Rule;
use domain::{FieldError, RegionCode, RegionLevel, Violation};
use persistence::{regions, DbConnection};

use crate::error::ApiError;

/// The county a code names, or 422 naming `field`.
pub fn county(conn: &mut DbConnection, field: &str, raw: &str) -> Result<RegionCode, ApiError> {
    let invalid = |v: Violation| ApiError::Validation(vec![FieldError::new(field, v)]);
    let code = RegionCode::parse(raw).map_err(invalid)?;
    match regions::find_region(conn, &code)? {
        Some(region) if region.level == RegionLevel::County => Ok(code),
        Some(_) => Err(invalid(Violation::Rule(Rule::NotACounty))),
        None => Err(invalid(Violation::Rule(Rule::UnknownRegion))),
    }
}

/// The village a code names, or 422 naming `village_code`.
pub fn village(conn: &mut DbConnection, raw: &str) -> Result<RegionCode, ApiError> {
    let invalid = |v: Violation| ApiError::Validation(vec![FieldError::new("village_code", v)]);
    let code = RegionCode::parse(raw).map_err(invalid)?;
    match regions::find_region(conn, &code)? {
        Some(r) if r.level == RegionLevel::Village => Ok(code),
        Some(_) => Err(invalid(Violation::Rule(Rule::NotAVillage))),
        None => Err(invalid(Violation::Rule(Rule::UnknownRegion))),
    }
}

/// The county of a village code.
pub fn county_of(village: &RegionCode) -> Result<RegionCode, ApiError> {
    village
        .parent()
        .and_then(|township| township.parent())
        .ok_or_else(|| ApiError::Internal(format!("village {village} has no county")))
}
