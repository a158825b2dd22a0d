//! The catalogue of rule codes: every code a rule of the programme can put on a field
//! (beside the generic ones of `Violation`), each with its Chinese and English message,
//! written once, here. Clients switch on the codes; the OpenAPI document lists them.

use crate::identity::{level_zh, role_zh};
use crate::{RegionLevel, Role};

/// A rule of the programme that a field breaks. `code()` is stable snake_case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    // Hostile or malformed input.
    /// Text holds the NUL character.
    InvalidCharacter,
    /// JSON nested deeper than `max` levels.
    TooDeep {
        max: usize,
    },
    /// An array longer than `max`.
    TooManyItems {
        max: usize,
    },
    /// An array shorter than `min`.
    TooFewItems {
        min: usize,
    },
    /// A JSON object names the same field twice.
    DuplicateField,
    // Uploaded and exported files.
    /// An upload that cannot be read as `format` (CSV, XLSX); `cause` is the reader's.
    UnreadableFile {
        format: String,
        cause: String,
    },
    /// More than `max` data rows in an import or an export.
    TooManyRows {
        max: usize,
        export: bool,
    },
    /// An XLSX file that unpacks to more than `limit` bytes.
    UnpackedTooLarge {
        limit: u64,
    },
    /// An XLSX file with more than `max` parts.
    TooManyParts {
        max: usize,
    },
    /// An upload with no bytes.
    EmptyFile,
    /// A sheet's row repeats the ID number of row `first_row`.
    DuplicateInFile {
        first_row: usize,
    },
    /// A sheet's row repeats row `first_row`.
    DuplicateRow {
        first_row: usize,
    },
    /// A sheet's row names another organization for row `first_row`'s credit code.
    InconsistentName {
        first_row: usize,
    },
    // Regions.
    UnknownRegion,
    UnknownVillage,
    /// A county neither Yunnan's code nor name matches.
    UnknownCounty {
        given: String,
    },
    /// A county name that several counties of Yunnan carry.
    AmbiguousCounty {
        given: String,
        candidates: Vec<String>,
    },
    NotACounty,
    NotAVillage,
    NotAPrefecture,
    /// A village outside the county `county`.
    OutsideCounty {
        county: String,
    },
    /// A village where the caller may not register households.
    OutsideScope,
    /// A region whose level is none of `allowed`.
    WrongLevel {
        allowed: Vec<RegionLevel>,
    },
    // Organizations.
    UnknownOrganization,
    UnknownPartyOrganization,
    /// An organization not `active` cannot start anything new.
    OrganizationNotActive {
        status: String,
    },
    NotProvincial,
    /// Another active organization already has this name.
    Taken,
    /// Another active organization (credit code `holder`) already has this name.
    NameTaken {
        holder: String,
    },
    NotSocialOrganization,
    NotRegisteredInYunnan {
        division: String,
    },
    UnknownRegistrationRegion {
        division: String,
    },
    /// GB 11714: the organization code's check character should be `expected`.
    OrganizationCodeCheck {
        expected: char,
    },
    /// GB 32100-2015: the credit code's check character should be `expected`.
    CheckCharacter {
        expected: char,
    },
    /// A project, a case or a report section that is not the organization's.
    NotTheOrganizations,
    // Pairings.
    UnknownPairing,
    PairingNotOpen,
    AlreadyPaired,
    NotPaired,
    AlreadyHelping,
    AlreadySigned,
    Terminated,
    AlreadyEnded,
    /// A party pairing that has ended takes no activity.
    Ended,
    AlreadyDecided,
    // Dates.
    InFuture,
    BeforeEstablished,
    BeforeSigned,
    BeforeStart,
    BeforeClaim,
    // States.
    /// `record` in state `from` cannot be `action`.
    IllegalTransition {
        record: Record,
        from_zh: &'static str,
        from_en: &'static str,
        action_zh: &'static str,
        action_en: &'static str,
    },
    RequiredToComplete,
    ExceedsCommitted,
    AlreadyClaimed,
    AlreadyPublished,
    AlreadyReported,
    Submitted,
    ChangedConcurrently,
    /// Another liaison (`name`) of the region and department is active.
    AnotherActive {
        name: String,
    },
    /// The field does not apply, for the reason given.
    NotApplicable(Inapplicable),
    // People.
    BirthDate,
    BirthDateInFuture,
    /// The ID number's check character should be `expected`.
    CheckDigit {
        expected: char,
    },
    DigitsInName,
    ControlCharacters,
    DuplicateIdNumber,
    /// A published text holds what looks like personal data.
    PersonalData {
        kind: PersonalDataKind,
    },
    // Accounts.
    ContainsUsername,
    Incorrect,
    LastAdmin,
    IdempotencyKeyReused,
    IdempotencyKeyInProgress,
    // Evaluation.
    AllZero,
}

