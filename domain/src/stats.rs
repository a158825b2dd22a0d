//! The programme's figures against its targets (三年行动方案): what a region's counts add
//! up to, and how far each target is reached. Counts only, never a person.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::household::WishStatus;
use crate::pairing::PairingStatus;
use crate::project::ProjectCategory;

/// All 129 county-level divisions covered by a pairing.
pub const COUNTIES_TARGET: i64 = 129;
/// 百会助千村: villages helped.
pub const VILLAGES_TARGET: i64 = 1_000;
/// 百会兴万户: households helped.
pub const HOUSEHOLDS_TARGET: i64 = 10_000;
/// 双百结对共建: party pairings.
pub const PARTY_PAIRINGS_TARGET: i64 = 100;

/// A figure with its target and how far it has come.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Target {
    pub value: i64,
    pub target: i64,
    /// `value / target`, from 0 to 1 (1 once reached; 0 when there is no target).
    pub progress: f64,
}

impl Target {
    pub fn new(value: i64, target: i64) -> Target {
        let progress = if target > 0 {
            (value as f64 / target as f64).clamp(0.0, 1.0)
        } else {
            0.0
        };
        Target {
            value,
            target,
            progress,
        }
    }
}

/// Projects of one category (or all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProjectFigures {
    pub count: i64,
    pub committed_fen: i64,
    pub disbursed_fen: i64,
    pub beneficiaries: i64,
}

impl ProjectFigures {
    fn add(&mut self, other: &ProjectFigures) {
        self.count += other.count;
        // Money and head counts saturate rather than wrap: a total that would pass
        // i64::MAX (only possible over rows stored before amounts were capped) stays
        // at the ceiling instead of turning negative.
        self.committed_fen = self.committed_fen.saturating_add(other.committed_fen);
        self.disbursed_fen = self.disbursed_fen.saturating_add(other.disbursed_fen);
        self.beneficiaries = self.beneficiaries.saturating_add(other.beneficiaries);
    }
}

/// Key counties of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct KeyCountyFigures {
    pub total: i64,
    /// Covered by at least one non-terminated pairing, against all of them.
    pub covered: Target,
}

/// Reports of the year: submitted on time, submitted late, not submitted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReportFigures {
    pub on_time: i64,
    pub late: i64,
    pub outstanding: i64,
}

/// The counts of a region that add up from its counties.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub counties: i64,
    pub counties_covered: i64,
    pub key_national: i64,
    pub key_national_covered: i64,
    pub key_provincial: i64,
    pub key_provincial_covered: i64,
    pub pairings_by_status: BTreeMap<PairingStatus, i64>,
    pub agreements_on_time: i64,
    pub agreements_late: i64,
    pub agreements_overdue: i64,
    pub projects: BTreeMap<ProjectCategory, ProjectFigures>,
    pub villages_helped: i64,
    pub households_helped: i64,
    pub party_pairings_active: i64,
    pub wishes_by_status: BTreeMap<WishStatus, i64>,
    /// Prefectures and counties that need liaisons, and those with one from each
    /// department.
    pub liaison_regions: i64,
    pub liaison_regions_covered: i64,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.counties += other.counties;
        self.counties_covered += other.counties_covered;
        self.key_national += other.key_national;
        self.key_national_covered += other.key_national_covered;
        self.key_provincial += other.key_provincial;
        self.key_provincial_covered += other.key_provincial_covered;
        for (status, n) in &other.pairings_by_status {
            *self.pairings_by_status.entry(*status).or_default() += n;
        }
        self.agreements_on_time += other.agreements_on_time;
        self.agreements_late += other.agreements_late;
        self.agreements_overdue += other.agreements_overdue;
        for (category, p) in &other.projects {
            self.projects.entry(*category).or_default().add(p);
        }
        self.villages_helped += other.villages_helped;
        self.households_helped += other.households_helped;
        self.party_pairings_active += other.party_pairings_active;
        for (status, n) in &other.wishes_by_status {
            *self.wishes_by_status.entry(*status).or_default() += n;
        }
        self.liaison_regions += other.liaison_regions;
        self.liaison_regions_covered += other.liaison_regions_covered;
    }
}

