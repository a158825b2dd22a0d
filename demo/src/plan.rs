//! How much a run makes and from which seed: the scales and their row counts.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

/// The seed when none is given.
pub const DEFAULT_SEED: u64 = 2025;

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// About 1/50 of `Large`, with at least a few of everything: every screen has data.
    Small,
    /// The programme at full size: 5,000 organizations, 200,000 households, 1,000,000
    /// assistance records.
    Large,
}

impl Scale {
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::Large => "large",
        }
    }

    /// How many rows of each kind this scale makes.
    pub fn targets(self) -> Targets {
        match self {
            Scale::Large => Targets {
                organizations: 5_000,
                suspended: 60,
                deregistered: 40,
                pairings: 8_000,
                pairing_requests: 160,
                projects: 100_000,
                village_pairings: 10_000,
                households: 200_000,
                assistance_records: 1_000_000,
                wishes: 20_000,
                party_organizations: 300,
                party_pairings: 150,
                cases: 400,
                commendations: 200,
                violations: 20,
            },
            Scale::Small => Targets {
                organizations: 100,
                suspended: 2,
                deregistered: 1,
                pairings: 160,
                pairing_requests: 6,
                projects: 2_000,
                village_pairings: 200,
                households: 4_000,
                assistance_records: 20_000,
                wishes: 400,
                party_organizations: 8,
                party_pairings: 4,
                cases: 8,
                commendations: 6,
                violations: 1,
            },
        }
    }
}

impl FromStr for Scale {
    type Err = String;

    fn from_str(s: &str) -> Result<Scale, String> {
        match s {
            "small" => Ok(Scale::Small),
            "large" => Ok(Scale::Large),
            other => Err(format!("{other:?} is not a scale: small or large")),
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Row counts of a scale. Liaisons (every prefecture and county, both departments),
/// reports (2024 and 2025) and party activities follow from the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub organizations: usize,
    /// Organizations suspended after a violation (each has that violation on record).
    pub suspended: usize,
    pub deregistered: usize,
    pub pairings: usize,
    pub pairing_requests: usize,
    pub projects: usize,
    pub village_pairings: usize,
    pub households: usize,
    /// Including the records that fulfilled wishes.
    pub assistance_records: usize,
    pub wishes: usize,
    pub party_organizations: usize,
    pub party_pairings: usize,
    pub cases: usize,
    pub commendations: usize,
    /// Violations that did not suspend (on top of one per suspended organization).
    pub violations: usize,
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub scale: Scale,
    pub seed: u64,
    /// The data's "today": nothing is dated after it. At most the real today.
    pub as_of: NaiveDate,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_parse() {
        assert_eq!("small".parse::<Scale>().unwrap(), Scale::Small);
        assert_eq!("large".parse::<Scale>().unwrap(), Scale::Large);
        assert!("medium".parse::<Scale>().is_err());
    }
}