/// What kind of record an illegal transition concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    Project,
    Wish,
}

/// What looks like personal data in a published text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonalDataKind {
    IdNumber,
    Mobile,
}

/// Why a field does not apply (code `not_applicable`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inapplicable {
    /// Only a region of `level` has this field.
    RegionLevel(RegionLevel),
    /// This role has no region.
    RoleRegion(Role),
    /// This role belongs to no organization.
    RoleOrganization(Role),
    /// An add request moves no pairing.
    AddRequest,
    /// This kind of report has no such section.
    ReportSection,
    /// Only a violation can suspend an organization.
    Suspension,
}

impl Inapplicable {
    /// One of each reason (for tests).
    pub fn all() -> Vec<Inapplicable> {
        vec![
            Inapplicable::RegionLevel(RegionLevel::County),
            Inapplicable::RegionLevel(RegionLevel::Village),
            Inapplicable::RoleRegion(Role::Viewer),
            Inapplicable::RoleOrganization(Role::Viewer),
            Inapplicable::AddRequest,
            Inapplicable::ReportSection,
            Inapplicable::Suspension,
        ]
    }

    fn zh(&self) -> String {
        match self {
            Inapplicable::RegionLevel(level) => format!(
                "只有{}才能设置此项",
                if *level == RegionLevel::County {
                    "县级行政区划"
                } else {
                    level_zh(*level)
                }
            ),
            Inapplicable::RoleRegion(role) => format!("{}不设行政区划", role_zh(*role)),
            Inapplicable::RoleOrganization(role) => format!("{}不属于社会组织", role_zh(*role)),
            Inapplicable::AddRequest => "新增结对申请不涉及原结对".to_owned(),
            Inapplicable::ReportSection => "此类报告没有这一部分".to_owned(),
            Inapplicable::Suspension => "只有查处可以暂停社会组织".to_owned(),
        }
    }

    fn en(&self) -> String {
        match self {
            Inapplicable::RegionLevel(level) => {
                format!("only a region of level {level} has this field")
            }
            Inapplicable::RoleRegion(role) => format!("a {role} has no region"),
            Inapplicable::RoleOrganization(role) => format!("a {role} belongs to no organization"),
            Inapplicable::AddRequest => "an add request moves no pairing".to_owned(),
            Inapplicable::ReportSection => "this kind of report has no such section".to_owned(),
            Inapplicable::Suspension => "only a violation can suspend an organization".to_owned(),
        }
    }
}