/// A region's figures, as the overview and each row of the region tables show them.
/// Targets of a prefecture or county row are the province's: the row shows its share.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Figures {
    #[schema(example = 129)]
    pub counties_total: i64,
    /// Counties with at least one non-terminated pairing, against all counties of the region.
    pub counties_covered: Target,
    pub key_counties_total: i64,
    pub key_counties_covered: Target,
    pub key_counties_national: KeyCountyFigures,
    pub key_counties_provincial: KeyCountyFigures,
    /// Distinct organizations with a non-terminated pairing in the region.
    pub organizations_participating: i64,
    /// Every pairing status with its count.
    pub pairings_by_status: BTreeMap<String, i64>,
    /// Agreements due in the year and signed by their deadline.
    pub agreements_signed_on_time: i64,
    /// Agreements due in the year and signed after it.
    pub agreements_signed_late: i64,
    /// Agreements due in the year, past their deadline and still unsigned.
    pub agreements_overdue: i64,
    /// Projects running in the year (not cancelled), by category.
    pub projects_by_category: BTreeMap<String, ProjectFigures>,
    pub projects_total: ProjectFigures,
    /// Distinct villages with an active village pairing, against 1,000.
    pub villages_helped: Target,
    /// Distinct households with assistance given by the end of the year, against 10,000.
    pub households_helped: Target,
    /// Active party pairings, against 100.
    pub party_pairings_active: Target,
    /// Every wish status with its count.
    pub wishes_by_status: BTreeMap<String, i64>,
    /// Reports of the year (prefectures' half-year reports; for the province also the
    /// province-level organizations' annual reports). `null` for a county.
    pub reports: Option<ReportFigures>,
    /// Prefectures and counties with a liaison from each department, against all of them.
    pub liaison_coverage: Target,
}

impl Figures {
    pub fn new(
        t: &Tally,
        organizations_participating: i64,
        reports: Option<ReportFigures>,
    ) -> Self {
        let mut projects_total = ProjectFigures::default();
        let projects_by_category = ProjectCategory::ALL
            .iter()
            .map(|c| {
                let p = t.projects.get(c).copied().unwrap_or_default();
                projects_total.add(&p);
                (c.as_str().to_owned(), p)
            })
            .collect();
        let key_total = t.key_national + t.key_provincial;
        Figures {
            counties_total: t.counties,
            counties_covered: Target::new(t.counties_covered, t.counties),
            key_counties_total: key_total,
            key_counties_covered: Target::new(
                t.key_national_covered + t.key_provincial_covered,
                key_total,
            ),
            key_counties_national: KeyCountyFigures {
                total: t.key_national,
                covered: Target::new(t.key_national_covered, t.key_national),
            },
            key_counties_provincial: KeyCountyFigures {
                total: t.key_provincial,
                covered: Target::new(t.key_provincial_covered, t.key_provincial),
            },
            organizations_participating,
            pairings_by_status: PairingStatus::ALL
                .iter()
                .map(|s| {
                    (
                        s.as_str().to_owned(),
                        t.pairings_by_status.get(s).copied().unwrap_or(0),
                    )
                })
                .collect(),
            agreements_signed_on_time: t.agreements_on_time,
            agreements_signed_late: t.agreements_late,
            agreements_overdue: t.agreements_overdue,
            projects_by_category,
            projects_total,
            villages_helped: Target::new(t.villages_helped, VILLAGES_TARGET),
            households_helped: Target::new(t.households_helped, HOUSEHOLDS_TARGET),
            party_pairings_active: Target::new(t.party_pairings_active, PARTY_PAIRINGS_TARGET),
            wishes_by_status: WishStatus::ALL
                .iter()
                .map(|s| {
                    (
                        s.as_str().to_owned(),
                        t.wishes_by_status.get(s).copied().unwrap_or(0),
                    )
                })
                .collect(),
            reports,
            liaison_coverage: Target::new(t.liaison_regions_covered, t.liaison_regions),
        }
    }

