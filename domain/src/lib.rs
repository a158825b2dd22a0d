//! Zhenxing's domain: the programme's vocabulary as types, and its rules as pure
//! functions. Nothing here does IO, so every rule can be tested as a plain function.

mod code_enum;
pub mod i18n;
pub mod listing;
pub mod region;
pub mod validation;

pub use i18n::Lang;
pub use listing::{PageRequest, Sort, SortField};
pub use region::{County, KeyCounty, KeyCountyFilter, Region, RegionCode, RegionLevel, VillageTag};
pub use validation::{FieldError, Violation};