impl Rule {
    /// One of every variant (with sample fields): the whole catalogue.
    pub fn all() -> Vec<Rule> {
        use Rule::*;
        let s = || "x".to_owned();
        vec![
            InvalidCharacter,
            TooDeep { max: 64 },
            TooManyItems { max: 10 },
            TooFewItems { min: 1 },
            DuplicateField,
            UnreadableFile {
                format: "CSV".to_owned(),
                cause: s(),
            },
            TooManyRows {
                max: 10,
                export: false,
            },
            UnpackedTooLarge { limit: 10 },
            TooManyParts { max: 10 },
            EmptyFile,
            DuplicateInFile { first_row: 2 },
            DuplicateRow { first_row: 2 },
            InconsistentName { first_row: 2 },
            UnknownRegion,
            UnknownVillage,
            UnknownCounty { given: s() },
            AmbiguousCounty {
                given: s(),
                candidates: vec![s(), s()],
            },
            NotACounty,
            NotAVillage,
            NotAPrefecture,
            OutsideCounty { county: s() },
            OutsideScope,
            WrongLevel {
                allowed: vec![RegionLevel::Prefecture, RegionLevel::County],
            },
            UnknownOrganization,
            UnknownPartyOrganization,
            OrganizationNotActive { status: s() },
            NotProvincial,
            Taken,
            NameTaken { holder: s() },
            NotSocialOrganization,
            NotRegisteredInYunnan { division: s() },
            UnknownRegistrationRegion { division: s() },
            OrganizationCodeCheck { expected: 'X' },
            CheckCharacter { expected: 'X' },
            NotTheOrganizations,
            UnknownPairing,
            PairingNotOpen,
            AlreadyPaired,
            NotPaired,
            AlreadyHelping,
            AlreadySigned,
            Terminated,
            AlreadyEnded,
            Ended,
            AlreadyDecided,
            InFuture,
            BeforeEstablished,
            BeforeSigned,
            BeforeStart,
            BeforeClaim,
            IllegalTransition {
                record: Record::Project,
                from_zh: "x",
                from_en: "x",
                action_zh: "x",
                action_en: "x",
            },
            RequiredToComplete,
            ExceedsCommitted,
            AlreadyClaimed,
            AlreadyPublished,
            AlreadyReported,
            Submitted,
            ChangedConcurrently,
            AnotherActive { name: s() },
            NotApplicable(Inapplicable::AddRequest),
            BirthDate,
            BirthDateInFuture,
            CheckDigit { expected: 'X' },
            DigitsInName,
            ControlCharacters,
            DuplicateIdNumber,
            PersonalData {
                kind: PersonalDataKind::IdNumber,
            },
            ContainsUsername,
            Incorrect,
            LastAdmin,
            IdempotencyKeyReused,
            IdempotencyKeyInProgress,
            AllZero,
        ]
    }

