//! Regions named in a request: a code of the right level that exists, or a 422
//! naming the field.

use domain::{FieldError, RegionCode, RegionLevel, Violation};
use persistence::{regions, DbConnection};

use crate::error::ApiError;

/// The county a code names, or 422 naming `field`.
pub fn county(conn: &mut DbConnection, field: &str, raw: &str) -> Result<RegionCode, ApiError> {
    let invalid = |v: Violation| ApiError::Validation(vec![FieldError::new(field, v)]);
    let code = RegionCode::parse(raw).map_err(invalid)?;
    match regions::find_region(conn, &code)? {
        Some(region) if region.level == RegionLevel::County => Ok(code),
        Some(_) => Err(invalid(Violation::Rule {
            code: "not_a_county",
            zh: "须为县级行政区划（县、市、区）的代码".to_owned(),
            en: "must be the code of a county-level division".to_owned(),
        })),
        None => Err(invalid(Violation::Rule {
            code: "unknown_region",
            zh: "没有这个行政区划代码".to_owned(),
            en: "no region has this code".to_owned(),
        })),
    }
}

/// The village a code names, or 422 naming `village_code`.
pub fn village(conn: &mut DbConnection, raw: &str) -> Result<RegionCode, ApiError> {
    let invalid = |v: Violation| ApiError::Validation(vec![FieldError::new("village_code", v)]);
    let code = RegionCode::parse(raw).map_err(invalid)?;
    match regions::find_region(conn, &code)? {
        Some(r) if r.level == RegionLevel::Village => Ok(code),
        Some(_) => Err(invalid(Violation::Rule {
            code: "not_a_village",
            zh: "须为村（社区）的代码".to_owned(),
            en: "must be the code of a village".to_owned(),
        })),
        None => Err(invalid(Violation::Rule {
            code: "unknown_region",
            zh: "没有这个行政区划代码".to_owned(),
            en: "no region has this code".to_owned(),
        })),
    }
}

/// The county of a village code.
pub fn county_of(village: &RegionCode) -> Result<RegionCode, ApiError> {
    village
        .parent()
        .and_then(|township| township.parent())
        .ok_or_else(|| ApiError::Internal(format!("village {village} has no county")))
}
