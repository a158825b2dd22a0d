//! 百会助千村: assistance projects and village pairings (with member enterprises),
//! their state machines and the rules on money and dates.

use chrono::{DateTime, NaiveDate, Utc};

use crate::code_enum;
use crate::limits::{MAX_AMOUNT_FEN, MAX_PEOPLE};
use crate::organization::CreditCode;
use crate::pairing::Refusal;
use crate::rules::{Record, Rule};
use crate::validation::{FieldError, Violation};

code_enum! {
    /// 帮扶项目类别.
    pub enum ProjectCategory {
        /// 产业帮扶
        Industry => "industry",
        /// 就业帮扶
        Employment => "employment",
        /// 教育帮扶
        Education => "education",
        /// 健康帮扶
        Health => "health",
        /// 养老服务
        ElderlyCare => "elderly_care",
        /// 消费帮扶
        Consumption => "consumption",
        /// 多元帮扶
        Diversified => "diversified",
    }
}

code_enum! {
    /// 五个振兴: the dimension of rural revitalization a project serves.
    pub enum Dimension {
        /// 产业振兴
        Industry => "industry",
        /// 人才振兴
        Talent => "talent",
        /// 文化振兴
        Culture => "culture",
        /// 生态振兴
        Ecology => "ecology",
        /// 组织振兴
        Organization => "organization",
    }
}

code_enum! {
    /// `planned` → `in_progress` → `completed`; `planned`/`in_progress` → `cancelled`.
    pub enum ProjectStatus {
        Planned => "planned",
        InProgress => "in_progress",
        Completed => "completed",
        Cancelled => "cancelled",
    }
}

code_enum! {
    /// A village pairing is `active` until it is `ended`.
    pub enum VillagePairingStatus {
        Active => "active",
        Ended => "ended",
    }
}

/// An assistance project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub county_code: crate::RegionCode,
    pub village_code: Option<crate::RegionCode>,
    pub title: String,
    pub description: Option<String>,
    pub category: ProjectCategory,
    pub dimension: Dimension,
    pub status: ProjectStatus,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    pub committed_fen: i64,
    /// For consumption projects, the value of the products bought.
    pub disbursed_fen: i64,
    pub beneficiaries: i64,
    pub enterprise: Option<Enterprise>,
    pub in_county_library: bool,
    pub brand: bool,
    pub cancel_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A member enterprise (会员企业) that carries out a project or helps a village.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enterprise {
    pub name: String,
    pub credit_code: CreditCode,
}

impl Enterprise {
    /// Both the name and the credit code, or neither.
    pub fn parse(
        name: Option<&str>,
        credit_code: Option<&str>,
    ) -> Result<Option<Enterprise>, Vec<FieldError>> {
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        let code = credit_code.map(str::trim).filter(|c| !c.is_empty());
        match (name, code) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(vec![FieldError::new(
                "enterprise_credit_code",
                Violation::Required,
            )]),
            (None, Some(_)) => Err(vec![FieldError::new(
                "enterprise_name",
                Violation::Required,
            )]),
            (Some(name), Some(code)) => {
                let mut errors = Vec::new();
                if name.chars().count() > 200 {
                    errors.push(FieldError::new(
                        "enterprise_name",
                        Violation::TooLong { max: 200 },
                    ));
                }
                let code = CreditCode::parse(code)
                    .map_err(|v| errors.push(FieldError::new("enterprise_credit_code", v)))
                    .ok();
                match (code, errors.is_empty()) {
                    (Some(credit_code), true) => Ok(Some(Enterprise {
                        name: name.to_owned(),
                        credit_code,
                    })),
                    _ => Err(errors),
                }
            }
        }
    }
}

/// Checks a project's figures and dates as they would be stored.
pub fn check_project(
    title: &str,
    start_on: NaiveDate,
    end_on: Option<NaiveDate>,
    committed_fen: i64,
    disbursed_fen: i64,
    beneficiaries: i64,
) -> Result<(), Refusal> {
    let mut errors = Vec::new();
    match title.trim().chars().count() {
        0 => errors.push(FieldError::new("title", Violation::Required)),
        n if n > 200 => errors.push(FieldError::new("title", Violation::TooLong { max: 200 })),
        _ => {}
    }
    if end_on.is_some_and(|end| end < start_on) {
        errors.push(FieldError::rule("end_on", Rule::BeforeStart));
    }
    // Each amount within the documented ceiling, so that no sum over them can wrap.
    for (field, value, max) in [
        ("committed_fen", committed_fen, MAX_AMOUNT_FEN),
        ("disbursed_fen", disbursed_fen, MAX_AMOUNT_FEN),
        ("beneficiaries", beneficiaries, MAX_PEOPLE),
    ] {
        if !(0..=max).contains(&value) {
            errors.push(FieldError::new(
                field,
                Violation::OutOfRange { min: 0, max },
            ));
        }
    }
    if disbursed_fen > committed_fen
        && (0..=MAX_AMOUNT_FEN).contains(&disbursed_fen)
        && committed_fen >= 0
    {
        errors.push(FieldError::rule("disbursed_fen", Rule::ExceedsCommitted));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Invalid(errors))
    }
}

