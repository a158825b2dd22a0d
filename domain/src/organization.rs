//! Social organizations (社会组织): their identifier — the unified social credit code
//! with both of its check characters — their contact phone, evaluation grade, and the
//! kinds, levels, sectors and states the registry sorts them by.

use crate::code_enum;
use crate::rules::Rule;
use crate::validation::Violation;

code_enum! {
    /// The kind of social organization, as registered with civil affairs (民政).
    pub enum OrgType {
        /// 社会团体
        SocialGroup => "social_group",
        /// 基金会
        Foundation => "foundation",
        /// 社会服务机构 (formerly 民办非企业单位)
        SocialServiceAgency => "social_service_agency",
    }
}

code_enum! {
    /// The level of the civil-affairs office an organization is registered with.
    pub enum OrgLevel {
        /// 全省性
        Provincial => "provincial",
        /// 州市级
        Prefectural => "prefectural",
        /// 县级
        County => "county",
    }
}

code_enum! {
    /// The field an organization works in.
    pub enum Sector {
        /// 行业协会商会
        IndustryAssociation => "industry_association",
        /// 公益慈善类
        Charity => "charity",
        /// 社区社会组织
        Community => "community",
        /// 科技类学术类
        ScienceAcademic => "science_academic",
        /// 社会科学类
        SocialScience => "social_science",
        /// 文化体育类
        CultureSports => "culture_sports",
        /// 其他
        Other => "other",
    }
}

code_enum! {
    /// Where an organization stands with its registration office.
    pub enum OrgStatus {
        /// 正常
        Active => "active",
        /// 暂停
        Suspended => "suspended",
        /// 注销
        Deregistered => "deregistered",
    }
}

/// 评估等级: 1A … 5A (社会组织评估等级), 5A the highest. The derived order follows
/// the grade, so a higher grade compares greater.
///
/// Not a `code_enum!`: its codes start with a digit, which `rename_all` cannot
/// express, so each variant carries a literal `rename` (which utoipa reads too) and
/// the tests hold `as_str` to what serde and the schema say.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
pub enum EvaluationGrade {
    /// 1A级
    #[serde(rename = "1A")]
    A1,
    /// 2A级
    #[serde(rename = "2A")]
    A2,
    /// 3A级
    #[serde(rename = "3A")]
    A3,
    /// 4A级
    #[serde(rename = "4A")]
    A4,
    /// 5A级
    #[serde(rename = "5A")]
    A5,
}

impl EvaluationGrade {
    /// Every grade, lowest first.
    pub const ALL: &'static [EvaluationGrade] = &[
        EvaluationGrade::A1,
        EvaluationGrade::A2,
        EvaluationGrade::A3,
        EvaluationGrade::A4,
        EvaluationGrade::A5,
    ];
    /// Every code name, lowest first.
    pub const NAMES: &'static [&'static str] = &["1A", "2A", "3A", "4A", "5A"];

    /// The code name, as stored and as sent over the API.
    pub fn as_str(self) -> &'static str {
        match self {
            EvaluationGrade::A1 => "1A",
            EvaluationGrade::A2 => "2A",
            EvaluationGrade::A3 => "3A",
            EvaluationGrade::A4 => "4A",
            EvaluationGrade::A5 => "5A",
        }
    }
}

impl std::str::FromStr for EvaluationGrade {
    type Err = Violation;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EvaluationGrade::ALL
            .iter()
            .copied()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| Violation::NotAllowed {
                allowed: Self::NAMES.iter().map(|n| (*n).to_owned()).collect(),
            })
    }
}

impl std::fmt::Display for EvaluationGrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The characters of a unified social credit code, in the order of their values
/// 0–30 (GB 32100-2015): the digits and the capital letters except I, O, S, V and Z,
/// which are too easily misread.
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// GB 32100-2015's weights for the first 17 characters: 3^i mod 31.
const GB32100_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 11714's weights for the 8 characters of an organization code before its check.
const GB11714_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

fn credit_code_format() -> Violation {
    Violation::InvalidFormat {
        expected: "18 characters of 0-9 A-H J-N P-R T-U W-Y".to_owned(),
    }
}