    /// Every rule code, in catalogue order.
    pub fn codes() -> Vec<&'static str> {
        Rule::all().iter().map(Rule::code).collect()
    }

    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        use Rule::*;
        match self {
            InvalidCharacter => "invalid_character",
            TooDeep { .. } => "too_deep",
            TooManyItems { .. } => "too_many_items",
            TooFewItems { .. } => "too_few_items",
            DuplicateField => "duplicate_field",
            UnreadableFile { .. } => "unreadable_file",
            TooManyRows { .. } => "too_many_rows",
            UnpackedTooLarge { .. } => "unpacked_too_large",
            TooManyParts { .. } => "too_many_parts",
            EmptyFile => "empty_file",
            DuplicateInFile { .. } => "duplicate_in_file",
            DuplicateRow { .. } => "duplicate_row",
            InconsistentName { .. } => "inconsistent_name",
            UnknownRegion => "unknown_region",
            UnknownVillage => "unknown_village",
            UnknownCounty { .. } => "unknown_county",
            AmbiguousCounty { .. } => "ambiguous_county",
            NotACounty => "not_a_county",
            NotAVillage => "not_a_village",
            NotAPrefecture => "not_a_prefecture",
            OutsideCounty { .. } => "outside_county",
            OutsideScope => "outside_scope",
            WrongLevel { .. } => "wrong_level",
            UnknownOrganization => "unknown_organization",
            UnknownPartyOrganization => "unknown_party_organization",
            OrganizationNotActive { .. } => "organization_not_active",
            NotProvincial => "not_provincial",
            Taken => "taken",
            NameTaken { .. } => "name_taken",
            NotSocialOrganization => "not_social_organization",
            NotRegisteredInYunnan { .. } => "not_registered_in_yunnan",
            UnknownRegistrationRegion { .. } => "unknown_registration_region",
            OrganizationCodeCheck { .. } => "organization_code_check",
            CheckCharacter { .. } => "check_character",
            NotTheOrganizations => "not_the_organizations",
            UnknownPairing => "unknown_pairing",
            PairingNotOpen => "pairing_not_open",
            AlreadyPaired => "already_paired",
            NotPaired => "not_paired",
            AlreadyHelping => "already_helping",
            AlreadySigned => "already_signed",
            Terminated => "terminated",
            AlreadyEnded => "already_ended",
            Ended => "ended",
            AlreadyDecided => "already_decided",
            InFuture => "in_future",
            BeforeEstablished => "before_established",
            BeforeSigned => "before_signed",
            BeforeStart => "before_start",
            BeforeClaim => "before_claim",
            IllegalTransition { .. } => "illegal_transition",
            RequiredToComplete => "required_to_complete",
            ExceedsCommitted => "exceeds_committed",
            AlreadyClaimed => "already_claimed",
            AlreadyPublished => "already_published",
            AlreadyReported => "already_reported",
            Submitted => "submitted",
            ChangedConcurrently => "changed_concurrently",
            AnotherActive { .. } => "another_active",
            NotApplicable(_) => "not_applicable",
            BirthDate => "birth_date",
            BirthDateInFuture => "birth_date_in_future",
            CheckDigit { .. } => "check_digit",
            DigitsInName => "digits_in_name",
            ControlCharacters => "control_characters",
            DuplicateIdNumber => "duplicate_id_number",
            PersonalData { .. } => "personal_data",
            ContainsUsername => "contains_username",
            Incorrect => "incorrect",
            LastAdmin => "last_admin",
            IdempotencyKeyReused => "idempotency_key_reused",
            IdempotencyKeyInProgress => "idempotency_key_in_progress",
            AllZero => "all_zero",
        }
    }

    /// The message in `lang`.
    pub fn message(&self, lang: crate::Lang) -> String {
        match lang {
            crate::Lang::Zh => self.zh(),
            crate::Lang::En => self.en(),
        }
    }

    /// The Chinese message.
    pub fn zh(&self) -> String {
        use Rule::*;
        match self {
            InvalidCharacter => "不能包含空字符（U+0000）".to_owned(),
            TooDeep { max } => format!("嵌套不能超过 {max} 层"),
            TooManyItems { max } => format!("最多 {max} 项"),
            TooFewItems { min } => format!("至少 {min} 项"),
            DuplicateField => "同一字段出现了多次".to_owned(),
            UnreadableFile { format, cause } => format!("无法读取{format}文件：{cause}"),
            TooManyRows { max, export: false } => {
                format!("文件超过 {max} 行数据的上限（MAX_IMPORT_ROWS），请分批导入")
            }
            TooManyRows { max, export: true } => format!("超过 {max} 行，请用筛选条件缩小范围"),
            UnpackedTooLarge { limit } => {
                format!("XLSX 文件解压后超过 {limit} 字节的上限（MAX_IMPORT_UNPACKED_BYTES）")
            }
            TooManyParts { max } => format!("XLSX 文件包含的部件超过 {max} 个"),
            EmptyFile => "文件是空的".to_owned(),
            DuplicateInFile { first_row } => format!("与第 {first_row} 行的身份证号重复"),
            DuplicateRow { first_row } => format!("与第 {first_row} 行重复"),
            InconsistentName { first_row } => {
                format!("与第 {first_row} 行同一统一社会信用代码的组织名称不同")
            }
            UnknownRegion => "没有这个行政区划代码".to_owned(),
            UnknownVillage => "没有这个村（社区）代码".to_owned(),
            UnknownCounty { given } => {
                format!("云南省没有代码或名称为“{given}”的县（市、区）")
            }
            AmbiguousCounty { given, candidates } => {
                format!("“{given}”可指{}，请写全称或代码", candidates.join("、"))
            }
            NotACounty => "须为县级行政区划（县、市、区）的代码".to_owned(),
            NotAVillage => "须为村（社区）的代码".to_owned(),
            NotAPrefecture => "须为州（市）的 4 位代码".to_owned(),
            OutsideCounty { county } => format!("该村不在 {county} 县（市、区）内"),
            OutsideScope => "此村不在您可登记监测户的范围内".to_owned(),
            WrongLevel { allowed } => {
                let names: Vec<&str> = allowed.iter().map(|l| level_zh(*l)).collect();
                let names = match names.split_last() {
                    Some((last, rest)) if !rest.is_empty() => {
                        format!("{}或{last}", rest.join("、"))
                    }
                    _ => names.concat(),
                };
                format!("须为{names}级行政区划")
            }
            UnknownOrganization => "没有这个社会组织".to_owned(),
            UnknownPartyOrganization => "没有这个党组织".to_owned(),
            OrganizationNotActive { status } => {
                format!("该社会组织状态为“{status}”，不能新建结对或开展新的帮扶")
            }
            NotProvincial => "年度报告由全省性社会组织报送".to_owned(),
            Taken => "已有同名的正常状态社会组织".to_owned(),
            NameTaken { holder } => {
                format!("已有同名的正常状态社会组织（统一社会信用代码 {holder}）")
            }
            NotSocialOrganization => {
                "该统一社会信用代码不是民政部门登记的社会组织代码（应以 51、52 或 53 开头）"
                    .to_owned()
            }
            NotRegisteredInYunnan { division } => {
                format!("登记管理机关代码 {division} 不是云南省的行政区划")
            }
            UnknownRegistrationRegion { division } => {
                format!("登记管理机关代码 {division} 不是现行的行政区划")
            }
            OrganizationCodeCheck { expected } => format!(
                "组织机构代码校验位错误（GB 11714）：第 9–17 位为组织机构代码，按其前 8 位\
                 （第 9–16 位）计算，其校验位（第 17 位）应为“{expected}”，请核对第 9–17 位"
            ),
            CheckCharacter { expected } => format!(
                "统一社会信用代码校验位错误（GB 32100-2015）：按前 17 位计算，\
                 第 18 位应为“{expected}”，请核对整个代码"
            ),
            NotTheOrganizations => "不属于此社会组织".to_owned(),
            UnknownPairing => "该组织没有这个未终止的结对".to_owned(),
            PairingNotOpen => "要调整的结对已终止或不存在".to_owned(),
            AlreadyPaired => "双方已结对，且结对未终止".to_owned(),
            NotPaired => "该社会组织与此县没有（未终止的）结对，不能在此开展帮扶".to_owned(),
            AlreadyHelping => "该社会组织（及会员企业）已在帮扶此村".to_owned(),
            AlreadySigned => "该结对已签订协议".to_owned(),
            Terminated => "该结对已终止".to_owned(),
            AlreadyEnded => "该结对已结束".to_owned(),
            Ended => "该结对共建已结束，不能再登记活动".to_owned(),
            AlreadyDecided => "该申请已处理".to_owned(),
            InFuture => "日期不能晚于今天".to_owned(),
            BeforeEstablished => "日期不能早于结对日期".to_owned(),
            BeforeSigned => "日期不能早于结对签订日期".to_owned(),
            BeforeStart => "结束日期不能早于开始日期".to_owned(),
            BeforeClaim => "实现日期不能早于认领日期".to_owned(),
            IllegalTransition {
                record,
                from_zh,
                action_zh,
                ..
            } => {
                let record = match record {
                    Record::Project => "项目",
                    Record::Wish => "心愿",
                };
                format!("{record}状态为“{from_zh}”，不能{action_zh}")
            }
            RequiredToComplete => "已完成的项目须有结束日期".to_owned(),
            ExceedsCommitted => "已到位资金不能超过承诺资金".to_owned(),
            AlreadyClaimed => "该心愿已被认领".to_owned(),
            AlreadyPublished => "该案例已发布".to_owned(),
            AlreadyReported => "该期报告已存在".to_owned(),
            Submitted => "报告已报送，不能再修改".to_owned(),
            ChangedConcurrently => "该心愿刚被他人修改，请刷新后重试".to_owned(),
            AnotherActive { name } => format!("该地区此部门已有在任联络员（{name}）"),
            NotApplicable(why) => why.zh(),
            BirthDate => "身份证号码中的出生日期（第 7–14 位）不是 1900 年 1 月 1 日以后的有效日期"
                .to_owned(),
            BirthDateInFuture => "身份证号码中的出生日期（第 7–14 位）晚于今天".to_owned(),
            CheckDigit { expected } => {
                format!("身份证号码校验位错误：按前 17 位计算，校验位应为 {expected}")
            }
            DigitsInName => "姓名不能包含数字".to_owned(),
            ControlCharacters => "姓名不能包含控制字符".to_owned(),
            DuplicateIdNumber => "已有户主为此身份证号的监测户".to_owned(),
            PersonalData { kind } => format!(
                "{}：公开的典型案例不得含有个人信息",
                match kind {
                    PersonalDataKind::IdNumber => "含有疑似身份证号码",
                    PersonalDataKind::Mobile => "含有疑似手机号码",
                }
            ),
            ContainsUsername => "密码不能包含用户名".to_owned(),
            Incorrect => "原密码不正确".to_owned(),
            LastAdmin => "这是唯一启用的省级管理员账号，不能停用或改变其角色".to_owned(),
            IdempotencyKeyReused => "此 Idempotency-Key 已用于另一个请求".to_owned(),
            IdempotencyKeyInProgress => {
                "使用此 Idempotency-Key 的请求仍在处理中，请稍后重试".to_owned()
            }
            AllZero => "至少一项正向指标的权重须大于 0".to_owned(),
        }
    }

    /// The English message.
    pub fn en(&self) -> String {
        use Rule::*;
        match self {
            InvalidCharacter => "must not contain the NUL character (U+0000)".to_owned(),
            TooDeep { max } => format!("must not be nested more than {max} levels deep"),
            TooManyItems { max } => format!("must have at most {max} items"),
            TooFewItems { min } => format!("must have at least {min} items"),
            DuplicateField => "this field appears more than once".to_owned(),
            UnreadableFile { format, cause } => {
                format!("the {format} file cannot be read: {cause}")
            }
            TooManyRows { max, export: false } => format!(
                "the file has more than {max} data rows (MAX_IMPORT_ROWS); import it in parts"
            ),
            TooManyRows { max, export: true } => {
                format!("more than {max} rows: narrow the export with filters")
            }
            UnpackedTooLarge { limit } => format!(
                "the XLSX file unpacks to more than {limit} bytes (MAX_IMPORT_UNPACKED_BYTES)"
            ),
            TooManyParts { max } => format!("the XLSX file has more than {max} parts"),
            EmptyFile => "the file is empty".to_owned(),
            DuplicateInFile { first_row } => format!("the same ID number as row {first_row}"),
            DuplicateRow { first_row } => format!("repeats row {first_row}"),
            InconsistentName { first_row } => {
                format!("row {first_row} gives another name for the same credit code")
            }
            UnknownRegion => "no region has this code".to_owned(),
            UnknownVillage => "no village has this code".to_owned(),
            UnknownCounty { given } => {
                format!("no county of Yunnan has the code or the name {given:?}")
            }
            AmbiguousCounty { given, candidates } => format!(
                "{given:?} could be {}: give the full name or the code",
                candidates.join(", ")
            ),
            NotACounty => "must be the code of a county-level division".to_owned(),
            NotAVillage => "must be the code of a village".to_owned(),
            NotAPrefecture => "must be the 4-digit code of a prefecture".to_owned(),
            OutsideCounty { county } => format!("the village is not in county {county}"),
            OutsideScope => "you may not register households in this village".to_owned(),
            WrongLevel { allowed } => {
                let names: Vec<String> = allowed.iter().map(ToString::to_string).collect();
                let names = match names.split_last() {
                    Some((last, rest)) if !rest.is_empty() => {
                        format!("{} or {last}", rest.join(", "))
                    }
                    _ => names.concat(),
                };
                format!("must be a region of level {names}")
            }
            UnknownOrganization => "no organization has this id".to_owned(),
            UnknownPartyOrganization => "no party organization has this id".to_owned(),
            OrganizationNotActive { status } => {
                format!("the organization is {status}: it can start no new pairing and no new help")
            }
            NotProvincial => "annual reports are province-level organizations'".to_owned(),
            Taken => "an active organization already has this name".to_owned(),
            NameTaken { holder } => {
                format!("an active organization with credit code {holder} already has this name")
            }
            NotSocialOrganization => "this credit code is not one of a social organization \
                                      registered by civil affairs (51, 52 or 53…)"
                .to_owned(),
            NotRegisteredInYunnan { division } => {
                format!("the registering authority's division {division} is not in Yunnan")
            }
            UnknownRegistrationRegion { division } => {
                format!("the registering authority's division {division} does not exist")
            }
            OrganizationCodeCheck { expected } => format!(
                "the check character of the 9-character organization code (the 17th \
                 overall) is wrong per GB 11714: from characters 9–16 it should be \
                 '{expected}'; check characters 9–17"
            ),
            CheckCharacter { expected } => format!(
                "the check character (18th) is wrong per GB 32100-2015: from the first \
                 17 characters it should be '{expected}'; check the whole code"
            ),
            NotTheOrganizations => "it is not this organization's".to_owned(),
            UnknownPairing => "the organization has no open pairing with this id".to_owned(),
            PairingNotOpen => "the pairing to move is terminated or gone".to_owned(),
            AlreadyPaired => "the two are already paired and the pairing has not ended".to_owned(),
            NotPaired => {
                "the organization has no pairing (not terminated) with this county".to_owned()
            }
            AlreadyHelping => {
                "the organization (with this member enterprise) already helps this village"
                    .to_owned()
            }
            AlreadySigned => "the agreement of this pairing is already signed".to_owned(),
            Terminated => "this pairing is terminated".to_owned(),
            AlreadyEnded => "this pairing has already ended".to_owned(),
            Ended => "this party pairing has ended".to_owned(),
            AlreadyDecided => "this request has already been decided".to_owned(),
            InFuture => "the date cannot be later than today".to_owned(),
            BeforeEstablished => "the date cannot be before the pairing was established".to_owned(),
            BeforeSigned => "the date cannot be before the pairing was signed".to_owned(),
            BeforeStart => "the end cannot be before the start".to_owned(),
            BeforeClaim => "a wish cannot be fulfilled before it was claimed".to_owned(),
            IllegalTransition {
                record,
                from_en,
                action_en,
                ..
            } => {
                let record = match record {
                    Record::Project => "project",
                    Record::Wish => "wish",
                };
                format!("a {record} that is {from_en} cannot be {action_en}")
            }
            RequiredToComplete => "a completed project needs its end date".to_owned(),
            ExceedsCommitted => {
                "the amount disbursed cannot exceed the amount committed".to_owned()
            }
            AlreadyClaimed => "this wish has already been claimed".to_owned(),
            AlreadyPublished => "this case is already published".to_owned(),
            AlreadyReported => "this report exists already".to_owned(),
            Submitted => "a submitted report is read-only".to_owned(),
            ChangedConcurrently => {
                "the wish was changed by someone else just now: reload and retry".to_owned()
            }
            AnotherActive { .. } => {
                "another liaison of this region and department is active".to_owned()
            }
            NotApplicable(why) => why.en(),
            BirthDate => "the birth date in the ID number (characters 7–14) is not a real date \
                          on or after 1900-01-01"
                .to_owned(),
            BirthDateInFuture => {
                "the birth date in the ID number (characters 7–14) is after today".to_owned()
            }
            CheckDigit { expected } => format!(
                "the ID number's check character is wrong: from the first 17 digits, \
                 the check character should be {expected}"
            ),
            DigitsInName => "a name cannot contain digits".to_owned(),
            ControlCharacters => "a name cannot contain control characters".to_owned(),
            DuplicateIdNumber => "a household with this ID number is already registered".to_owned(),
            PersonalData { kind } => format!(
                "{}: a published case must carry no personal data",
                match kind {
                    PersonalDataKind::IdNumber => "contains what looks like a resident ID number",
                    PersonalDataKind::Mobile => "contains what looks like a mobile phone number",
                }
            ),
            ContainsUsername => "the password must not contain the username".to_owned(),
            Incorrect => "the old password is wrong".to_owned(),
            LastAdmin => "this is the only active province admin: it cannot be deactivated or \
                          given another role"
                .to_owned(),
            IdempotencyKeyReused => {
                "this Idempotency-Key was used for a different request".to_owned()
            }
            IdempotencyKeyInProgress => {
                "a request with this Idempotency-Key is still being handled: retry later".to_owned()
            }
            AllZero => {
                "at least one indicator other than violations needs a weight above 0".to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lang;

    #[test]
    fn codes_are_unique_snake_case() {
        let codes = Rule::codes();
        let unique: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len(), "a code is listed twice");
        for code in codes {
            assert!(
                !code.is_empty()
                    && code.starts_with(|c: char| c.is_ascii_lowercase())
                    && code.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    && !code.contains("__")
                    && !code.ends_with('_'),
                "{code} is not snake_case"
            );
        }
    }

    #[test]
    fn every_message_exists_in_both_languages() {
        let reasons = Inapplicable::all().into_iter().map(Rule::NotApplicable);
        for rule in Rule::all().into_iter().chain(reasons) {
            for lang in [Lang::Zh, Lang::En] {
                assert!(
                    !rule.message(lang).trim().is_empty(),
                    "{} has no {lang:?} message",
                    rule.code()
                );
            }
            assert_ne!(rule.zh(), rule.en(), "{}", rule.code());
        }
    }

    #[test]
    fn wrong_level_names_the_levels() {
        let rule = Rule::WrongLevel {
            allowed: vec![
                RegionLevel::Province,
                RegionLevel::Prefecture,
                RegionLevel::County,
            ],
        };
        assert_eq!(rule.zh(), "须为省、州（市）或县（市、区）级行政区划");
        assert_eq!(
            rule.en(),
            "must be a region of level province, prefecture or county"
        );
    }
}