fn illegal(from: ProjectStatus, action: &'static str) -> Refusal {
    Refusal::Conflict(vec![FieldError::rule(
        "status",
        Rule::IllegalTransition {
            record: Record::Project,
            from_zh: from.as_str(),
            from_en: from.as_str(),
            action_zh: action,
            action_en: action,
        },
    )])
}

/// The longest reason for cancelling or ending, in characters.
pub const REASON_MAX: usize = 500;

/// The longest note on a village pairing, in characters.
pub const NOTE_MAX: usize = 1000;

/// `planned` → `in_progress`.
pub fn start(status: ProjectStatus) -> Result<ProjectStatus, Refusal> {
    match status {
        ProjectStatus::Planned => Ok(ProjectStatus::InProgress),
        other => Err(illegal(other, "started")),
    }
}

/// `in_progress` → `completed`, which needs the end date.
pub fn complete(
    status: ProjectStatus,
    end_on: Option<NaiveDate>,
) -> Result<ProjectStatus, Refusal> {
    match status {
        ProjectStatus::InProgress if end_on.is_none() => {
            Err(Refusal::Invalid(vec![FieldError::rule(
                "end_on",
                Rule::RequiredToComplete,
            )]))
        }
        ProjectStatus::InProgress => Ok(ProjectStatus::Completed),
        other => Err(illegal(other, "completed")),
    }
}

/// `planned`/`in_progress` → `cancelled`, with a reason.
pub fn cancel(status: ProjectStatus, reason: &str) -> Result<ProjectStatus, Refusal> {
    match status {
        ProjectStatus::Planned | ProjectStatus::InProgress => match reason.trim().chars().count() {
            0 => Err(Refusal::Invalid(vec![FieldError::new(
                "reason",
                Violation::Required,
            )])),
            n if n > REASON_MAX => Err(Refusal::Invalid(vec![FieldError::new(
                "reason",
                Violation::TooLong { max: REASON_MAX },
            )])),
            _ => Ok(ProjectStatus::Cancelled),
        },
        other => Err(illegal(other, "cancelled")),
    }
}

/// True when a project runs at some time in `year`.
pub fn active_in_year(start_on: NaiveDate, end_on: Option<NaiveDate>, year: i32) -> bool {
    use chrono::Datelike;
    start_on.year() <= year && end_on.is_none_or(|end| end.year() >= year)
}

/// An organization (or its member enterprise) helping a village.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillagePairing {
    pub id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub village_code: crate::RegionCode,
    pub enterprise: Option<Enterprise>,
    pub focus: Vec<ProjectCategory>,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub status: VillagePairingStatus,
    pub note: Option<String>,
    pub end_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Ending a village pairing: only an active one, not before it started.