/// The value of a character of a credit code under GB 32100, if it is one.
fn credit_value(b: u8) -> Option<u32> {
    CREDIT_ALPHABET
        .iter()
        .position(|&c| c == b)
        .and_then(|p| u32::try_from(p).ok())
}

/// The check character GB 32100-2015 gives the first 17 values: 31 − (Σ vᵢ·wᵢ mod 31),
/// with 31 written as 0.
fn gb32100_check(values: &[u32]) -> u8 {
    let sum: u32 = values.iter().zip(GB32100_WEIGHTS).map(|(v, w)| v * w).sum();
    CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize]
}

/// The check character GB 11714 gives the 8 characters of an organization code
/// (digits by value, letters A–Z as 10–35): 11 − (Σ vᵢ·wᵢ mod 11), with 10 written
/// as X and 11 as 0. Only characters of the credit alphabet reach here.
fn gb11714_check(body: &[u8]) -> u8 {
    let value = |b: u8| match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        b'A'..=b'Z' => u32::from(b - b'A') + 10,
        _ => 0,
    };
    let sum: u32 = body
        .iter()
        .zip(GB11714_WEIGHTS)
        .map(|(&b, w)| value(b) * w)
        .sum();
    match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        digit => b'0' + digit as u8,
    }
}

/// 统一社会信用代码 (GB 32100-2015): registration department (1), kind (1), the
/// registering office's division (6), the organization code (9, GB 11714, its last
/// character its own check) and a check character over the first 17.
///
/// Both check characters are verified. GB 32100's alone rejects every change of a
/// single character (31 is prime, every weight is nonzero mod 31, and two characters
/// never share a value), so a typo never passes. GB 11714's is checked FIRST because
/// it narrows the blame: when it fails the mistake lies in characters 9–17, and the
/// message says so; GB 32100's then catches the rest (characters 1–8, the 18th, and
/// changes in 9–16 that GB 11714's mod 11 cannot see, such as `0` ↔ `B`, whose
/// values differ by 11).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

