//! Zhenxing's domain: the programme's vocabulary as types, and its rules as pure
//! functions. Nothing here does IO, so every rule can be tested as a plain function.

pub mod change;
mod code_enum;
pub mod evaluation;
pub mod household;
pub mod household_import;
pub mod i18n;
pub mod identity;
pub mod liaison;
pub mod limits;
pub mod listing;
pub mod organization;
pub mod pairing;
pub mod pairing_import;
pub mod party;
pub mod policy;
pub mod project;
pub mod region;
pub mod report;
pub mod rules;
pub mod stats;
pub mod supervision;
pub mod validation;

pub use change::Changes;
pub use i18n::Lang;
pub use identity::{Account, Actor, Department, Role, Scope, Username};
pub use listing::{PageRequest, Sort, SortField};
pub use region::{
    County, KeyCounty, KeyCountyFilter, Region, RegionCode, RegionLevel, RegionPatch, VillageTag,
};
pub use rules::Rule;
pub use validation::{FieldError, Violation};
