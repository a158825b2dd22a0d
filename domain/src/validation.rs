//! Field-level validation failures, with messages in both languages. Every parser
//! and rule in the domain reports what is wrong with which field through these.

use crate::rules::Rule;
use crate::Lang;

/// What is wrong with one value. The variant name in snake_case is the stable
/// machine code clients switch on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A required value is missing.
    Required,
    /// The value cannot be read as the expected type (`expected` names it).
    InvalidFormat { expected: String },
    /// The value is not one of the allowed values.
    NotAllowed { allowed: Vec<String> },
    /// A number outside `min..=max`.
    OutOfRange { min: i64, max: i64 },
    /// A field this request does not know.
    UnknownField,
    /// Text shorter than `min` characters.
    TooShort { min: usize },
    /// Text longer than `max` characters.
    TooLong { max: usize },
    /// The caller may not set this field.
    Forbidden,
    /// The value is already taken by another record.
    Taken,
    /// A rule of the programme, from the catalogue (`crate::rules`).
    Rule(Rule),
}

impl Violation {
    /// The codes of the generic violations (every variant but `Rule`), beside which
    /// a field error carries one of `Rule::codes()`.
    pub const GENERIC_CODES: [&'static str; 9] = [
        "required",
        "invalid_format",
        "not_allowed",
        "out_of_range",
        "unknown_field",
        "too_short",
        "too_long",
        "forbidden",
        "taken",
    ];

    /// The stable machine code of this violation.
    pub fn code(&self) -> &'static str {
        match self {
            Violation::Required => "required",
            Violation::InvalidFormat { .. } => "invalid_format",
            Violation::NotAllowed { .. } => "not_allowed",
            Violation::OutOfRange { .. } => "out_of_range",
            Violation::UnknownField => "unknown_field",
            Violation::TooShort { .. } => "too_short",
            Violation::TooLong { .. } => "too_long",
            Violation::Forbidden => "forbidden",
            Violation::Taken => "taken",
            Violation::Rule(rule) => rule.code(),
        }
    }

    /// A human-readable message in the requested language.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Violation::Required, Lang::Zh) => "此项为必填项".to_owned(),
            (Violation::Required, Lang::En) => "this field is required".to_owned(),
            (Violation::InvalidFormat { expected }, Lang::Zh) => {
                format!("格式不正确，应为{}", zh_expected(expected))
            }
            (Violation::InvalidFormat { expected }, Lang::En) => {
                format!("invalid format, expected {expected}")
            }
            (Violation::NotAllowed { allowed }, Lang::Zh) => {
                format!("取值无效，可选值：{}", allowed.join("、"))
            }
            (Violation::NotAllowed { allowed }, Lang::En) => {
                format!("invalid value, expected one of: {}", allowed.join(", "))
            }
            (Violation::OutOfRange { min, max }, Lang::Zh) => {
                format!("取值应在 {min} 到 {max} 之间")
            }
            (Violation::OutOfRange { min, max }, Lang::En) => {
                format!("must be between {min} and {max}")
            }
            (Violation::UnknownField, Lang::Zh) => "不支持此字段".to_owned(),
            (Violation::UnknownField, Lang::En) => "unknown field".to_owned(),
            (Violation::TooShort { min }, Lang::Zh) => format!("至少 {min} 个字符"),
            (Violation::TooShort { min }, Lang::En) => format!("must be at least {min} characters"),
            (Violation::TooLong { max }, Lang::Zh) => format!("最多 {max} 个字符"),
            (Violation::TooLong { max }, Lang::En) => format!("must be at most {max} characters"),
            (Violation::Forbidden, Lang::Zh) => "您无权设置此字段".to_owned(),
            (Violation::Forbidden, Lang::En) => "you may not set this field".to_owned(),
            (Violation::Taken, Lang::Zh) => "该值已被使用".to_owned(),
            (Violation::Taken, Lang::En) => "this value is already taken".to_owned(),
            (Violation::Rule(rule), lang) => rule.message(lang),
        }
    }
}

fn zh_expected(expected: &str) -> &str {
    match expected {
        "integer" => "整数",
        "boolean" => "布尔值（true 或 false）",
        "date" => "日期（YYYY-MM-DD）",
        "region code" => "行政区划代码（2、4、6、9 或 12 位数字）",
        "uuid" => "UUID",
        "string" => "字符串",
        "JSON" => "JSON",
        "timestamp" => "时间（RFC 3339，如 2024-01-01T00:00:00Z）",
        "18-character resident ID number" => {
            "18 位居民身份证号码（17 位数字加 1 位校验码，校验码为数字或 X）"
        }
        "a whole number" => "整数",
        "18 characters of 0-9 A-H J-N P-R T-U W-Y" => {
            "18 位，由数字和除 I、O、S、V、Z 外的大写字母组成"
        }
        "a mainland mobile (13812345678) or a landline with its area code (0871-65123456)" => {
            "手机号（如 13812345678）或带区号的固定电话（如 0871-65123456）"
        }
        "an e-mail address such as liaison@example.gov.cn" => {
            "电子邮箱地址（如 liaison@example.gov.cn）"
        }
        // The JSON words a body's wrong type is named in.
        "an object" => "JSON 对象",
        "an array" => "JSON 数组",
        "an integer" => "整数",
        "a number" => "数字",
        "a boolean (true or false)" => "布尔值（true 或 false）",
        "a date and time (RFC 3339, such as 2024-01-01T00:00:00Z)" => {
            "时间（RFC 3339，如 2024-01-01T00:00:00Z）"
        }
        "a date (YYYY-MM-DD)" => "日期（YYYY-MM-DD）",
        "a UUID" => "UUID",
        "a string" => "字符串",
        "one of the allowed values" => "可选值之一",
        "a valid value" => "有效的值",
        other => other,
    }
}

/// One field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub violation: Violation,
}

impl FieldError {
    pub fn new(field: impl Into<String>, violation: Violation) -> Self {
        FieldError {
            field: field.into(),
            violation,
        }
    }

    /// A rule of the programme broken by `field`.
    pub fn rule(field: impl Into<String>, rule: Rule) -> Self {
        FieldError::new(field, Violation::Rule(rule))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_exist_in_both_languages() {
        let v = Violation::OutOfRange { min: 1, max: 100 };
        assert_eq!(v.code(), "out_of_range");
        assert_eq!(v.message(Lang::En), "must be between 1 and 100");
        assert_eq!(v.message(Lang::Zh), "取值应在 1 到 100 之间");
        let v = Violation::NotAllowed {
            allowed: vec!["a".into(), "b".into()],
        };
        assert_eq!(v.message(Lang::En), "invalid value, expected one of: a, b");
    }
}
