//! 百会兴万户: monitored households (监测户), the help given to them (帮扶记录) and their
//! small wishes (小心愿). Household personal data is sensitive under PIPL, so this
//! module also holds its parsers and the masks every response shows instead.

use chrono::{DateTime, NaiveDate, Utc};

use crate::code_enum;
use crate::pairing::Refusal;
use crate::rules::{Record, Rule};
use crate::validation::{FieldError, Violation};

/// The phone number type shared with organizations and liaisons: a mainland mobile
/// ("13812345678") or a landline stored as "0871-65123456" (an extension as "-123").
/// Households add [`Phone::masked`] to it.
pub use crate::organization::Phone;

code_enum! {
    /// 监测户类别: why a household is monitored.
    pub enum HouseholdCategory {
        /// 脱贫不稳定户
        UnstableOutOfPoverty => "unstable_out_of_poverty",
        /// 边缘易致贫户
        MarginalAtRisk => "marginal_at_risk",
        /// 突发严重困难户
        SuddenHardship => "sudden_hardship",
    }
}

code_enum! {
    /// 特殊群体: members of a household who need particular care.
    pub enum SpecialGroup {
        /// 特困人员
        ExtremelyPoor => "extremely_poor",
        /// 孤寡老人
        ElderlyAlone => "elderly_alone",
        /// 残疾人
        Disabled => "disabled",
        /// 留守老人
        LeftBehindElderly => "left_behind_elderly",
        /// 留守妇女
        LeftBehindWomen => "left_behind_women",
        /// 留守儿童
        LeftBehindChildren => "left_behind_children",
    }
}

code_enum! {
    /// 帮扶方式: what kind of help an assistance record records.
    pub enum AssistanceKind {
        /// 走访慰问
        Visit => "visit",
        /// 物资帮扶
        Goods => "goods",
        /// 资金帮扶
        Cash => "cash",
        /// 服务帮扶
        Service => "service",
        /// 就业帮扶
        Employment => "employment",
        Other => "other",
    }
}

code_enum! {
    /// `open` → `claimed` → `fulfilled`; `claimed` → `open` (released);
    /// `open`/`claimed` → `cancelled`.
    pub enum WishStatus {
        /// 待认领
        Open => "open",
        /// 已认领
        Claimed => "claimed",
        /// 已实现
        Fulfilled => "fulfilled",
        /// 已取消
        Cancelled => "cancelled",
    }
}

impl WishStatus {
    /// The status as a Chinese reader knows it, for messages.
    fn zh(self) -> &'static str {
        match self {
            WishStatus::Open => "待认领",
            WishStatus::Claimed => "已认领",
            WishStatus::Fulfilled => "已实现",
            WishStatus::Cancelled => "已取消",
        }
    }
}

/// ISO 7064 MOD 11-2 weights of the first 17 digits (2^(18-i) mod 11).
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each weighted sum mod 11.
const ID_CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// An 18-character resident ID number (公民身份号码, GB 11643-1999): a 6-digit address
/// code, the birth date as `YYYYMMDD`, a 3-digit sequence and a check character
/// (a digit or upper-case `X`).
///
/// `Debug` shows only the mask, so a household logged by mistake leaks nothing.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

impl IdNumber {
    /// Trims and accepts a lower-case `x`. Checks the shape (17 digits, then a digit or
    /// `X`; the address code not starting with 0), then the birth date (a real date, not
    /// before 1900-01-01; deliberately not compared with today, which is the caller's
    /// business), then the check character. The date comes before the check character
    /// because it names the faulty part more precisely. Messages never repeat the
    /// digits: they are personal data and error responses end up in logs.
    pub fn parse(raw: &str) -> Result<IdNumber, Violation> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(Violation::Required);
        }
        // ASCII only: a Unicode upper-casing could turn a stray character into `X`.
        let id = trimmed.to_ascii_uppercase();
        let bytes = id.as_bytes();
        let well_formed = bytes.len() == 18
            && bytes[..17].iter().all(u8::is_ascii_digit)
            && (bytes[17].is_ascii_digit() || bytes[17] == b'X')
            && bytes[0] != b'0';
        if !well_formed {
            return Err(Violation::InvalidFormat {
                expected: "18-character resident ID number".to_owned(),
            });
        }
        if birth_date(&id[6..14]).is_none() {
            return Err(Violation::Rule(Rule::BirthDate));
        }
        let expected = IdNumber::check_char(&id[..17]);
        if expected != Some(char::from(bytes[17])) {
            let expected = expected.unwrap_or('?');
            return Err(Violation::Rule(Rule::CheckDigit { expected }));
        }
        Ok(IdNumber(id))
    }

    /// `parse`, and the birth date not after `today` (Asia/Shanghai): a household's
    /// head is a living person, so an ID number of someone born tomorrow (or in 2099)
    /// is a typing error. Every input of an ID number goes through this.
    pub fn parse_as_of(raw: &str, today: NaiveDate) -> Result<IdNumber, Violation> {
        let id = IdNumber::parse(raw)?;
        if id.birth_date().is_some_and(|born| born > today) {
            return Err(Violation::Rule(Rule::BirthDateInFuture));
        }
        Ok(id)
    }

    /// The birth date the number encodes.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        birth_date(&self.0[6..14])
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address code (first 6) and the last 4, the 8 birth-date digits hidden:
    /// `530102********011X`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }

    /// The check character (ISO 7064 MOD 11-2) for exactly 17 ASCII digits, else
    /// `None`. Public for tests and for generating demonstration data.
    pub fn check_char(first17: &str) -> Option<char> {
        let bytes = first17.as_bytes();
        if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let sum: u32 = bytes
            .iter()
            .zip(ID_WEIGHTS)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        ID_CHECK_CHARS.get((sum % 11) as usize).copied()
    }
}

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("IdNumber").field(&self.masked()).finish()
    }
}