impl CreditCode {
    /// Trims, upper-cases, then checks: 18 characters from `0-9A-HJ-NPQRTUWXY` (no I,
    /// O, S, V, Z); characters 9–17 are the organization code whose 9th character is
    /// its check character per GB 11714 (weights 3,7,9,10,5,8,4,2 over the first 8,
    /// where letters A–Z count as 10–35; C9 = 11 − (sum mod 11), 10 → 'X', 11 → '0');
    /// the 18th is the check character per GB 32100-2015 (weights 3^i mod 31 over the
    /// first 17, C18 = 31 − (sum mod 31), 31 → 0, using the 31-character alphabet).
    pub fn parse(raw: &str) -> Result<CreditCode, Violation> {
        // ASCII only: a Unicode upper-casing could turn a stray character into a
        // letter of the alphabet.
        let code = raw.trim().to_ascii_uppercase();
        let bytes = code.as_bytes();
        if bytes.len() != 18 {
            return Err(credit_code_format());
        }
        let mut values = [0u32; 18];
        for (value, &b) in values.iter_mut().zip(bytes) {
            *value = credit_value(b).ok_or_else(credit_code_format)?;
        }

        let organization = &bytes[8..17];
        let expected = gb11714_check(&organization[..8]);
        if organization[8] != expected {
            let expected = char::from(expected);
            return Err(Violation::Rule(Rule::OrganizationCodeCheck { expected }));
        }

        let expected = gb32100_check(&values[..17]);
        if bytes[17] != expected {
            let expected = char::from(expected);
            return Err(Violation::Rule(Rule::CheckCharacter { expected }));
        }
        Ok(CreditCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The embedded 9-character organization code (characters 9–17).
    pub fn organization_code(&self) -> &str {
        &self.0[8..17]
    }
}

impl std::fmt::Display for CreditCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mainland phone number: a mobile (11 digits starting 13–19) or a landline with
/// its area code (0 + 2–3 digit area code, then a 7–8 digit number, optionally "-"
/// between, optionally "-" or "转" and a 1–6 digit extension).
///
/// Spaces and hyphens between groups of digits are accepted, and a mobile may carry
/// "+86" or "86" in front; the number is stored normalized as "13812345678" or
/// "0871-65123456" (area code, hyphen, number; an extension as "-123").
///
/// Area codes: 010 and 02X are 0 + 2 digits and take 8-digit numbers; the others
/// (03XX–09XX, e.g. Yunnan's 0871 Kunming, 0870, 0872–0879, 0691, 0692, 0886–0888)
/// are 0 + 3 digits and take 7 or 8. A local number never starts with 0 or 1.
/// A last group after a hyphen is read as an extension whenever what precedes it is
/// a whole number: "0875-2212345-6" is 2212345 extension 6, not 22123456.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Phone, Violation> {
        let raw = raw.trim();
        let normalized = match raw.strip_prefix("+86") {
            Some(rest) => {
                let rest = rest.trim_start();
                let rest = rest.strip_prefix('-').unwrap_or(rest).trim_start();
                digit_runs(rest).and_then(|runs| mobile(&runs, false))
            }
            None => {
                digit_runs(raw).and_then(|runs| mobile(&runs, true).or_else(|| landline(&runs)))
            }
        };
        normalized
            .map(Phone)
            .ok_or_else(|| Violation::InvalidFormat {
                expected: "a mainland mobile (13812345678) or a landline with its area code \
                       (0871-65123456)"
                    .to_owned(),
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What stood before a run of digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    /// Nothing: the first run.
    Start,
    /// Spaces only.
    Space,
    /// One hyphen, perhaps with spaces.
    Hyphen,
    /// "转", perhaps with spaces: an extension follows.
    Extension,
}

/// A run of ASCII digits and what separated it from the run before.
#[derive(Debug, Clone, Copy)]
struct Run<'a> {
    sep: Sep,
    digits: &'a str,
}

/// Splits a phone number into its runs of digits, or `None` when it has anything but
/// digits and single separators between them.
fn digit_runs(s: &str) -> Option<Vec<Run<'_>>> {
    let mut runs = Vec::new();
    let mut sep = Sep::Start;
    let mut rest = s;
    loop {
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if end == 0 {
            return None;
        }
        runs.push(Run {
            sep,
            digits: &rest[..end],
        });
        rest = &rest[end..];
        if rest.is_empty() {
            return Some(runs);
        }
        let next = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        sep = match rest[..next].trim() {
            "" => Sep::Space,
            "-" => Sep::Hyphen,
            "转" => Sep::Extension,
            _ => return None,
        };
        rest = &rest[next..];
    }
}

/// A mobile's 11 digits; `may_carry_86` lets a leading "86" (the country code
/// written without "+") be dropped.
fn mobile(runs: &[Run<'_>], may_carry_86: bool) -> Option<String> {
    if runs.iter().any(|r| r.sep == Sep::Extension) {
        return None;
    }
    let digits: String = runs.iter().map(|r| r.digits).collect();
    let national = match digits.strip_prefix("86") {
        Some(rest) if may_carry_86 && rest.len() == 11 => rest,
        _ => digits.as_str(),
    };
    let b = national.as_bytes();
    (b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])).then(|| national.to_owned())
}

