//! The reporting rhythm: prefectures report every half year, province-level
//! organizations every year; due dates and lateness are judged in Asia/Shanghai.

use chrono::{DateTime, NaiveDate, Utc};

use crate::code_enum;
use crate::rules::Rule;
use crate::validation::{FieldError, Violation};

code_enum! {
    /// `semiannual` (a prefecture, period `2024S1`/`2024S2`) or `annual` (an
    /// organization, period `2024`).
    pub enum ReportKind {
        Semiannual => "semiannual",
        Annual => "annual",
    }
}

code_enum! {
    /// `draft` → `submitted` (then read-only).
    pub enum ReportStatus {
        Draft => "draft",
        Submitted => "submitted",
    }
}

/// A reporting period, checked against its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub year: i32,
    /// 1 or 2 for half-years; `None` for a year.
    pub half: Option<u8>,
}

impl Period {
    /// `2024S1`, `2024S2` (semiannual) or `2024` (annual), years 2023–2100.
    pub fn parse(kind: ReportKind, raw: &str) -> Result<Period, Violation> {
        let invalid = || Violation::InvalidFormat {
            expected: match kind {
                ReportKind::Semiannual => "a half-year such as 2024S1 or 2024S2".to_owned(),
                ReportKind::Annual => "a year such as 2024".to_owned(),
            },
        };
        let raw = raw.trim();
        let (year, half) = match kind {
            ReportKind::Semiannual => {
                let (year, half) = raw.split_once('S').ok_or_else(invalid)?;
                let half = match half {
                    "1" => 1,
                    "2" => 2,
                    _ => return Err(invalid()),
                };
                (year, Some(half))
            }
            ReportKind::Annual => (raw, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let year: i32 = year.parse().map_err(|_| invalid())?;
        if !(2023..=2100).contains(&year) {
            return Err(Violation::OutOfRange {
                min: 2023,
                max: 2100,
            });
        }
        Ok(Period { year, half })
    }

    pub fn code(&self) -> String {
        match self.half {
            Some(h) => format!("{}S{h}", self.year),
            None => self.year.to_string(),
        }
    }

    /// Semiannual reports are due 15 days after the half-year (Jul 15, Jan 15 of the
    /// next year); annual reports on Dec 15 of the year.
    pub fn due_on(&self) -> NaiveDate {
        let date = match self.half {
            Some(1) => NaiveDate::from_ymd_opt(self.year, 7, 15),
            Some(_) => NaiveDate::from_ymd_opt(self.year + 1, 1, 15),
            None => NaiveDate::from_ymd_opt(self.year, 12, 15),
        };
        date.unwrap_or(NaiveDate::MAX)
    }
}

/// An annual report cites typical cases of its own organization only. `own` holds the
/// cited ids that are the organization's; the first cited id outside it is the error,
/// named by its index.
pub fn check_cases_submitted(
    cited: &[uuid::Uuid],
    own: &std::collections::HashSet<uuid::Uuid>,
) -> Result<(), FieldError> {
    match cited.iter().position(|id| !own.contains(id)) {
        None => Ok(()),
        Some(i) => Err(FieldError::rule(
            format!("sections.cases_submitted[{i}]"),
            Rule::NotTheOrganizations,
        )),
    }
}

/// Late: submitted after the due date, or not submitted and the due date has passed
/// (both judged by the Shanghai calendar).
pub fn is_late(submitted_on: Option<NaiveDate>, due_on: NaiveDate, today: NaiveDate) -> bool {
    match submitted_on {
        Some(on) => on > due_on,
        None => today > due_on,
    }
}

/// A report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub id: uuid::Uuid,
    pub kind: ReportKind,
    /// A prefecture code (semiannual) or an organization id (annual).
    pub subject: String,
    pub period: String,
    pub status: ReportStatus,
    /// The sections as a JSON object.
    pub sections: serde_json::Value,
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_on: NaiveDate,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn code_names_match_serde() {
        ReportKind::assert_codes_match_serde();
        ReportStatus::assert_codes_match_serde();
    }

    #[test]
    fn periods_and_due_dates() {
        let s1 = Period::parse(ReportKind::Semiannual, "2024S1").unwrap();
        assert_eq!(s1.due_on(), d(2024, 7, 15));
        assert_eq!(
            Period::parse(ReportKind::Semiannual, "2024S2")
                .unwrap()
                .due_on(),
            d(2025, 1, 15)
        );
        assert_eq!(
            Period::parse(ReportKind::Annual, "2024").unwrap().due_on(),
            d(2024, 12, 15)
        );
        assert_eq!(s1.code(), "2024S1");
        for bad in ["2024", "2024S3", "24S1", "2024s1", "S1"] {
            assert!(Period::parse(ReportKind::Semiannual, bad).is_err(), "{bad}");
        }
        for bad in ["2024S1", "24", "abcd"] {
            assert!(Period::parse(ReportKind::Annual, bad).is_err(), "{bad}");
        }
        assert_eq!(
            Period::parse(ReportKind::Annual, "2022")
                .unwrap_err()
                .code(),
            "out_of_range"
        );
    }

    #[test]
    fn lateness_at_the_boundaries() {
        let due = d(2024, 7, 15);
        assert!(
            !is_late(Some(due), due, d(2025, 1, 1)),
            "on the due date is on time"
        );
        assert!(is_late(Some(d(2024, 7, 16)), due, d(2025, 1, 1)));
        assert!(!is_late(None, due, due), "not yet late on the due date");
        assert!(is_late(None, due, d(2024, 7, 16)));
    }

    #[test]
    fn an_annual_report_cites_its_own_cases_only() {
        let mine = uuid::Uuid::from_u128(1);
        let theirs = uuid::Uuid::from_u128(2);
        let own = std::collections::HashSet::from([mine]);
        assert!(check_cases_submitted(&[], &own).is_ok());
        assert!(check_cases_submitted(&[mine, mine], &own).is_ok());
        let err = check_cases_submitted(&[mine, theirs], &own).unwrap_err();
        assert_eq!(err.field, "sections.cases_submitted[1]");
        assert_eq!(err.violation.code(), "not_the_organizations");
    }
}