/// `YYYYMMDD` as a date not before 1900-01-01.
fn birth_date(yyyymmdd: &str) -> Option<NaiveDate> {
    let date = NaiveDate::parse_from_str(yyyymmdd, "%Y%m%d").ok()?;
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1)?;
    (date >= earliest).then_some(date)
}

impl Phone {
    /// Enough to recognise a number, not to call it. A mobile keeps its first 3 and
    /// last 4 digits (`138****5678`); a landline keeps its area code and the last 4
    /// digits of the local number (`0871-****5678`), and an extension is hidden whole
    /// (`0871-****5678-***`).
    pub fn masked(&self) -> String {
        let number = self.as_str();
        let mut parts = number.split('-');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(area), Some(local), extension) => {
                let mut masked = format!("{area}-{}", mask_all_but_last(local, 4));
                if let Some(extension) = extension {
                    masked.push('-');
                    masked.push_str(&"*".repeat(extension.chars().count()));
                }
                masked
            }
            // A mobile: eleven ASCII digits.
            _ => {
                let kept_head: String = number.chars().take(3).collect();
                let rest = number.chars().skip(3).collect::<String>();
                format!("{kept_head}{}", mask_all_but_last(&rest, 4))
            }
        }
    }
}

/// Every character but the last `keep` replaced by `*`.
fn mask_all_but_last(s: &str, keep: usize) -> String {
    let len = s.chars().count();
    s.chars()
        .enumerate()
        .map(|(i, c)| if i + keep < len { '*' } else { c })
        .collect()
}

/// The longest head-of-household name, in characters.
pub const HEAD_NAME_MAX: usize = 50;

/// The head of household's name: trimmed, 1–[`HEAD_NAME_MAX`] characters, no digits
/// of any script (`digits_in_name`: an ID or phone number typed into the wrong box)
/// and no control characters. `〇` is allowed: it is a character of some names.
pub fn parse_head_name(raw: &str) -> Result<String, Violation> {
    let name = raw.trim();
    match name.chars().count() {
        0 => return Err(Violation::Required),
        n if n > HEAD_NAME_MAX => return Err(Violation::TooLong { max: HEAD_NAME_MAX }),
        _ => {}
    }
    if name.chars().any(|c| c.is_numeric() && c != '〇') {
        return Err(Violation::Rule(Rule::DigitsInName));
    }
    if name.chars().any(char::is_control) {
        return Err(Violation::Rule(Rule::ControlCharacters));
    }
    Ok(name.to_owned())
}

/// Common two-character (compound) surnames, 复姓, which the name mask keeps whole.
pub const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "令狐", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "申屠", "太史", "闻人",
    "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "赫连", "万俟", "拓跋", "钟离", "完颜", "司空",
    "司寇", "东郭", "南门", "羊舌", "微生", "梁丘", "左丘", "东门", "公羊", "公良", "乐正", "谷梁",
    "段干", "亓官", "子车", "颛孙", "巫马", "公西", "漆雕", "壤驷", "夹谷", "宰父", "第五", "鲜于",
    "闾丘", "仲孙", "叔孙", "太叔", "纳兰",
];

/// Separators between the parts of a name (`阿依古丽·买买提`, `John Smith`), which the
/// mask leaves visible: hiding them hides nothing, and showing them keeps the shape.
const NAME_SEPARATORS: &[char] = &['·', '•', '‧', '・', '.', ' '];

/// Masks a name for display: the surname stays, every other character becomes `*`.
///
/// `张三` → `张*`, `张三丰` → `张**`, `张` → `*` (a one-character name shows nothing),
/// `欧阳娜娜` → `欧阳**` (a known compound surname stays whole), but `欧阳` → `欧*`
/// (a name that is only the surname would otherwise show in full). Names in several
/// parts keep their first character and their separators: `阿依古丽·买买提` →
/// `阿***·***`.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= 1 {
        return "*".repeat(chars.len());
    }
    let compound = chars.len() > 2 && COMPOUND_SURNAMES.iter().any(|s| name.starts_with(s));
    let surname = if compound { 2 } else { 1 };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i < surname || NAME_SEPARATORS.contains(&c) {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Personal data of a household in clear text: held in memory only, sealed by the
/// store. `Debug` shows the masked form, so it cannot leak into a log.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonalData {
    pub head_name: String,
    pub id_number: IdNumber,
    pub phone: Option<Phone>,
}

