//! 双百结对共建: social organizations' party organizations paired with the party
//! branches of the villages they help, and the joint activities of each pair.

use chrono::{DateTime, NaiveDate, Utc};

use crate::code_enum;
use crate::pairing::Refusal;
use crate::rules::Rule;
use crate::validation::{FieldError, Violation};

code_enum! {
    /// 党组织类型.
    pub enum PartyOrgKind {
        /// 党委
        Committee => "committee",
        /// 党总支
        GeneralBranch => "general_branch",
        /// 党支部
        Branch => "branch",
    }
}

code_enum! {
    /// A party pairing is `active` until it is `ended`.
    pub enum PartyPairingStatus {
        Active => "active",
        Ended => "ended",
    }
}

code_enum! {
    /// The four kinds of joint activity.
    pub enum ActivityKind {
        /// 组织共建
        OrganizationBuilding => "organization_building",
        /// 教育共抓
        Education => "education",
        /// 经验共享
        ExperienceSharing => "experience_sharing",
        /// 阵地共筑
        PositionBuilding => "position_building",
    }
}

/// The plan's targets: 100 party organizations paired with 100 village branches.
pub const PARTY_PAIRS_TARGET: i64 = 100;

/// A party branch needs at least three full members.
pub const MIN_MEMBERS: i32 = 3;

/// A social organization's party organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyOrganization {
    pub id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub name: String,
    pub kind: PartyOrgKind,
    pub members: i32,
    pub secretary_name: String,
    pub established_on: NaiveDate,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A party organization paired with a village's party branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyPairing {
    pub id: uuid::Uuid,
    pub party_organization_id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub village_code: crate::RegionCode,
    pub branch_name: String,
    pub signed_on: NaiveDate,
    pub status: PartyPairingStatus,
    pub ended_on: Option<NaiveDate>,
    pub goals: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A joint activity of a party pairing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub id: uuid::Uuid,
    pub party_pairing_id: uuid::Uuid,
    pub kind: ActivityKind,
    pub held_on: NaiveDate,
    pub title: String,
    pub participants: i32,
    pub summary: Option<String>,
    pub created_by: Option<uuid::Uuid>,
    pub created_at: DateTime<Utc>,
}

fn text(field: &str, value: &str, max: usize, errors: &mut Vec<FieldError>) {
    match value.trim().chars().count() {
        0 => errors.push(FieldError::new(field, Violation::Required)),
        n if n > max => errors.push(FieldError::new(field, Violation::TooLong { max })),
        _ => {}
    }
}

fn not_future(field: &str, date: NaiveDate, today: NaiveDate, errors: &mut Vec<FieldError>) {
    if date > today {
        errors.push(FieldError::rule(field, Rule::InFuture));
    }
}

fn done(errors: Vec<FieldError>) -> Result<(), Refusal> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Invalid(errors))
    }
}

/// A party organization: named, at least three members, a secretary, a founding date
/// not in the future.
pub fn check_party_organization(
    name: &str,
    members: i32,
    secretary_name: &str,
    established_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), Refusal> {
    let mut errors = Vec::new();
    text("name", name, 200, &mut errors);
    if members < MIN_MEMBERS {
        errors.push(FieldError::new(
            "members",
            Violation::OutOfRange {
                min: i64::from(MIN_MEMBERS),
                max: i64::from(i32::MAX),
            },
        ));
    }
    text("secretary_name", secretary_name, 100, &mut errors);
    not_future("established_on", established_on, today, &mut errors);
    done(errors)
}

/// A party pairing: the village branch's name, a signing date not in the future.
pub fn check_party_pairing(
    branch_name: &str,
    signed_on: NaiveDate,
    goals: Option<&str>,
    today: NaiveDate,
) -> Result<(), Refusal> {
    let mut errors = Vec::new();
    text("branch_name", branch_name, 200, &mut errors);
    not_future("signed_on", signed_on, today, &mut errors);
    if goals.is_some_and(|g| g.chars().count() > 2000) {
        errors.push(FieldError::new("goals", Violation::TooLong { max: 2000 }));
    }
    done(errors)
}