    /// The figures a region table sorts by.
    pub const SORT_NAMES: &'static [&'static str] = &[
        "counties_covered",
        "key_counties_covered",
        "organizations_participating",
        "pairings",
        "agreements_signed_on_time",
        "agreements_overdue",
        "projects",
        "committed_fen",
        "disbursed_fen",
        "beneficiaries",
        "villages_helped",
        "households_helped",
        "party_pairings_active",
        "wishes_open",
        "wishes_fulfilled",
        "liaison_coverage",
    ];

    /// The value of a figure named in `SORT_NAMES`.
    pub fn sort_value(&self, name: &str) -> Option<f64> {
        let v = match name {
            "counties_covered" => self.counties_covered.value,
            "key_counties_covered" => self.key_counties_covered.value,
            "organizations_participating" => self.organizations_participating,
            "pairings" => self
                .pairings_by_status
                .iter()
                .filter(|(s, _)| s.as_str() != PairingStatus::Terminated.as_str())
                .map(|(_, n)| n)
                .sum(),
            "agreements_signed_on_time" => self.agreements_signed_on_time,
            "agreements_overdue" => self.agreements_overdue,
            "projects" => self.projects_total.count,
            "committed_fen" => self.projects_total.committed_fen,
            "disbursed_fen" => self.projects_total.disbursed_fen,
            "beneficiaries" => self.projects_total.beneficiaries,
            "villages_helped" => self.villages_helped.value,
            "households_helped" => self.households_helped.value,
            "party_pairings_active" => self.party_pairings_active.value,
            "wishes_open" => self.wishes_by_status.get("open").copied().unwrap_or(0),
            "wishes_fulfilled" => self.wishes_by_status.get("fulfilled").copied().unwrap_or(0),
            "liaison_coverage" => return Some(self.liaison_coverage.progress),
            _ => return None,
        };
        Some(v as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_a_share_capped_at_one() {
        assert_eq!(Target::new(250, 1000).progress, 0.25);
        assert_eq!(Target::new(1200, 1000).progress, 1.0);
        assert_eq!(Target::new(3, 0).progress, 0.0);
    }

    #[test]
    fn tallies_add_up_and_every_status_and_category_is_listed() {
        let mut county = Tally {
            counties: 1,
            counties_covered: 1,
            key_national: 1,
            key_national_covered: 1,
            villages_helped: 4,
            households_helped: 30,
            liaison_regions: 1,
            ..Tally::default()
        };
        county
            .pairings_by_status
            .insert(PairingStatus::PendingAgreement, 2);
        county.projects.insert(
            ProjectCategory::Education,
            ProjectFigures {
                count: 2,
                committed_fen: 500,
                disbursed_fen: 200,
                beneficiaries: 40,
            },
        );
        let mut other = county.clone();
        other.counties_covered = 0;
        other.key_national_covered = 0;
        other.liaison_regions_covered = 1;
        let mut prefecture = Tally::default();
        prefecture.add(&county);
        prefecture.add(&other);
        let f = Figures::new(&prefecture, 3, None);
        assert_eq!(f.counties_total, 2);
        assert_eq!(f.counties_covered, Target::new(1, 2));
        assert_eq!(f.key_counties_national.covered, Target::new(1, 2));
        assert_eq!(f.key_counties_covered.value, 1);
        assert_eq!(f.pairings_by_status["pending_agreement"], 4);
        assert_eq!(f.pairings_by_status["terminated"], 0);
        assert_eq!(f.projects_by_category.len(), ProjectCategory::ALL.len());
        assert_eq!(f.projects_total.committed_fen, 1000);
        assert_eq!(f.villages_helped, Target::new(8, VILLAGES_TARGET));
        assert_eq!(f.households_helped.target, 10_000);
        assert_eq!(f.wishes_by_status.len(), WishStatus::ALL.len());
        assert_eq!(f.liaison_coverage, Target::new(1, 2));
        assert_eq!(f.sort_value("pairings"), Some(4.0));
        assert_eq!(f.sort_value("committed_fen"), Some(1000.0));
        for name in Figures::SORT_NAMES {
            assert!(f.sort_value(name).is_some(), "{name}");
        }
        assert_eq!(f.sort_value("nonsense"), None);
    }
}