impl PersonalData {
    /// What every response and export shows (DESIGN.md §5).
    pub fn masked(&self) -> MaskedPersonalData {
        MaskedPersonalData {
            head_name: mask_name(&self.head_name),
            id_number: self.id_number.masked(),
            phone: self.phone.as_ref().map(Phone::masked),
        }
    }
}

impl std::fmt::Debug for PersonalData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let masked = self.masked();
        f.debug_struct("PersonalData")
            .field("head_name", &masked.head_name)
            .field("id_number", &masked.id_number)
            .field("phone", &masked.phone)
            .finish()
    }
}

/// A household's personal data as everyone but the personal-data endpoint shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct MaskedPersonalData {
    /// e.g. `张*`
    pub head_name: String,
    /// e.g. `530102********011X`
    pub id_number: String,
    /// e.g. `138****5678`
    pub phone: Option<String>,
}

/// The most members a household can have.
pub const MEMBERS_MAX: i32 = 30;
/// The longest note on a household, in characters.
pub const NOTE_MAX: usize = 1000;
/// The longest description of an assistance record or wish, or fulfilment note.
pub const DESCRIPTION_MAX: usize = 1000;
/// The largest estimate of a wish: 100,000 yuan. A small wish is small.
pub const WISH_ESTIMATE_MAX_FEN: i64 = 10_000_000;
/// The largest value of one assistance record: 100 million yuan, far beyond any real
/// record, so only a typo (extra zeros, yuan taken for fen) meets it.
pub const ASSISTANCE_VALUE_MAX_FEN: i64 = 10_000_000_000;
/// The longest reason for cancelling a wish, in characters.
pub const REASON_MAX: usize = 500;

/// A monitored household (监测户), personal data in clear (the store seals it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    pub id: uuid::Uuid,
    pub village_code: crate::RegionCode,
    pub personal: PersonalData,
    pub members: i32,
    pub category: HouseholdCategory,
    pub special_groups: Vec<SpecialGroup>,
    pub risk_eliminated: bool,
    pub note: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Checks a household's figures as they would be stored: `members` in
/// 1..=[`MEMBERS_MAX`]; the note trimmed, empty meaning none, at most [`NOTE_MAX`]
/// characters. Special groups come back sorted without duplicates. Every problem is
/// reported at once.
pub fn check_household(
    members: i32,
    note: Option<String>,
    special_groups: Vec<SpecialGroup>,
) -> Result<(Option<String>, Vec<SpecialGroup>), Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Err(e) = check_members(members) {
        errors.push(e);
    }
    let note = check_note(note).map_err(|e| errors.push(e)).ok().flatten();
    if errors.is_empty() {
        Ok((note, special_groups_set(special_groups)))
    } else {
        Err(errors)
    }
}

/// A household has 1..=[`MEMBERS_MAX`] members.
pub fn check_members(members: i32) -> Result<(), FieldError> {
    if (1..=MEMBERS_MAX).contains(&members) {
        Ok(())
    } else {
        Err(FieldError::new(
            "members",
            Violation::OutOfRange {
                min: 1,
                max: i64::from(MEMBERS_MAX),
            },
        ))
    }
}

/// A note trimmed, empty meaning none, at most [`NOTE_MAX`] characters.
pub fn check_note(note: Option<String>) -> Result<Option<String>, FieldError> {
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > NOTE_MAX) {
        return Err(FieldError::new(
            "note",
            Violation::TooLong { max: NOTE_MAX },
        ));
    }
    Ok(note)
}

/// Special groups sorted, without duplicates.
pub fn special_groups_set(mut groups: Vec<SpecialGroup>) -> Vec<SpecialGroup> {
    groups.sort_unstable();
    groups.dedup();
    groups
}