/// Ending a party pairing: only an active one, not before it was signed.
pub fn end_party_pairing(
    status: PartyPairingStatus,
    signed_on: NaiveDate,
    ended_on: NaiveDate,
    today: NaiveDate,
) -> Result<PartyPairingStatus, Refusal> {
    if status == PartyPairingStatus::Ended {
        return Err(Refusal::Conflict(vec![FieldError::rule(
            "status",
            Rule::AlreadyEnded,
        )]));
    }
    let mut errors = Vec::new();
    if ended_on < signed_on {
        errors.push(FieldError::rule("ended_on", Rule::BeforeSigned));
    }
    not_future("ended_on", ended_on, today, &mut errors);
    done(errors).map(|()| PartyPairingStatus::Ended)
}

/// An activity: a title, at least one participant, held on a day not in the future
/// nor before the pairing was signed.
pub fn check_activity(
    title: &str,
    participants: i32,
    held_on: NaiveDate,
    signed_on: NaiveDate,
    summary: Option<&str>,
    today: NaiveDate,
) -> Result<(), Refusal> {
    let mut errors = Vec::new();
    text("title", title, 200, &mut errors);
    if participants < 1 {
        errors.push(FieldError::new(
            "participants",
            Violation::OutOfRange {
                min: 1,
                max: i64::from(i32::MAX),
            },
        ));
    }
    not_future("held_on", held_on, today, &mut errors);
    if held_on < signed_on {
        errors.push(FieldError::rule("held_on", Rule::BeforeSigned));
    }
    if summary.is_some_and(|s| s.chars().count() > 5000) {
        errors.push(FieldError::new("summary", Violation::TooLong { max: 5000 }));
    }
    done(errors)
}

/// True when a pair has had no activity in the six months before `today`.
pub fn is_dormant(last_activity: Option<NaiveDate>, today: NaiveDate) -> bool {
    let six_months_ago = today
        .checked_sub_months(chrono::Months::new(6))
        .unwrap_or(NaiveDate::MIN);
    last_activity.is_none_or(|last| last < six_months_ago)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn codes(r: Result<(), Refusal>) -> Vec<String> {
        match r {
            Ok(()) => vec![],
            Err(Refusal::Invalid(e)) | Err(Refusal::Conflict(e)) => e
                .iter()
                .map(|e| format!("{}:{}", e.field, e.violation.code()))
                .collect(),
        }
    }

    #[test]
    fn code_names_match_serde() {
        PartyOrgKind::assert_codes_match_serde();
        PartyPairingStatus::assert_codes_match_serde();
        ActivityKind::assert_codes_match_serde();
    }

    #[test]
    fn party_organizations_need_three_members() {
        let today = d(2024, 6, 1);
        assert!(check_party_organization("某协会党支部", 3, "张三", d(2020, 1, 1), today).is_ok());
        assert_eq!(
            codes(check_party_organization(" ", 2, "", d(2024, 6, 2), today)),
            [
                "name:required",
                "members:out_of_range",
                "secretary_name:required",
                "established_on:in_future"
            ]
        );
    }

    #[test]
    fn pairs_end_once_and_activities_are_dated_sensibly() {
        let today = d(2024, 6, 1);
        let signed = d(2024, 1, 1);
        assert_eq!(
            end_party_pairing(PartyPairingStatus::Active, signed, today, today).unwrap(),
            PartyPairingStatus::Ended
        );
        assert!(matches!(
            end_party_pairing(PartyPairingStatus::Ended, signed, today, today),
            Err(Refusal::Conflict(_))
        ));
        assert!(matches!(
            end_party_pairing(PartyPairingStatus::Active, signed, d(2023, 12, 31), today),
            Err(Refusal::Invalid(_))
        ));
        assert!(check_activity("党课", 12, d(2024, 3, 1), signed, None, today).is_ok());
        assert_eq!(
            codes(check_activity("", 0, d(2023, 12, 1), signed, None, today)),
            [
                "title:required",
                "participants:out_of_range",
                "held_on:before_signed"
            ]
        );
    }

    #[test]
    fn dormancy_is_six_months_without_activity() {
        let today = d(2024, 7, 15);
        assert!(is_dormant(None, today));
        assert!(is_dormant(Some(d(2024, 1, 14)), today));
        assert!(!is_dormant(Some(d(2024, 1, 15)), today));
        assert!(!is_dormant(Some(d(2024, 7, 1)), today));
    }
}