pub fn end_village_pairing(
    status: VillagePairingStatus,
    started_on: NaiveDate,
    ended_on: NaiveDate,
    reason: &str,
) -> Result<VillagePairingStatus, Refusal> {
    if status == VillagePairingStatus::Ended {
        return Err(Refusal::Conflict(vec![FieldError::rule(
            "status",
            Rule::AlreadyEnded,
        )]));
    }
    let mut errors = Vec::new();
    if ended_on < started_on {
        errors.push(FieldError::rule("ended_on", Rule::BeforeStart));
    }
    match reason.trim().chars().count() {
        0 => errors.push(FieldError::new("reason", Violation::Required)),
        n if n > REASON_MAX => errors.push(FieldError::new(
            "reason",
            Violation::TooLong { max: REASON_MAX },
        )),
        _ => {}
    }
    if errors.is_empty() {
        Ok(VillagePairingStatus::Ended)
    } else {
        Err(Refusal::Invalid(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn outcome(r: Result<ProjectStatus, Refusal>) -> String {
        match r {
            Ok(s) => s.to_string(),
            Err(Refusal::Invalid(e)) => format!("422:{}", e[0].violation.code()),
            Err(Refusal::Conflict(e)) => format!("409:{}", e[0].violation.code()),
        }
    }

    #[test]
    fn code_names_match_serde() {
        ProjectCategory::assert_codes_match_serde();
        Dimension::assert_codes_match_serde();
        ProjectStatus::assert_codes_match_serde();
        VillagePairingStatus::assert_codes_match_serde();
    }

    #[test]
    fn the_project_state_machine_exhaustively() {
        let end = Some(d(2024, 12, 1));
        for status in ProjectStatus::ALL {
            let want = match status {
                ProjectStatus::Planned => ["in_progress", "409:illegal_transition", "cancelled"],
                ProjectStatus::InProgress => ["409:illegal_transition", "completed", "cancelled"],
                ProjectStatus::Completed | ProjectStatus::Cancelled => [
                    "409:illegal_transition",
                    "409:illegal_transition",
                    "409:illegal_transition",
                ],
            };
            let got = [
                outcome(start(*status)),
                outcome(complete(*status, end)),
                outcome(cancel(*status, "资金未到位")),
            ];
            assert_eq!(got, want.map(String::from), "from {status}");
        }
        assert_eq!(
            outcome(complete(ProjectStatus::InProgress, None)),
            "422:required_to_complete"
        );
        assert_eq!(outcome(cancel(ProjectStatus::Planned, " ")), "422:required");
        assert_eq!(
            outcome(cancel(ProjectStatus::Planned, &"因".repeat(501))),
            "422:too_long"
        );
        assert_eq!(
            outcome(cancel(ProjectStatus::Planned, &"因".repeat(500))),
            "cancelled"
        );
    }

    #[test]
    fn money_and_dates() {
        let s = d(2024, 1, 1);
        assert!(check_project("项目", s, Some(s), 100, 100, 0).is_ok());
        let codes = |r: Result<(), Refusal>| match r {
            Err(Refusal::Invalid(e)) => e
                .iter()
                .map(|e| format!("{}:{}", e.field, e.violation.code()))
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            codes(check_project("项目", s, None, 100, 101, 0)),
            ["disbursed_fen:exceeds_committed"]
        );
        assert_eq!(
            codes(check_project("项目", s, None, -1, 0, -5)),
            ["committed_fen:out_of_range", "beneficiaries:out_of_range"]
        );
        // The ceilings that keep every sum exact.
        let max = crate::limits::MAX_AMOUNT_FEN;
        assert!(check_project("项目", s, None, max, max, crate::limits::MAX_PEOPLE).is_ok());
        assert_eq!(
            codes(check_project(
                "项目",
                s,
                None,
                max + 1,
                0,
                crate::limits::MAX_PEOPLE + 1
            )),
            ["committed_fen:out_of_range", "beneficiaries:out_of_range"]
        );
        assert_eq!(
            codes(check_project("项目", s, None, i64::MAX, i64::MAX, 0)),
            ["committed_fen:out_of_range", "disbursed_fen:out_of_range"]
        );
        assert_eq!(
            codes(check_project(" ", s, Some(d(2023, 12, 31)), 0, 0, 0)),
            ["title:required", "end_on:before_start"]
        );
    }

    #[test]
    fn years_a_project_runs_in() {
        assert!(active_in_year(d(2023, 5, 1), None, 2025));
        assert!(active_in_year(d(2023, 5, 1), Some(d(2024, 2, 1)), 2024));
        assert!(!active_in_year(d(2023, 5, 1), Some(d(2023, 12, 31)), 2024));
        assert!(!active_in_year(d(2025, 1, 1), None, 2024));
    }

    #[test]
    fn enterprises_come_whole() {
        assert_eq!(Enterprise::parse(None, None).unwrap(), None);
        assert_eq!(
            Enterprise::parse(Some("某公司"), None).unwrap_err()[0].field,
            "enterprise_credit_code"
        );
        assert_eq!(
            Enterprise::parse(None, Some("91350100M000100Y43")).unwrap_err()[0].field,
            "enterprise_name"
        );
        let e = Enterprise::parse(Some("某公司"), Some("91350100m000100y43"))
            .unwrap()
            .unwrap();
        assert_eq!(e.credit_code.as_str(), "91350100M000100Y43");
        assert_eq!(
            Enterprise::parse(Some("某公司"), Some("91350100M000100Y44")).unwrap_err()[0]
                .violation
                .code(),
            "check_character"
        );
    }

    #[test]
    fn village_pairings_end_once() {
        let s = d(2024, 3, 1);
        assert_eq!(
            end_village_pairing(VillagePairingStatus::Active, s, s, "完成").unwrap(),
            VillagePairingStatus::Ended
        );
        assert!(matches!(
            end_village_pairing(VillagePairingStatus::Ended, s, s, "x"),
            Err(Refusal::Conflict(_))
        ));
        assert!(matches!(
            end_village_pairing(VillagePairingStatus::Active, s, d(2024, 2, 1), "x"),
            Err(Refusal::Invalid(_))
        ));
    }
}
