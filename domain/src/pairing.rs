//! 百会结百县: an organization's pairing with a county, its written agreement, and
//! the add/adjust requests that change pairings. The state machines live here.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};

use crate::code_enum;
use crate::rules::{Inapplicable, Rule};
use crate::validation::{FieldError, Violation};

code_enum! {
    /// Where a pairing stands: `pending_agreement` → `signed` → `terminated`, or
    /// `pending_agreement` → `terminated`.
    pub enum PairingStatus {
        /// 待签协议
        PendingAgreement => "pending_agreement",
        /// 已签协议
        Signed => "signed",
        /// 已终止
        Terminated => "terminated",
    }
}

code_enum! {
    /// 新增 or 调整: a new pairing, or moving one to another county.
    pub enum RequestKind {
        Add => "add",
        Adjust => "adjust",
    }
}

code_enum! {
    /// `submitted` → `approved` | `rejected`.
    pub enum RequestStatus {
        Submitted => "submitted",
        Approved => "approved",
        Rejected => "rejected",
    }
}

code_enum! {
    /// How a county is helped: by one organization (一对一), by several (多对一), or
    /// by a group of at least `GROUP_MIN_ORGANIZATIONS` (组团式).
    pub enum HelpMode {
        None => "none",
        OneToOne => "one_to_one",
        ManyToOne => "many_to_one",
        Group => "group",
    }
}

/// From how many organizations a county's help counts as a group (组团式帮扶).
pub const GROUP_MIN_ORGANIZATIONS: usize = 3;

impl HelpMode {
    /// The mode for a county helped by `organizations` distinct organizations.
    pub fn for_organizations(organizations: usize) -> HelpMode {
        match organizations {
            0 => HelpMode::None,
            1 => HelpMode::OneToOne,
            n if n < GROUP_MIN_ORGANIZATIONS => HelpMode::ManyToOne,
            _ => HelpMode::Group,
        }
    }
}

/// Why a rule refused: invalid input (422) or a state that does not allow it (409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Invalid(Vec<FieldError>),
    Conflict(Vec<FieldError>),
}

impl Refusal {
    fn conflict(field: &str, rule: Rule) -> Refusal {
        Refusal::Conflict(vec![FieldError::rule(field, rule)])
    }
}

/// China Standard Time: deadlines and "today" are judged in Asia/Shanghai (UTC+8,
/// no daylight saving since 1991).
pub fn shanghai_today(now: DateTime<Utc>) -> NaiveDate {
    // `east_opt` refuses only offsets beyond ±24 h; +8 h is always accepted.
    match FixedOffset::east_opt(8 * 3600) {
        Some(cst) => now.with_timezone(&cst).date_naive(),
        None => now.date_naive(),
    }
}

/// The default deadline of an agreement: December 31 of the year the pairing was
/// established.
pub fn default_deadline(established_on: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(established_on.year(), 12, 31).unwrap_or(established_on)
}

/// Overdue: not signed (nor terminated) and the deadline has passed in Shanghai.
pub fn is_overdue(status: PairingStatus, deadline: NaiveDate, today: NaiveDate) -> bool {
    status == PairingStatus::PendingAgreement && today > deadline
}

