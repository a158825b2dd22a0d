//! Incentives and supervision: typical cases (典型案例) the province publishes, and
//! commendations and violations (表扬通报、查处) on organizations.

use chrono::{DateTime, NaiveDate, Utc};

use crate::code_enum;
use crate::rules::{PersonalDataKind, Rule};
use crate::validation::{FieldError, Violation};

code_enum! {
    /// `submitted` → `published`.
    pub enum CaseStatus {
        Submitted => "submitted",
        Published => "published",
    }
}

code_enum! {
    /// 表扬 or 查处.
    pub enum SupervisionKind {
        Commendation => "commendation",
        Violation => "violation",
    }
}

/// A typical case submitted by an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub county_code: crate::RegionCode,
    pub project_id: Option<uuid::Uuid>,
    pub status: CaseStatus,
    pub published_on: Option<NaiveDate>,
    pub channel: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A commendation or a violation decided on an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisionRecord {
    pub id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub kind: SupervisionKind,
    pub document_no: String,
    pub decided_on: NaiveDate,
    pub description: String,
    /// Violations only: the organization was suspended by this decision.
    pub suspend: bool,
    pub created_at: DateTime<Utc>,
}

/// What in a text looks like personal data: a resident ID number (17 digits and a
/// digit or X) or a mainland mobile number (1, then 3–9, then 9 digits), standing
/// alone (not part of a longer run of digits).
pub fn personal_data_in(text: &str) -> Option<&'static str> {
    let chars: Vec<char> = text.chars().collect();
    let is_digit = |c: char| c.is_ascii_digit();
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_digit(chars[i]) {
            i += 1;
        }
        let run = i - start;
        let x_after = i < chars.len() && matches!(chars[i], 'X' | 'x');
        let digit_before = start > 0 && is_digit(chars[start - 1]);
        if !digit_before {
            if run == 18 || (run == 17 && x_after) {
                return Some("id_number");
            }
            if run == 11 && chars[start] == '1' && ('3'..='9').contains(&chars[start + 1]) {
                return Some("mobile");
            }
        }
    }
    None
}

/// A case's texts, checked: required, bounded, and (for publication) free of
/// anything that looks like personal data.
pub fn check_case_texts(title: &str, summary: &str, body: &str) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    for (field, value, max) in [
        ("title", title, 200),
        ("summary", summary, 1000),
        ("body", body, 50_000),
    ] {
        match value.trim().chars().count() {
            0 => errors.push(FieldError::new(field, Violation::Required)),
            n if n > max => errors.push(FieldError::new(field, Violation::TooLong { max })),
            _ => {}
        }
        if let Some(kind) = personal_data_in(value) {
            let kind = match kind {
                "id_number" => PersonalDataKind::IdNumber,
                _ => PersonalDataKind::Mobile,
            };
            errors.push(FieldError::rule(field, Rule::PersonalData { kind }));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_names_match_serde() {
        CaseStatus::assert_codes_match_serde();
        SupervisionKind::assert_codes_match_serde();
    }

    #[test]
    fn personal_data_is_spotted_and_ordinary_numbers_are_not() {
        assert_eq!(personal_data_in("联系人 13812345678"), Some("mobile"));
        assert_eq!(
            personal_data_in("户主身份证530102199001011234"),
            Some("id_number")
        );
        assert_eq!(
            personal_data_in("身份证 53010219900101123X 号"),
            Some("id_number")
        );
        assert_eq!(
            personal_data_in("帮扶 2024 年投入 5000000 元，惠及 1380 户"),
            None
        );
        assert_eq!(
            personal_data_in("编号 113812345678"),
            None,
            "12 digits is not a mobile"
        );
        assert_eq!(
            personal_data_in("订单 12012345678"),
            None,
            "12x is no mobile prefix"
        );
        assert_eq!(personal_data_in(""), None);
    }

    #[test]
    fn case_texts_name_their_field() {
        assert!(check_case_texts("茶产业帮扶", "摘要", "正文").is_ok());
        let errors = check_case_texts("", "电话13812345678", "正文").unwrap_err();
        let got: Vec<(String, &str)> = errors
            .iter()
            .map(|e| (e.field.clone(), e.violation.code()))
            .collect();
        assert_eq!(
            got,
            [
                ("title".to_owned(), "required"),
                ("summary".to_owned(), "personal_data")
            ]
        );
    }
}