/// An assistance record (帮扶记录): help an organization gave a household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assistance {
    pub id: uuid::Uuid,
    pub household_id: uuid::Uuid,
    pub organization_id: uuid::Uuid,
    pub kind: AssistanceKind,
    pub given_on: NaiveDate,
    pub value_fen: i64,
    pub description: String,
    /// The wish this help fulfilled, if any.
    pub wish_id: Option<uuid::Uuid>,
    pub created_by: uuid::Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Help is recorded once given: `given_on` not after `today` (Asia/Shanghai, see
/// `pairing::shanghai_today`); `value_fen` in 0..=[`ASSISTANCE_VALUE_MAX_FEN`];
/// the description trimmed, 1..=[`DESCRIPTION_MAX`] characters. Returns the trimmed
/// description; every problem is reported at once.
pub fn check_assistance(
    given_on: NaiveDate,
    value_fen: i64,
    description: &str,
    today: NaiveDate,
) -> Result<String, Vec<FieldError>> {
    let mut errors = Vec::new();
    if given_on > today {
        errors.push(in_future("given_on"));
    }
    if !(0..=ASSISTANCE_VALUE_MAX_FEN).contains(&value_fen) {
        errors.push(FieldError::new(
            "value_fen",
            Violation::OutOfRange {
                min: 0,
                max: ASSISTANCE_VALUE_MAX_FEN,
            },
        ));
    }
    let description = bounded_text("description", description, DESCRIPTION_MAX, &mut errors);
    if errors.is_empty() {
        Ok(description)
    } else {
        Err(errors)
    }
}

/// A small wish (小心愿) of a household, which an organization claims and fulfils.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wish {
    pub id: uuid::Uuid,
    pub household_id: uuid::Uuid,
    pub description: String,
    pub estimated_fen: i64,
    pub status: WishStatus,
    /// The organization that claimed it.
    pub claimed_by: Option<uuid::Uuid>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub fulfilled_on: Option<NaiveDate>,
    pub fulfilment_note: Option<String>,
    pub cancel_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A wish's description trimmed, 1..=[`DESCRIPTION_MAX`] characters, and its estimate
/// in 0..=[`WISH_ESTIMATE_MAX_FEN`]. Returns the trimmed description.
pub fn check_wish(description: &str, estimated_fen: i64) -> Result<String, Vec<FieldError>> {
    let mut errors = Vec::new();
    let description = bounded_text("description", description, DESCRIPTION_MAX, &mut errors);
    if !(0..=WISH_ESTIMATE_MAX_FEN).contains(&estimated_fen) {
        errors.push(FieldError::new(
            "estimated_fen",
            Violation::OutOfRange {
                min: 0,
                max: WISH_ESTIMATE_MAX_FEN,
            },
        ));
    }
    if errors.is_empty() {
        Ok(description)
    } else {
        Err(errors)
    }
}

/// `open` → `claimed`. A wish someone claimed first is `already_claimed` (409), so
/// the second of two organizations racing for it learns why.
pub fn claim(status: WishStatus) -> Result<WishStatus, Refusal> {
    match status {
        WishStatus::Open => Ok(WishStatus::Claimed),
        WishStatus::Claimed => Err(Refusal::Conflict(vec![FieldError::rule(
            "status",
            Rule::AlreadyClaimed,
        )])),
        other => Err(illegal(other, "认领", "claimed")),
    }
}

/// `claimed` → `open`: the claiming organization gives the wish back.
pub fn release(status: WishStatus) -> Result<WishStatus, Refusal> {
    match status {
        WishStatus::Claimed => Ok(WishStatus::Open),
        other => Err(illegal(other, "释放", "released")),
    }
}

/// `claimed` → `fulfilled`. The status is judged first (409); then, all at once
/// (422): `fulfilled_on` not after `today` (`in_future`) nor before the day it was
/// claimed, `claimed_on` (`before_claim`); `kind` goods or service, the forms of help
/// a wish is fulfilled with; the note trimmed, 1..=[`DESCRIPTION_MAX`] characters.
/// Returns the trimmed note.
pub fn fulfil(
    status: WishStatus,
    claimed_on: NaiveDate,
    fulfilled_on: NaiveDate,
    kind: AssistanceKind,
    note: &str,
    today: NaiveDate,
) -> Result<String, Refusal> {
    if status != WishStatus::Claimed {
        return Err(illegal(status, "实现", "fulfilled"));
    }
    let mut errors = Vec::new();
    if fulfilled_on > today {
        errors.push(in_future("fulfilled_on"));
    }
    if fulfilled_on < claimed_on {
        errors.push(FieldError::rule("fulfilled_on", Rule::BeforeClaim));
    }
    if !matches!(kind, AssistanceKind::Goods | AssistanceKind::Service) {
        errors.push(FieldError::new(
            "kind",
            Violation::NotAllowed {
                allowed: [AssistanceKind::Goods, AssistanceKind::Service]
                    .iter()
                    .map(|k| k.as_str().to_owned())
                    .collect(),
            },
        ));
    }
    let note = bounded_text("note", note, DESCRIPTION_MAX, &mut errors);
    if errors.is_empty() {
        Ok(note)
    } else {
        Err(Refusal::Invalid(errors))
    }
}

/// `open`/`claimed` → `cancelled`, with a reason trimmed to 1..=[`REASON_MAX`]
/// characters. Returns the new status and the trimmed reason.
pub fn cancel(status: WishStatus, reason: &str) -> Result<(WishStatus, String), Refusal> {
    match status {
        WishStatus::Open | WishStatus::Claimed => {
            let mut errors = Vec::new();
            let reason = bounded_text("reason", reason, REASON_MAX, &mut errors);
            if errors.is_empty() {
                Ok((WishStatus::Cancelled, reason))
            } else {
                Err(Refusal::Invalid(errors))
            }
        }
        other => Err(illegal(other, "取消", "cancelled")),
    }
}

/// A transition the wish's status does not allow (409).
fn illegal(from: WishStatus, zh_action: &'static str, en_action: &'static str) -> Refusal {
    Refusal::Conflict(vec![FieldError::rule(
        "status",
        Rule::IllegalTransition {
            record: Record::Wish,
            from_zh: from.zh(),
            from_en: from.as_str(),
            action_zh: zh_action,
            action_en: en_action,
        },
    )])
}

fn in_future(field: &str) -> FieldError {
    FieldError::rule(field, Rule::InFuture)
}

/// `text` trimmed, reporting `required` or `too_long` against `field`.
fn bounded_text(field: &str, text: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let text = text.trim();
    match text.chars().count() {
        0 => errors.push(FieldError::new(field, Violation::Required)),
        n if n > max => errors.push(FieldError::new(field, Violation::TooLong { max })),
        _ => {}
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The check character computed afresh from the standard's definition, not from
    /// the tables above: weights 2^(18-i) mod 11, and (sum + check) ≡ 1 (mod 11).
    fn reference_check(first17: &str) -> char {
        let sum: u64 = first17
            .chars()
            .enumerate()
            .map(|(i, c)| u64::from(c.to_digit(10).unwrap()) * (2u64.pow(17 - i as u32) % 11))
            .sum();
        match (12 - sum % 11) % 11 {
            10 => 'X',
            v => char::from_digit(v as u32, 10).unwrap(),
        }
    }

    fn code(r: Result<IdNumber, Violation>) -> String {
        match r {
            Ok(id) => id.as_str().to_owned(),
            Err(v) => v.code().to_owned(),
        }
    }

    /// 17 digits of the right shape: an address code not starting with 0, a real
    /// birth date from 1900 to 2099, any sequence number.
    fn arb_first17() -> impl Strategy<Value = String> {
        (100_000u32..=999_999, 0i64..73_048, 0u32..1000).prop_map(|(area, days, seq)| {
            let born = d(1900, 1, 1) + chrono::Duration::days(days);
            format!("{area}{}{seq:03}", born.format("%Y%m%d"))
        })
    }

    proptest! {
        #[test]
        fn any_well_formed_number_with_its_check_character_parses(first17 in arb_first17()) {
            let check = IdNumber::check_char(&first17).unwrap();
            prop_assert_eq!(check, reference_check(&first17));
            let id = format!("{first17}{check}");
            let parsed = IdNumber::parse(&id).unwrap();
            prop_assert_eq!(parsed.as_str(), id.as_str());
            for wrong in "0123456789Xx".chars().filter(|c| c.to_ascii_uppercase() != check) {
                let err = IdNumber::parse(&format!("{first17}{wrong}")).unwrap_err();
                prop_assert_eq!(err.code(), "check_digit");
                let zh = err.message(crate::Lang::Zh);
                let en = err.message(crate::Lang::En);
                prop_assert!(zh.contains(&format!("校验位应为 {check}")), "{}", zh);
                prop_assert!(en.contains(&format!("should be {check}")), "{}", en);
            }
        }

        #[test]
        fn every_changed_digit_is_caught(first17 in arb_first17(), at in 0usize..17, by in 1u8..10) {
            let id = format!("{first17}{}", IdNumber::check_char(&first17).unwrap());
            let mut bytes = id.into_bytes();
            bytes[at] = b'0' + (bytes[at] - b'0' + by) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            let got = code(IdNumber::parse(&changed));
            // A changed digit may break the address code or the date before the check
            // character sees it; it never goes unnoticed.
            prop_assert!(
                ["check_digit", "birth_date", "invalid_format"].contains(&got.as_str()),
                "{} -> {}", changed, got
            );
        }

        #[test]
        fn masks_hide_the_middle_of_any_id(first17 in arb_first17()) {
            let id = IdNumber::parse(&format!("{first17}{}", IdNumber::check_char(&first17).unwrap())).unwrap();
            let masked = id.masked();
            prop_assert_eq!(masked.chars().count(), 18);
            prop_assert_eq!(&masked[..6], &id.as_str()[..6]);
            prop_assert_eq!(&masked[6..14], "********");
            prop_assert_eq!(&masked[14..], &id.as_str()[14..]);
        }
    }

    #[test]
    fn known_numbers() {
        // The example of GB 11643-1999 itself (Beijing, Chaoyang, born 1949-12-31).
        assert_eq!(
            code(IdNumber::parse("11010519491231002X")),
            "11010519491231002X"
        );
        assert_eq!(code(IdNumber::parse("110105194912310021")), "check_digit");
        // The standard's other example is born in 1880: a valid check, but before 1900.
        assert_eq!(IdNumber::check_char("44052418800101001"), Some('4'));
        assert_eq!(code(IdNumber::parse("440524188001010014")), "birth_date");
        // Constructed in Yunnan's shape (530102 Kunming Wuhua, 532301 Chuxiong).
        assert_eq!(
            code(IdNumber::parse("53010219850105011X")),
            "53010219850105011X"
        );
        assert_eq!(
            code(IdNumber::parse("532301196001182340")),
            "532301196001182340"
        );
        assert_eq!(
            code(IdNumber::parse("530102199001011231")),
            "530102199001011231"
        );
        assert_eq!(code(IdNumber::parse("530102199001011234")), "check_digit");
    }

    #[test]
    fn lower_case_x_and_spaces_are_accepted() {
        let id = IdNumber::parse("  11010519491231002x\n").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id, IdNumber::parse("11010519491231002X").unwrap());
    }

    #[test]
    fn malformed_numbers() {
        assert_eq!(IdNumber::parse("   "), Err(Violation::Required));
        assert_eq!(
            IdNumber::parse("1101051949123100"),
            Err(Violation::InvalidFormat {
                expected: "18-character resident ID number".to_owned()
            })
        );
        for bad in [
            "11010519491231002",   // 17
            "11010519491231002X1", // 19
            "1101051949123100X2",  // X not last
            "11010519491231002Y",  // not X
            "11010519491231 002X", // a space inside
            "０1010519491231002X", // a full-width digit
            "01010519491231002X",  // the address code starts with 0
            "110105194912310０2X", // a full-width digit inside
        ] {
            assert_eq!(code(IdNumber::parse(bad)), "invalid_format", "{bad}");
        }
    }

    #[test]
    fn no_one_is_born_after_today() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let with_check =
            |first17: &str| format!("{first17}{}", IdNumber::check_char(first17).unwrap());
        let born_2099 = with_check("53010220991231011");
        assert!(IdNumber::parse(&born_2099).is_ok(), "a real date by itself");
        assert_eq!(
            IdNumber::parse_as_of(&born_2099, today).unwrap_err().code(),
            "birth_date_in_future"
        );
        let tomorrow = with_check("53010220261203011");
        assert_eq!(
            IdNumber::parse_as_of(&tomorrow, today).unwrap_err().code(),
            "birth_date_in_future"
        );
        let born_today = with_check("53010220261202011");
        assert!(IdNumber::parse_as_of(&born_today, today).is_ok());
        // The other checks come first, unchanged.
        assert_eq!(
            IdNumber::parse_as_of("53010219491231011", today)
                .unwrap_err()
                .code(),
            "invalid_format"
        );
    }

    #[test]
    fn birth_dates_must_exist() {
        let with_check =
            |first17: &str| format!("{first17}{}", IdNumber::check_char(first17).unwrap());
        for (first17, want) in [
            ("53010219000101011", "ok"),
            ("53010218991231011", "birth_date"),
            ("53010219000229011", "birth_date"), // 1900 was not a leap year
            ("53010220000229011", "ok"),         // 2000 was
            ("53010220230229011", "birth_date"),
            ("53010219491331011", "birth_date"),
            ("53010219490100011", "birth_date"),
            ("53010219490431011", "birth_date"),
            ("53010200000101011", "birth_date"),
            // Not compared with today: the caller decides about future dates.
            ("53010220990101011", "ok"),
        ] {
            let got = match IdNumber::parse(&with_check(first17)) {
                Ok(_) => "ok".to_owned(),
                Err(v) => v.code().to_owned(),
            };
            assert_eq!(got, want, "{first17}");
        }
    }

    #[test]
    fn check_char_needs_17_digits() {
        assert_eq!(IdNumber::check_char("11010519491231002"), Some('X'));
        assert_eq!(IdNumber::check_char("1101051949123100"), None);
        assert_eq!(IdNumber::check_char("110105194912310021"), None);
        assert_eq!(IdNumber::check_char("1101051949123100A"), None);
        assert_eq!(IdNumber::check_char("１1010519491231002"), None);
    }

    #[test]
    fn id_numbers_are_masked() {
        let id = IdNumber::parse("53010219850105011X").unwrap();
        assert_eq!(id.masked(), "530102********011X");
        // Nothing in clear in Debug output either.
        assert_eq!(format!("{id:?}"), "IdNumber(\"530102********011X\")");
    }

    #[test]
    fn phones_are_masked() {
        let masked = |raw: &str| Phone::parse(raw).unwrap().masked();
        assert_eq!(masked("13812345678"), "138****5678");
        assert_eq!(masked(" 138 1234 5678 "), "138****5678");
        assert_eq!(masked("0871-65125678"), "0871-****5678");
        assert_eq!(masked("087165125678"), "0871-****5678");
        assert_eq!(masked("0875-2212345"), "0875-***2345");
        assert_eq!(masked("010-62345678"), "010-****5678");
        assert_eq!(masked("0871-65125678-123"), "0871-****5678-***");
    }

    #[test]
    fn head_names() {
        assert_eq!(parse_head_name("  张三 ").unwrap(), "张三");
        assert_eq!(
            parse_head_name("阿依古丽·买买提").unwrap(),
            "阿依古丽·买买提"
        );
        assert_eq!(parse_head_name("王〇").unwrap(), "王〇");
        assert_eq!(parse_head_name(" "), Err(Violation::Required));
        assert_eq!(
            parse_head_name(&"张".repeat(50)).unwrap().chars().count(),
            50
        );
        assert_eq!(
            parse_head_name(&"张".repeat(51)),
            Err(Violation::TooLong { max: 50 })
        );
        for bad in ["张3", "13812345678", "李１", "王Ⅱ"] {
            assert_eq!(
                parse_head_name(bad).unwrap_err().code(),
                "digits_in_name",
                "{bad}"
            );
        }
        assert_eq!(
            parse_head_name("张\u{0}三").unwrap_err().code(),
            "control_characters"
        );
    }

    #[test]
    fn names_are_masked() {
        for (name, want) in [
            ("", ""),
            ("张", "*"),
            ("张三", "张*"),
            ("张三丰", "张**"),
            ("张三丰四", "张***"),
            ("欧阳", "欧*"),
            ("欧阳娜", "欧阳*"),
            ("欧阳娜娜", "欧阳**"),
            ("司马相如", "司马**"),
            ("诸葛亮", "诸葛*"),
            ("阿依古丽·买买提", "阿***·***"),
            ("John Smith", "J*** *****"),
        ] {
            assert_eq!(mask_name(name), want, "{name}");
        }
    }

    #[test]
    fn compound_surnames_are_two_characters_and_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for s in COMPOUND_SURNAMES {
            assert_eq!(s.chars().count(), 2, "{s}");
            assert!(seen.insert(s), "{s} twice");
        }
    }

    fn personal() -> PersonalData {
        PersonalData {
            head_name: "欧阳娜娜".to_owned(),
            id_number: IdNumber::parse("53010219850105011X").unwrap(),
            phone: Some(Phone::parse("13812345678").unwrap()),
        }
    }

    #[test]
    fn personal_data_is_masked_whole() {
        let masked = personal().masked();
        assert_eq!(
            masked,
            MaskedPersonalData {
                head_name: "欧阳**".to_owned(),
                id_number: "530102********011X".to_owned(),
                phone: Some("138****5678".to_owned()),
            }
        );
        assert_eq!(
            serde_json::to_value(&masked).unwrap(),
            serde_json::json!({
                "head_name": "欧阳**",
                "id_number": "530102********011X",
                "phone": "138****5678",
            })
        );
        let no_phone = PersonalData {
            phone: None,
            ..personal()
        };
        assert_eq!(no_phone.masked().phone, None);
    }

    #[test]
    fn debug_output_never_shows_personal_data() {
        let debug = format!("{:?}", personal());
        for secret in ["娜娜", "19850105", "12345678"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(debug.contains("530102********011X"), "{debug}");
    }

    #[test]
    fn code_names_match_serde() {
        HouseholdCategory::assert_codes_match_serde();
        SpecialGroup::assert_codes_match_serde();
        AssistanceKind::assert_codes_match_serde();
        WishStatus::assert_codes_match_serde();
    }

    fn field_codes(errors: &[FieldError]) -> Vec<String> {
        errors
            .iter()
            .map(|e| format!("{}:{}", e.field, e.violation.code()))
            .collect()
    }

    #[test]
    fn households_are_checked() {
        use SpecialGroup::*;
        let (note, groups) = check_household(
            1,
            Some("  因病致贫 ".to_owned()),
            vec![
                LeftBehindChildren,
                Disabled,
                LeftBehindChildren,
                ExtremelyPoor,
            ],
        )
        .unwrap();
        assert_eq!(note.as_deref(), Some("因病致贫"));
        assert_eq!(groups, [ExtremelyPoor, Disabled, LeftBehindChildren]);
        assert_eq!(
            check_household(MEMBERS_MAX, Some(" \n".to_owned()), vec![]).unwrap(),
            (None, vec![])
        );
        assert_eq!(check_household(3, None, vec![]).unwrap(), (None, vec![]));
        assert!(check_household(2, Some("注".repeat(NOTE_MAX)), vec![]).is_ok());
        assert_eq!(
            field_codes(&check_household(0, Some("注".repeat(NOTE_MAX + 1)), vec![]).unwrap_err()),
            ["members:out_of_range", "note:too_long"]
        );
        assert_eq!(
            check_household(MEMBERS_MAX + 1, None, vec![]).unwrap_err(),
            [FieldError::new(
                "members",
                Violation::OutOfRange { min: 1, max: 30 }
            )]
        );
        assert!(check_household(-1, None, vec![]).is_err());
    }

    #[test]
    fn assistance_is_checked() {
        let today = d(2024, 6, 1);
        assert_eq!(
            check_assistance(today, 0, "  走访慰问 ", today).unwrap(),
            "走访慰问"
        );
        assert!(check_assistance(d(2020, 1, 1), ASSISTANCE_VALUE_MAX_FEN, "米", today).is_ok());
        assert!(check_assistance(today, 1, &"述".repeat(DESCRIPTION_MAX), today).is_ok());
        assert_eq!(
            field_codes(&check_assistance(d(2024, 6, 2), -1, " ", today).unwrap_err()),
            [
                "given_on:in_future",
                "value_fen:out_of_range",
                "description:required"
            ]
        );
        assert_eq!(
            field_codes(
                &check_assistance(
                    today,
                    ASSISTANCE_VALUE_MAX_FEN + 1,
                    &"述".repeat(DESCRIPTION_MAX + 1),
                    today
                )
                .unwrap_err()
            ),
            ["value_fen:out_of_range", "description:too_long"]
        );
        assert_eq!(
            check_assistance(today, i64::MIN, "米", today).unwrap_err()[0].violation,
            Violation::OutOfRange {
                min: 0,
                max: ASSISTANCE_VALUE_MAX_FEN
            }
        );
    }

    #[test]
    fn wishes_are_checked() {
        assert_eq!(check_wish(" 一辆轮椅 ", 0).unwrap(), "一辆轮椅");
        assert!(check_wish(&"愿".repeat(DESCRIPTION_MAX), WISH_ESTIMATE_MAX_FEN).is_ok());
        assert_eq!(
            field_codes(&check_wish("", -1).unwrap_err()),
            ["description:required", "estimated_fen:out_of_range"]
        );
        assert_eq!(
            field_codes(
                &check_wish(&"愿".repeat(DESCRIPTION_MAX + 1), WISH_ESTIMATE_MAX_FEN + 1)
                    .unwrap_err()
            ),
            ["description:too_long", "estimated_fen:out_of_range"]
        );
    }

    fn outcome<T: std::fmt::Debug>(r: Result<T, Refusal>) -> String {
        match r {
            Ok(v) => format!("{v:?}"),
            Err(Refusal::Invalid(e)) => format!("422:{}", field_codes(&e).join(",")),
            Err(Refusal::Conflict(e)) => format!("409:{}", field_codes(&e).join(",")),
        }
    }

    #[test]
    fn the_wish_state_machine_exhaustively() {
        let day = d(2024, 6, 1);
        let illegal = "409:status:illegal_transition";
        for status in WishStatus::ALL {
            let want = match status {
                WishStatus::Open => ["Claimed", illegal, illegal, "(Cancelled, \"搬迁\")"],
                WishStatus::Claimed => [
                    "409:status:already_claimed",
                    "Open",
                    "\"已送达\"",
                    "(Cancelled, \"搬迁\")",
                ],
                WishStatus::Fulfilled | WishStatus::Cancelled => {
                    [illegal, illegal, illegal, illegal]
                }
            };
            let got = [
                outcome(claim(*status)),
                outcome(release(*status)),
                outcome(fulfil(
                    *status,
                    day,
                    day,
                    AssistanceKind::Goods,
                    " 已送达 ",
                    day,
                )),
                outcome(cancel(*status, " 搬迁 ")),
            ];
            assert_eq!(got, want.map(String::from), "from {status}");
        }
    }

    #[test]
    fn illegal_transitions_name_the_status_in_both_languages() {
        let Err(Refusal::Conflict(errors)) = claim(WishStatus::Fulfilled) else {
            panic!("expected a conflict");
        };
        let v = &errors[0].violation;
        assert_eq!(v.message(crate::Lang::Zh), "心愿状态为“已实现”，不能认领");
        assert_eq!(
            v.message(crate::Lang::En),
            "a wish that is fulfilled cannot be claimed"
        );
    }

    #[test]
    fn fulfilment_is_checked() {
        let claimed = d(2024, 5, 1);
        let today = d(2024, 6, 1);
        let fulfil_on = |on: NaiveDate, kind: AssistanceKind, note: &str| {
            outcome(fulfil(WishStatus::Claimed, claimed, on, kind, note, today))
        };
        assert_eq!(
            fulfil_on(claimed, AssistanceKind::Service, "修缮"),
            "\"修缮\""
        );
        assert_eq!(fulfil_on(today, AssistanceKind::Goods, "送达"), "\"送达\"");
        assert_eq!(
            fulfil_on(d(2024, 6, 2), AssistanceKind::Goods, "送达"),
            "422:fulfilled_on:in_future"
        );
        assert_eq!(
            fulfil_on(d(2024, 4, 30), AssistanceKind::Goods, "送达"),
            "422:fulfilled_on:before_claim"
        );
        for kind in AssistanceKind::ALL {
            let want = match kind {
                AssistanceKind::Goods | AssistanceKind::Service => "\"送达\"",
                _ => "422:kind:not_allowed",
            };
            assert_eq!(fulfil_on(today, *kind, "送达"), want, "{kind}");
        }
        assert_eq!(
            fulfil_on(today, AssistanceKind::Goods, &"记".repeat(DESCRIPTION_MAX)),
            format!("{:?}", "记".repeat(DESCRIPTION_MAX))
        );
        assert_eq!(
            fulfil_on(
                d(2024, 4, 1),
                AssistanceKind::Cash,
                &"记".repeat(DESCRIPTION_MAX + 1)
            ),
            "422:fulfilled_on:before_claim,kind:not_allowed,note:too_long"
        );
        assert_eq!(
            fulfil_on(today, AssistanceKind::Goods, "  "),
            "422:note:required"
        );
        let Err(Refusal::Invalid(errors)) = fulfil(
            WishStatus::Claimed,
            claimed,
            today,
            AssistanceKind::Cash,
            "x",
            today,
        ) else {
            panic!("expected a validation error");
        };
        assert_eq!(
            errors[0].violation,
            Violation::NotAllowed {
                allowed: vec!["goods".to_owned(), "service".to_owned()]
            }
        );
        // A wish not claimed is a conflict even when the input is bad too.
        assert_eq!(
            outcome(fulfil(
                WishStatus::Open,
                claimed,
                d(2030, 1, 1),
                AssistanceKind::Cash,
                "",
                today
            )),
            "409:status:illegal_transition"
        );
    }

    #[test]
    fn cancelling_needs_a_reason() {
        assert_eq!(
            outcome(cancel(WishStatus::Open, " ")),
            "422:reason:required"
        );
        assert_eq!(
            outcome(cancel(WishStatus::Claimed, &"因".repeat(REASON_MAX + 1))),
            "422:reason:too_long"
        );
        assert_eq!(
            cancel(WishStatus::Claimed, &"因".repeat(REASON_MAX)).unwrap(),
            (WishStatus::Cancelled, "因".repeat(REASON_MAX))
        );
    }
}
