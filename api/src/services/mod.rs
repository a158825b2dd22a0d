//! The application layer: every rule that needs the database (an organization is
//! active, it is paired with the county, a region is of the right level, a village
//! belongs to a county) and the clock, once each. A handler extracts, authorizes,
//! calls a service and maps the answer; route files never import each other, they
//! share what they need through here. Pure rules stay in `domain`.

pub mod clock;
pub mod households;
pub mod organizations;
pub mod pairings;
pub mod regions;
pub mod stats_cache;