/// Checks a new pairing's dates.
pub fn check_new_pairing(
    batch: i32,
    established_on: NaiveDate,
    deadline: NaiveDate,
    today: NaiveDate,
) -> Result<(), Refusal> {
    let mut errors = Vec::new();
    if batch < 1 {
        errors.push(FieldError::new(
            "batch",
            Violation::OutOfRange {
                min: 1,
                max: i64::from(i32::MAX),
            },
        ));
    }
    if established_on > today {
        errors.push(FieldError::rule("established_on", Rule::InFuture));
    }
    if deadline < established_on {
        errors.push(FieldError::rule(
            "agreement_deadline",
            Rule::BeforeEstablished,
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Invalid(errors))
    }
}

/// Signing the written agreement: needs its number and a date neither in the future
/// nor before the pairing; only a pending pairing can be signed.
pub fn sign(
    status: PairingStatus,
    established_on: NaiveDate,
    agreement_no: &str,
    signed_on: NaiveDate,
    today: NaiveDate,
) -> Result<PairingStatus, Refusal> {
    match status {
        PairingStatus::PendingAgreement => {}
        PairingStatus::Signed => return Err(Refusal::conflict("status", Rule::AlreadySigned)),
        PairingStatus::Terminated => return Err(Refusal::conflict("status", Rule::Terminated)),
    }
    let mut errors = Vec::new();
    let number = agreement_no.trim();
    if number.is_empty() {
        errors.push(FieldError::new("agreement_no", Violation::Required));
    } else if number.chars().count() > 64 {
        errors.push(FieldError::new(
            "agreement_no",
            Violation::TooLong { max: 64 },
        ));
    }
    if signed_on > today {
        errors.push(FieldError::rule("signed_on", Rule::InFuture));
    } else if signed_on < established_on {
        errors.push(FieldError::rule("signed_on", Rule::BeforeEstablished));
    }
    if errors.is_empty() {
        Ok(PairingStatus::Signed)
    } else {
        Err(Refusal::Invalid(errors))
    }
}

/// Ending a pairing: needs a reason; a terminated pairing stays terminated.
pub fn terminate(status: PairingStatus, reason: &str) -> Result<PairingStatus, Refusal> {
    if status == PairingStatus::Terminated {
        return Err(Refusal::conflict("status", Rule::Terminated));
    }
    let len = reason.trim().chars().count();
    if len == 0 {
        return Err(Refusal::Invalid(vec![FieldError::new(
            "reason",
            Violation::Required,
        )]));
    }
    if len > 500 {
        return Err(Refusal::Invalid(vec![FieldError::new(
            "reason",
            Violation::TooLong { max: 500 },
        )]));
    }
    Ok(PairingStatus::Terminated)
}

/// Deciding a request: only a submitted one can be approved or rejected.
pub fn decide(status: RequestStatus, approve: bool) -> Result<RequestStatus, Refusal> {
    if status != RequestStatus::Submitted {
        return Err(Refusal::conflict("status", Rule::AlreadyDecided));
    }
    Ok(if approve {
        RequestStatus::Approved
    } else {
        RequestStatus::Rejected
    })
}

/// Checks a new request: `adjust` names the pairing it moves, `add` does not; the
/// official document's number is required.
pub fn check_request(
    kind: RequestKind,
    from_pairing: bool,
    document_no: &str,
) -> Result<(), Refusal> {
    let mut errors = Vec::new();
    match (kind, from_pairing) {
        (RequestKind::Adjust, false) => {
            errors.push(FieldError::new("from_pairing_id", Violation::Required))
        }
        (RequestKind::Add, true) => errors.push(FieldError::rule(
            "from_pairing_id",
            Rule::NotApplicable(Inapplicable::AddRequest),
        )),
        _ => {}
    }
    let len = document_no.trim().chars().count();
    if len == 0 {
        errors.push(FieldError::new("document_no", Violation::Required));
    } else if len > 100 {
        errors.push(FieldError::new(
            "document_no",
            Violation::TooLong { max: 100 },
        ));
    }
    if errors.is_empty() {
        Ok(())
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

    fn code(r: Result<PairingStatus, Refusal>) -> String {
        match r {
            Ok(s) => s.to_string(),
            Err(Refusal::Invalid(e)) => format!("422:{}:{}", e[0].field, e[0].violation.code()),
            Err(Refusal::Conflict(e)) => format!("409:{}", e[0].violation.code()),
        }
    }

    #[test]
    fn code_names_match_serde() {
        PairingStatus::assert_codes_match_serde();
        RequestKind::assert_codes_match_serde();
        RequestStatus::assert_codes_match_serde();
        HelpMode::assert_codes_match_serde();
    }

    #[test]
    fn the_pairing_state_machine_exhaustively() {
        let today = d(2024, 6, 1);
        let est = d(2024, 1, 10);
        // Every state × every action, with valid input.
        for status in PairingStatus::ALL {
            let signed = code(sign(
                *status,
                est,
                "滇民协〔2024〕1号",
                d(2024, 5, 1),
                today,
            ));
            let terminated = code(terminate(*status, "机构注销"));
            let (want_sign, want_terminate) = match status {
                PairingStatus::PendingAgreement => ("signed", "terminated"),
                PairingStatus::Signed => ("409:already_signed", "terminated"),
                PairingStatus::Terminated => ("409:terminated", "409:terminated"),
            };
            assert_eq!(signed, want_sign, "sign from {status}");
            assert_eq!(terminated, want_terminate, "terminate from {status}");
        }
    }

    #[test]
    fn signing_needs_a_number_and_a_sensible_date() {
        let today = d(2024, 6, 1);
        let est = d(2024, 1, 10);
        let pending = PairingStatus::PendingAgreement;
        assert_eq!(
            code(sign(pending, est, "  ", d(2024, 5, 1), today)),
            "422:agreement_no:required"
        );
        assert_eq!(
            code(sign(pending, est, "No.1", d(2024, 6, 2), today)),
            "422:signed_on:in_future"
        );
        assert_eq!(
            code(sign(pending, est, "No.1", d(2024, 1, 9), today)),
            "422:signed_on:before_established"
        );
        assert_eq!(code(sign(pending, est, "No.1", today, today)), "signed");
        assert_eq!(code(sign(pending, est, "No.1", est, today)), "signed");
        assert_eq!(code(terminate(pending, " ")), "422:reason:required");
    }

    #[test]
    fn deadlines_and_overdue_in_shanghai() {
        assert_eq!(default_deadline(d(2024, 3, 5)), d(2024, 12, 31));
        let deadline = d(2024, 12, 31);
        // 2024-12-31T16:30Z is already 2025-01-01 00:30 in Shanghai.
        let now = DateTime::parse_from_rfc3339("2024-12-31T16:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(shanghai_today(now), d(2025, 1, 1));
        assert!(is_overdue(
            PairingStatus::PendingAgreement,
            deadline,
            shanghai_today(now)
        ));
        let before = DateTime::parse_from_rfc3339("2024-12-31T15:59:59Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(!is_overdue(
            PairingStatus::PendingAgreement,
            deadline,
            shanghai_today(before)
        ));
        assert!(!is_overdue(PairingStatus::Signed, deadline, d(2025, 6, 1)));
        assert!(!is_overdue(
            PairingStatus::Terminated,
            deadline,
            d(2025, 6, 1)
        ));
    }

    #[test]
    fn new_pairings_are_checked() {
        let today = d(2024, 6, 1);
        assert!(check_new_pairing(1, d(2024, 1, 1), d(2024, 12, 31), today).is_ok());
        let Err(Refusal::Invalid(e)) = check_new_pairing(0, d(2024, 7, 1), d(2024, 6, 30), today)
        else {
            panic!("expected invalid");
        };
        let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["batch", "established_on", "agreement_deadline"]);
    }

    #[test]
    fn requests_are_decided_once() {
        for status in RequestStatus::ALL {
            for approve in [true, false] {
                let got = decide(*status, approve);
                match status {
                    RequestStatus::Submitted => assert_eq!(
                        got,
                        Ok(if approve {
                            RequestStatus::Approved
                        } else {
                            RequestStatus::Rejected
                        })
                    ),
                    _ => assert!(matches!(got, Err(Refusal::Conflict(_)))),
                }
            }
        }
        assert!(check_request(RequestKind::Add, false, "滇民函〔2024〕3号").is_ok());
        assert!(check_request(RequestKind::Adjust, true, "x").is_ok());
        assert!(matches!(
            check_request(RequestKind::Adjust, false, "x"),
            Err(Refusal::Invalid(_))
        ));
        assert!(matches!(
            check_request(RequestKind::Add, true, "x"),
            Err(Refusal::Invalid(_))
        ));
        assert!(matches!(
            check_request(RequestKind::Add, false, " "),
            Err(Refusal::Invalid(_))
        ));
    }

    #[test]
    fn help_modes() {
        assert_eq!(HelpMode::for_organizations(0), HelpMode::None);
        assert_eq!(HelpMode::for_organizations(1), HelpMode::OneToOne);
        assert_eq!(HelpMode::for_organizations(2), HelpMode::ManyToOne);
        assert_eq!(HelpMode::for_organizations(3), HelpMode::Group);
        assert_eq!(HelpMode::for_organizations(12), HelpMode::Group);
    }
}

/// A pairing of an organization with a county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairing {
    pub id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub county_code: crate::RegionCode,
    /// 批次: the published list is batch 1.
    pub batch: i32,
    pub status: PairingStatus,
    pub established_on: NaiveDate,
    pub agreement_deadline: NaiveDate,
    pub agreement_no: Option<String>,
    pub agreement_signed_on: Option<NaiveDate>,
    pub terminated_on: Option<NaiveDate>,
    pub termination_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Pairing {
    pub fn is_open(&self) -> bool {
        self.status != PairingStatus::Terminated
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        is_overdue(self.status, self.agreement_deadline, today)
    }

    /// Signed by the deadline.
    pub fn signed_on_time(&self) -> bool {
        self.agreement_signed_on
            .is_some_and(|on| on <= self.agreement_deadline)
    }
}

/// A pairing with the names a list shows beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingListing {
    pub pairing: Pairing,
    pub organization_name: String,
    pub organization_credit_code: String,
    pub county_name: String,
    pub prefecture_code: String,
    pub prefecture_name: String,
    pub key_county: Option<crate::KeyCounty>,
}

/// An organization's request to add a pairing or move one to another county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingRequest {
    pub id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub kind: RequestKind,
    pub county_code: crate::RegionCode,
    pub from_pairing_id: Option<uuid::Uuid>,
    pub document_no: String,
    pub reason: Option<String>,
    pub status: RequestStatus,
    pub decided_by: Option<uuid::Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    /// The pairing an approval created.
    pub pairing_id: Option<uuid::Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