/// A landline as "area-number" or "area-number-extension".
fn landline(runs: &[Run<'_>]) -> Option<String> {
    let (last, main) = runs.split_last()?;
    if matches!(last.sep, Sep::Hyphen | Sep::Extension) && last.digits.len() <= 6 {
        if let Some(number) = landline_number(main) {
            return Some(format!("{number}-{}", last.digits));
        }
    }
    landline_number(runs)
}

/// A landline without extension as "area-number".
fn landline_number(runs: &[Run<'_>]) -> Option<String> {
    if runs.iter().any(|r| r.sep == Sep::Extension) {
        return None;
    }
    let digits: String = runs.iter().map(|r| r.digits).collect();
    let (area_len, number_lens) = match digits.as_bytes() {
        [b'0', b'1', b'0', ..] | [b'0', b'2', ..] => (3, 8..=8),
        [b'0', b'3'..=b'9', ..] => (4, 7..=8),
        _ => return None,
    };
    let (area, number) = digits.split_at(area_len);
    let local = number_lens.contains(&number.len())
        && number
            .as_bytes()
            .first()
            .is_some_and(|b| (b'2'..=b'9').contains(b));
    local.then(|| format!("{area}-{number}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    /// Real codes, each checked by two implementations besides this one — a Python
    /// script written independently from the standard's description and the
    /// `checkSocialCredit`/`checkOrganization` functions of the public JavaScript in
    /// liujianko/HAODA (`checkOrganization.js.bak`), run under node — and found in
    /// public sources as noted.
    const REAL: &[(&str, &str)] = &[
        // The example printed in countless articles on GB 32100 (a Fuzhou enterprise).
        ("91350100M000100Y43", "widely published example"),
        // A Xiamen enterprise listed in 02020/vite learn/utils/validateSocialCreditCode.js;
        // its organization code 59498494X has GB 11714 check 'X'.
        ("9135021359498494XQ", "GB 11714 check X"),
        // Same list; here the GB 32100 check (18th) is 'X' (value 29).
        ("91350213678251743X", "GB 32100 check X"),
        // 中国社会福利基金会 (registered with 民政部), from its published profile.
        ("53100000500019795A", "foundation"),
        // 北京理工大学教育基金会, a reimbursement tool's buyer tax id, in several files.
        ("53100000500021676K", "foundation"),
        // 中国自动化学会, checked against invoices by an OA system.
        ("51100000500002862F", "social group"),
        // 中国复合材料工业协会, an organization's unique id in an O2OA deployment.
        ("51100000500009247D", "social group"),
        // 中国医疗保健国际交流促进会, an invoice title in a lab's notes.
        ("51100000500012681T", "social group"),
        // A social group registered in Shanghai's Yangpu district (上海市杨浦区民政局).
        ("51310110501144395U", "social group"),
    ];

    /// Codes of the shape Yunnan's offices give (5 民政; 1 社会团体, 2 民办非企业,
    /// 3 基金会; 530000 the province, 530100 Kunming, 532300 Chuxiong; "MJ" series
    /// organization codes), CONSTRUCTED: both check characters computed by the Python
    /// script and confirmed by the HAODA functions. Not real registrations.
    const CONSTRUCTED: &[&str] = &[
        "51530000MJ0123456F",
        "52530100MJ0123464C",
        "53530000MJ00010298",
        "51532300MJ1234502K",
        // GB 11714 sum ≡ 1 (mod 11): check 'X'.
        "51530000MJ000000X3",
        // GB 11714 sum ≡ 0 (mod 11): 11 − 0 = 11, written '0'.
        "53530000MJ00000508",
        // GB 32100 sum ≡ 0 (mod 31): 31 − 0 = 31, written '0'.
        "52530000MJ000000X0",
        // GB 32100 sum ≡ 1 (mod 31): 30, the last character 'Y'.
        "52530000MJ0000130Y",
    ];

    fn all_samples() -> impl Iterator<Item = &'static str> {
        REAL.iter()
            .map(|(code, _)| *code)
            .chain(CONSTRUCTED.iter().copied())
    }

    /// The credit alphabet, derived independently of `CREDIT_ALPHABET`.
    fn reference_alphabet() -> Vec<char> {
        ('0'..='9')
            .chain('A'..='Z')
            .filter(|c| !"IOSVZ".contains(*c))
            .collect()
    }

    /// Completes 16 characters into a valid code, computing both checks afresh (weights
    /// as powers of 3, GB 11714 values by radix 36) rather than through the code above.
    fn reference_complete(first16: &str) -> String {
        let alphabet = reference_alphabet();
        let org: u32 = first16[8..16]
            .chars()
            .zip([3, 7, 9, 10, 5, 8, 4, 2])
            .map(|(c, w)| c.to_digit(36).unwrap() * w)
            .sum();
        let c17 = match 11 - org % 11 {
            10 => 'X',
            11 => '0',
            d => char::from_digit(d, 10).unwrap(),
        };
        let first17 = format!("{first16}{c17}");
        let mut weight = 1;
        let mut sum = 0;
        for c in first17.chars() {
            sum += alphabet.iter().position(|a| *a == c).unwrap() as u32 * weight;
            weight = weight * 3 % 31;
        }
        format!("{first17}{}", alphabet[((31 - sum % 31) % 31) as usize])
    }

    fn arb_code() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(reference_alphabet()), 16)
            .prop_map(|chars| reference_complete(&chars.into_iter().collect::<String>()))
    }

    /// Every substitution of one character by another of the alphabet is rejected by a
    /// check, and by the one the order of the checks says.
    fn assert_every_substitution_rejected(code: &str) {
        let alphabet = reference_alphabet();
        for (i, original) in code.chars().enumerate() {
            for &c in alphabet.iter().filter(|c| **c != original) {
                let mut changed: Vec<char> = code.chars().collect();
                changed[i] = c;
                let changed: String = changed.into_iter().collect();
                let err = CreditCode::parse(&changed).unwrap_err();
                let rule = err.code();
                match i {
                    // GB 11714 does not look here, GB 32100 does.
                    0..=7 | 17 => assert_eq!(rule, "check_character", "{changed}"),
                    // The organization code's own check character.
                    16 => assert_eq!(rule, "organization_code_check", "{changed}"),
                    _ => assert!(
                        rule == "organization_code_check" || rule == "check_character",
                        "{changed}: {rule}"
                    ),
                }
            }
        }
    }

    #[test]
    fn code_names_match_serde() {
        OrgType::assert_codes_match_serde();
        OrgLevel::assert_codes_match_serde();
        Sector::assert_codes_match_serde();
        OrgStatus::assert_codes_match_serde();
        assert_eq!(Sector::NAMES.len(), 7);
        assert_eq!(
            OrgType::from_str("foundation").unwrap(),
            OrgType::Foundation
        );
        assert!(OrgStatus::from_str("Active").is_err());
    }

    #[test]
    fn evaluation_grades_travel_as_1a_to_5a() {
        assert_eq!(EvaluationGrade::ALL.len(), EvaluationGrade::NAMES.len());
        for (grade, name) in EvaluationGrade::ALL.iter().zip(EvaluationGrade::NAMES) {
            assert_eq!(grade.as_str(), *name);
            assert_eq!(grade.to_string(), *name);
            assert_eq!(serde_json::to_string(grade).unwrap(), format!("\"{name}\""));
            let back: EvaluationGrade = serde_json::from_str(&format!("\"{name}\"")).unwrap();
            assert_eq!(back, *grade);
            assert_eq!(EvaluationGrade::from_str(name).unwrap(), *grade);
        }
        assert!(EvaluationGrade::A1 < EvaluationGrade::A5);
        assert!(EvaluationGrade::ALL.windows(2).all(|w| w[0] < w[1]));
        for bad in ["5a", "A5", "6A", "", "5A "] {
            assert_eq!(
                EvaluationGrade::from_str(bad).unwrap_err(),
                Violation::NotAllowed {
                    allowed: vec![
                        "1A".into(),
                        "2A".into(),
                        "3A".into(),
                        "4A".into(),
                        "5A".into()
                    ]
                },
                "{bad}"
            );
        }
        assert!(serde_json::from_str::<EvaluationGrade>("\"A5\"").is_err());
    }

    #[test]
    fn evaluation_grade_schema_lists_the_codes() {
        let schema =
            serde_json::to_value(<EvaluationGrade as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(
            schema["enum"],
            serde_json::json!(EvaluationGrade::NAMES),
            "{schema}"
        );
    }

    #[test]
    fn the_weights_are_powers_of_three() {
        let mut w = 1;
        for weight in GB32100_WEIGHTS {
            assert_eq!(weight, w);
            w = w * 3 % 31;
        }
        assert_eq!(
            CREDIT_ALPHABET
                .iter()
                .map(|&b| char::from(b))
                .collect::<Vec<_>>(),
            reference_alphabet()
        );
    }

    #[test]
    fn real_and_constructed_codes_parse() {
        for code in all_samples() {
            let parsed = CreditCode::parse(code).unwrap_or_else(|e| panic!("{code}: {e:?}"));
            assert_eq!(parsed.as_str(), code);
            assert_eq!(parsed.to_string(), code);
            assert_eq!(parsed.organization_code(), &code[8..17]);
            assert_eq!(reference_complete(&code[..16]), code);
        }
        let x = CreditCode::parse("9135021359498494XQ").unwrap();
        assert_eq!(x.organization_code(), "59498494X");
        let lower = CreditCode::parse("  91350100m000100y43\n").unwrap();
        assert_eq!(lower.as_str(), "91350100M000100Y43");
    }

    #[test]
    fn every_single_substitution_of_a_sample_is_rejected() {
        for code in all_samples() {
            assert_every_substitution_rejected(code);
        }
    }

    #[test]
    fn the_messages_name_the_failed_check_and_the_right_character() {
        use crate::Lang;
        // 91350100M000100Y43 with its 18th changed.
        let err = CreditCode::parse("91350100M000100Y44").unwrap_err();
        assert_eq!(err.code(), "check_character");
        assert!(err.message(Lang::En).contains("GB 32100-2015"));
        assert!(err.message(Lang::En).contains("'3'"));
        assert!(err.message(Lang::Zh).contains("第 18 位应为“3”"));
        // Its 17th (the organization code's check, '4') changed.
        let err = CreditCode::parse("91350100M000100Y53").unwrap_err();
        assert_eq!(err.code(), "organization_code_check");
        assert!(err.message(Lang::En).contains("GB 11714"));
        assert!(err.message(Lang::En).contains("'4'"));
        assert!(err.message(Lang::Zh).contains("应为“4”"));
        // A change GB 11714 cannot see ('0' → 'B' differ by 11) falls to GB 32100.
        let err = CreditCode::parse("91350100MB00100Y43").unwrap_err();
        assert_eq!(err.code(), "check_character");
        // The organization code's check may only be X or a digit.
        let err = CreditCode::parse("9135021359498494AQ").unwrap_err();
        assert_eq!(err.code(), "organization_code_check");
        assert!(err.message(Lang::En).contains("'X'"));
    }

    #[test]
    fn malformed_codes_are_invalid_format() {
        for bad in [
            "",
            "91350100M000100Y4",
            "91350100M000100Y433",
            "91350100M000100Y 43",
            // I, O, S, V and Z are not in the alphabet, in either case.
            "91350100M000100I43",
            "91350100M000100O43",
            "91350100M000100S43",
            "91350100M000100v43",
            "91350100M000100z43",
            "91350100M000100-43",
            "９1350100M000100Y43",
            "91350100M000100Y4ſ",
        ] {
            assert_eq!(
                CreditCode::parse(bad).unwrap_err(),
                Violation::InvalidFormat {
                    expected: "18 characters of 0-9 A-H J-N P-R T-U W-Y".into()
                },
                "{bad:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn generated_codes_parse_in_either_case(code in arb_code()) {
            let parsed = CreditCode::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
            let lower = CreditCode::parse(&format!(" {} ", code.to_lowercase())).unwrap();
            prop_assert_eq!(lower, parsed);
        }

        #[test]
        fn single_substitutions_of_generated_codes_are_rejected(code in arb_code()) {
            assert_every_substitution_rejected(&code);
        }

        #[test]
        fn adjacent_transpositions_in_the_first_17_are_rejected(code in arb_code(), i in 0usize..16) {
            let mut chars: Vec<char> = code.chars().collect();
            prop_assume!(chars[i] != chars[i + 1]);
            chars.swap(i, i + 1);
            let swapped: String = chars.into_iter().collect();
            prop_assert!(CreditCode::parse(&swapped).is_err(), "{}", swapped);
        }
    }

    fn phone(raw: &str) -> String {
        Phone::parse(raw)
            .unwrap_or_else(|e| panic!("{raw:?}: {e:?}"))
            .as_str()
            .to_owned()
    }

    #[test]
    fn mobiles_are_stored_as_eleven_digits() {
        for raw in [
            "13812345678",
            " 13812345678 ",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+8613812345678",
            "+86-138-1234-5678",
            "8613812345678",
            "86 138 1234 5678",
        ] {
            assert_eq!(phone(raw), "13812345678", "{raw:?}");
        }
        assert_eq!(phone("19912345678"), "19912345678");
    }

    #[test]
    fn landlines_are_stored_as_area_hyphen_number() {
        for (raw, stored) in [
            ("0871-65123456", "0871-65123456"),
            ("0871 65123456", "0871-65123456"),
            ("087165123456", "0871-65123456"),
            ("0871 6512 3456", "0871-65123456"),
            ("0871 - 6512-3456", "0871-65123456"),
            ("010-65123456", "010-65123456"),
            ("01065123456", "010-65123456"),
            ("021 6212 3456", "021-62123456"),
            ("0870-2123456", "0870-2123456"),
            ("0691-2123456", "0691-2123456"),
            ("0886 3212345", "0886-3212345"),
            ("0871-65123456-123", "0871-65123456-123"),
            ("0871-65123456转123", "0871-65123456-123"),
            ("0871 65123456 转 800123", "0871-65123456-800123"),
            ("010-65123456-8", "010-65123456-8"),
            // A last hyphenated group is an extension when the rest is a whole number.
            ("0875-2212345-6", "0875-2212345-6"),
            ("0875-2212-3456", "0875-22123456"),
        ] {
            assert_eq!(phone(raw), stored, "{raw:?}");
        }
    }

    #[test]
    fn other_phones_are_rejected() {
        for bad in [
            "",
            "12812345678",
            "1381234567",
            "138123456789",
            "23812345678",
            "+86 0871 65123456",
            "+86 871 65123456",
            "+8613812345678-1",
            "138 1234 5678 转 1",
            "1381234567８",
            "65123456",
            "0871-6512345678",
            "0871-651234",
            "010-6512345",
            "011-65123456",
            "0001-6512345",
            "0871-05123456",
            "0871-15123456",
            "0871-65123456-1234567",
            "0871--65123456",
            "0871-65123456-",
            "-0871-65123456",
            "(0871)65123456",
            "0871-65123456 ext 1",
            "0871-65123456-转1",
            "013812345678",
        ] {
            assert_eq!(
                Phone::parse(bad).unwrap_err().code(),
                "invalid_format",
                "{bad:?}"
            );
        }
    }

    fn separator() -> impl Strategy<Value = &'static str> {
        proptest::sample::select(vec!["", " ", "-", " - ", "  "])
    }

    proptest! {
        #[test]
        fn written_mobiles_normalize(
            second in 3u8..=9,
            rest in "[0-9]{9}",
            prefix in proptest::sample::select(vec!["", "+86", "+86 ", "+86-", "86", "86 "]),
            a in separator(),
            b in separator(),
        ) {
            let digits = format!("1{second}{rest}");
            let written = format!("{prefix}{}{a}{}{b}{}", &digits[..3], &digits[3..7], &digits[7..]);
            let parsed = Phone::parse(&written).unwrap();
            prop_assert_eq!(parsed.as_str(), digits.as_str());
            prop_assert_eq!(Phone::parse(parsed.as_str()).unwrap(), parsed);
        }

        #[test]
        fn written_landlines_normalize(
            area in proptest::sample::select(vec![
                "010", "021", "029", "0871", "0870", "0872", "0879", "0691", "0692", "0886", "0887", "0888",
            ]),
            first in 2u8..=9,
            rest in "[0-9]{7}",
            seven in any::<bool>(),
            sep in separator(),
            extension in proptest::option::of(("[0-9]{1,6}", proptest::sample::select(vec!["-", " - ", "转", " 转 "]))),
        ) {
            let rest = if seven && area.len() == 4 { &rest[..6] } else { rest.as_str() };
            let number = format!("{first}{rest}");
            let mut written = format!("{area}{sep}{number}");
            let mut stored = format!("{area}-{number}");
            if let Some((ext, ext_sep)) = &extension {
                written.push_str(&format!("{ext_sep}{ext}"));
                stored.push_str(&format!("-{ext}"));
            }
            let parsed = Phone::parse(&written).unwrap();
            prop_assert_eq!(parsed.as_str(), stored.as_str());
            prop_assert_eq!(Phone::parse(parsed.as_str()).unwrap(), parsed);
        }
    }
}

/// A social organization taking part in the programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: uuid::Uuid,
    pub name: String,
    pub credit_code: CreditCode,
    pub org_type: OrgType,
    pub level: OrgLevel,
    /// Unknown (None) for organizations created by an import until the province sets it.
    pub sector: Option<Sector>,
    pub registration_region_code: crate::RegionCode,
    /// 业务主管单位.
    pub supervising_unit: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<Phone>,
    pub address: Option<String>,
    pub has_party_organization: bool,
    pub evaluation_grade: Option<EvaluationGrade>,
    pub status: OrgStatus,
    pub version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// What a social organization's credit code says of its registration: under GB 32100
/// the 1st character is the registering authority (5: civil affairs), the 2nd the
/// kind of organization (1: social group, 2: social service agency — formerly
/// 民办非企业单位, 3: foundation), and the 3rd–8th the division code of the registering
/// authority (530000 the province, 530100 a prefecture, 530102 a county).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub org_type: OrgType,
    pub level: OrgLevel,
    pub region_code: crate::RegionCode,
}

impl CreditCode {
    /// The registration a civil-affairs credit code of Yunnan describes, or what keeps
    /// it from describing one.
    pub fn registration(&self) -> Result<Registration, Violation> {
        let bytes = self.0.as_bytes();
        let not_civil_affairs = || Violation::Rule(Rule::NotSocialOrganization);
        if bytes.first() != Some(&b'5') {
            return Err(not_civil_affairs());
        }
        let org_type = match bytes.get(1) {
            Some(b'1') => OrgType::SocialGroup,
            Some(b'2') => OrgType::SocialServiceAgency,
            Some(b'3') => OrgType::Foundation,
            _ => return Err(not_civil_affairs()),
        };
        let division = &self.0[2..8];
        let outside = || {
            Violation::Rule(Rule::NotRegisteredInYunnan {
                division: division.to_owned(),
            })
        };
        if !division.starts_with("53") {
            return Err(outside());
        }
        let (level, code) = if &division[2..] == "0000" {
            (OrgLevel::Provincial, &division[..2])
        } else if &division[4..] == "00" {
            (OrgLevel::Prefectural, &division[..4])
        } else {
            (OrgLevel::County, division)
        };
        let region_code = crate::RegionCode::parse(code).map_err(|_| outside())?;
        Ok(Registration {
            org_type,
            level,
            region_code,
        })
    }
}

#[cfg(test)]
mod registration_tests {
    use super::*;

    #[test]
    fn credit_codes_tell_where_and_what_was_registered() {
        let provincial = CreditCode::parse("51530000MJ0123456F")
            .unwrap()
            .registration()
            .unwrap();
        assert_eq!(provincial.org_type, OrgType::SocialGroup);
        assert_eq!(provincial.level, OrgLevel::Provincial);
        assert_eq!(provincial.region_code.as_str(), "53");
        let prefectural = CreditCode::parse("52530100MJ0123464C")
            .unwrap()
            .registration()
            .unwrap();
        assert_eq!(prefectural.org_type, OrgType::SocialServiceAgency);
        assert_eq!(prefectural.level, OrgLevel::Prefectural);
        assert_eq!(prefectural.region_code.as_str(), "5301");
        let foundation = CreditCode::parse("53530000MJ00010298")
            .unwrap()
            .registration()
            .unwrap();
        assert_eq!(foundation.org_type, OrgType::Foundation);
        let national = CreditCode::parse("51100000500002862F")
            .unwrap()
            .registration()
            .unwrap_err();
        assert_eq!(national.code(), "not_registered_in_yunnan");
        let company = CreditCode::parse("91350100M000100Y43")
            .unwrap()
            .registration()
            .unwrap_err();
        assert_eq!(company.code(), "not_social_organization");
    }
}
