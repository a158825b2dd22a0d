//! Planning an import of monitored households from the monitoring system's
//! spreadsheet: every row checked, every problem reported with its row (the header is
//! row 1) and column, and never with the personal value itself. Pure: the caller
//! supplies the villages the sheet names and which counties it may write to, then
//! finds ID numbers already registered and stores the plan only if it has no error.

use std::collections::{HashMap, HashSet};

use crate::household::{self, HouseholdCategory, IdNumber, PersonalData, Phone, SpecialGroup};
use crate::pairing_import::RowError;
use crate::region::RegionCode;
use crate::rules::Rule;
use crate::validation::Violation;

/// The columns an import understands, by the names the monitoring system's sheets use.
pub const COLUMNS: &[(&str, &[&str])] = &[
    (
        "village_code",
        &[
            "村代码",
            "村(社区)代码",
            "行政村代码",
            "村级代码",
            "village_code",
        ],
    ),
    ("head_name", &["户主姓名", "户主", "head_name"]),
    (
        "id_number",
        &[
            "身份证号",
            "身份证号码",
            "户主身份证号",
            "户主身份证号码",
            "证件号码",
            "id_number",
        ],
    ),
    (
        "phone",
        &["联系电话", "电话", "手机号", "手机号码", "phone"],
    ),
    (
        "members",
        &["家庭人口", "家庭人口数", "人口数", "家庭成员数", "members"],
    ),
    (
        "category",
        &["监测类别", "监测对象类别", "类别", "户类型", "category"],
    ),
    ("special_groups", &["特殊群体", "special_groups"]),
    (
        "risk_eliminated",
        &[
            "风险是否消除",
            "风险消除",
            "是否消除风险",
            "risk_eliminated",
        ],
    ),
    ("note", &["备注", "note"]),
];

/// Columns every sheet must have.
pub const REQUIRED: &[&str] = &[
    "village_code",
    "head_name",
    "id_number",
    "members",
    "category",
];

/// The Chinese names of the categories, as the monitoring system writes them.
const CATEGORY_NAMES: &[(&str, HouseholdCategory)] = &[
    ("脱贫不稳定户", HouseholdCategory::UnstableOutOfPoverty),
    ("边缘易致贫户", HouseholdCategory::MarginalAtRisk),
    ("突发严重困难户", HouseholdCategory::SuddenHardship),
];

/// The Chinese names of the special groups.
const SPECIAL_GROUP_NAMES: &[(&str, SpecialGroup)] = &[
    ("特困人员", SpecialGroup::ExtremelyPoor),
    ("特困", SpecialGroup::ExtremelyPoor),
    ("孤寡老人", SpecialGroup::ElderlyAlone),
    ("残疾人", SpecialGroup::Disabled),
    ("留守老人", SpecialGroup::LeftBehindElderly),
    ("留守妇女", SpecialGroup::LeftBehindWomen),
    ("留守儿童", SpecialGroup::LeftBehindChildren),
];

/// A valid row, ready to be stored.
#[derive(Debug, Clone)]
pub struct PlannedHousehold {
    pub row: usize,
    pub village_code: RegionCode,
    pub personal: PersonalData,
    pub members: i32,
    pub category: HouseholdCategory,
    pub special_groups: Vec<SpecialGroup>,
    pub risk_eliminated: bool,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct HouseholdImportPlan {
    pub rows: Vec<PlannedHousehold>,
    pub errors: Vec<RowError>,
    /// Data rows read (blank rows are skipped).
    pub read: usize,
}

impl HouseholdImportPlan {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Where each known column is, or the required columns missing.
pub fn header_columns(
    header: &[String],
    column_of: impl Fn(&str) -> Option<&'static str>,
) -> Result<HashMap<&'static str, usize>, Vec<&'static str>> {
    let mut positions = HashMap::new();
    for (i, cell) in header.iter().enumerate() {
        if let Some(column) = column_of(cell) {
            positions.entry(column).or_insert(i);
        }
    }
    let missing: Vec<&'static str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !positions.contains_key(c))
        .collect();
    if missing.is_empty() {
        Ok(positions)
    } else {
        Err(missing)
    }
}

/// A category by its code or its Chinese name.
pub fn parse_category(raw: &str) -> Result<HouseholdCategory, Violation> {
    CATEGORY_NAMES
        .iter()
        .find(|(name, _)| *name == raw)
        .map(|(_, c)| Ok(*c))
        .unwrap_or_else(|| raw.parse::<HouseholdCategory>())
}

/// Special groups by code or Chinese name, separated by 、 , ， ; ； or spaces.
pub fn parse_special_groups(raw: &str) -> Result<Vec<SpecialGroup>, Violation> {
    raw.split(['、', ',', '，', ';', '；', ' ', '\u{3000}'])
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != "无")
        .map(|part| {
            SPECIAL_GROUP_NAMES
                .iter()
                .find(|(name, _)| *name == part)
                .map(|(_, g)| Ok(*g))
                .unwrap_or_else(|| part.parse::<SpecialGroup>())
        })
        .collect()
}

/// 是/否, true/false, 1/0, yes/no; empty is `false`.
pub fn parse_yes_no(raw: &str) -> Result<bool, Violation> {
    match raw.trim().to_lowercase().as_str() {
        "" | "否" | "未消除" | "false" | "0" | "no" | "n" => Ok(false),
        "是" | "已消除" | "true" | "1" | "yes" | "y" => Ok(true),
        _ => Err(Violation::NotAllowed {
            allowed: vec!["是".to_owned(), "否".to_owned()],
        }),
    }
}

/// Checks every row. `villages` holds the village codes (level `village`) among those
/// the sheet names; `may_write(county)` says whether the importer may register
/// households there.
pub fn plan(
    rows: &[Vec<String>],
    positions: &HashMap<&'static str, usize>,
    villages: &HashSet<String>,
    may_write: impl Fn(&RegionCode) -> bool,
    today: chrono::NaiveDate,
) -> HouseholdImportPlan {
    let mut plan = HouseholdImportPlan::default();
    let mut id_numbers_in_file: HashMap<String, usize> = HashMap::new();
    for (index, cells) in rows.iter().enumerate() {
        let row = index + 2;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        plan.read += 1;
        let cell = |column: &str| {
            positions
                .get(column)
                .and_then(|&i| cells.get(i))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let mut errors = Vec::new();
        let mut error = |column: &'static str, violation: Violation| {
            errors.push(RowError {
                row,
                column,
                violation,
            })
        };

        let village_code = match cell("village_code") {
            "" => {
                error("village_code", Violation::Required);
                None
            }
            raw => match RegionCode::parse(raw) {
                Err(v) => {
                    error("village_code", v);
                    None
                }
                Ok(code) if !villages.contains(code.as_str()) => {
                    error("village_code", Violation::Rule(Rule::UnknownVillage));
                    None
                }
                Ok(code) => {
                    let county = code.parent().and_then(|t| t.parent());
                    if county.as_ref().is_some_and(&may_write) {
                        Some(code)
                    } else {
                        error("village_code", Violation::Rule(Rule::OutsideScope));
                        None
                    }
                }
            },
        };
        let head_name = household::parse_head_name(cell("head_name"))
            .map_err(|v| error("head_name", v))
            .ok();
        let id_number = match IdNumber::parse_as_of(cell("id_number"), today) {
            Ok(number) => match id_numbers_in_file.get(number.as_str()) {
                Some(first) => {
                    error(
                        "id_number",
                        Violation::Rule(Rule::DuplicateInFile { first_row: *first }),
                    );
                    None
                }
                None => {
                    id_numbers_in_file.insert(number.as_str().to_owned(), row);
                    Some(number)
                }
            },
            Err(v) => {
                error("id_number", v);
                None
            }
        };
        let phone = match cell("phone") {
            "" => Some(None),
            raw => Phone::parse(raw)
                .map(Some)
                .map_err(|v| error("phone", v))
                .ok(),
        };
        let members = match cell("members") {
            "" => {
                error("members", Violation::Required);
                None
            }
            raw => match raw.parse::<i32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    error(
                        "members",
                        Violation::InvalidFormat {
                            expected: "a whole number".to_owned(),
                        },
                    );
                    None
                }
            },
        };
        let category = match cell("category") {
            "" => {
                error("category", Violation::Required);
                None
            }
            raw => parse_category(raw).map_err(|v| error("category", v)).ok(),
        };
        let special_groups = parse_special_groups(cell("special_groups"))
            .map_err(|v| error("special_groups", v))
            .ok();
        let risk_eliminated = parse_yes_no(cell("risk_eliminated"))
            .map_err(|v| error("risk_eliminated", v))
            .ok();
        let note = Some(cell("note").to_owned()).filter(|n| !n.is_empty());
        let checked = match (members, special_groups) {
            (Some(members), Some(groups)) => {
                match household::check_household(members, note, groups) {
                    Ok(checked) => Some((members, checked)),
                    Err(field_errors) => {
                        for e in field_errors {
                            let column = match e.field.as_str() {
                                "members" => "members",
                                "note" => "note",
                                _ => "special_groups",
                            };
                            error(column, e.violation);
                        }
                        None
                    }
                }
            }
            _ => None,
        };
        if !errors.is_empty() {
            plan.errors.extend(errors);
            continue;
        }
        if let (
            Some(village_code),
            Some(head_name),
            Some(id_number),
            Some(phone),
            Some((members, (note, special_groups))),
            Some(category),
            Some(risk_eliminated),
        ) = (
            village_code,
            head_name,
            id_number,
            phone,
            checked,
            category,
            risk_eliminated,
        ) {
            plan.rows.push(PlannedHousehold {
                row,
                village_code,
                personal: PersonalData {
                    head_name,
                    id_number,
                    phone,
                },
                members,
                category,
                special_groups,
                risk_eliminated,
                note,
            });
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default()
    }

    fn positions() -> HashMap<&'static str, usize> {
        let header: Vec<String> = [
            "村代码",
            "户主姓名",
            "身份证号",
            "联系电话",
            "家庭人口",
            "监测类别",
            "特殊群体",
            "风险是否消除",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        header_columns(&header, |h| {
            COLUMNS
                .iter()
                .find(|(_, names)| names.contains(&h))
                .map(|(c, _)| *c)
        })
        .unwrap()
    }

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| (*s).to_owned()).collect()
    }

    fn villages() -> HashSet<String> {
        ["530102001001".to_owned(), "530103001001".to_owned()]
            .into_iter()
            .collect()
    }

    fn in_530102(county: &RegionCode) -> bool {
        county.as_str() == "530102"
    }

    #[test]
    fn a_good_row_is_planned_with_chinese_names() {
        let rows = vec![row(&[
            "530102001001",
            "张三",
            "11010519491231002x",
            "13812345678",
            "4",
            "边缘易致贫户",
            "留守儿童、残疾人",
            "否",
        ])];
        let plan = plan(&rows, &positions(), &villages(), in_530102, test_today());
        assert!(plan.is_valid(), "{:?}", plan.errors);
        let p = &plan.rows[0];
        assert_eq!(p.row, 2);
        assert_eq!(p.category, HouseholdCategory::MarginalAtRisk);
        assert_eq!(p.personal.id_number.as_str(), "11010519491231002X");
        assert_eq!(
            p.special_groups,
            vec![SpecialGroup::Disabled, SpecialGroup::LeftBehindChildren]
        );
        assert!(!p.risk_eliminated);
    }

    #[test]
    fn every_problem_is_reported_with_its_row_and_column() {
        let rows = vec![
            row(&[
                "530102001001",
                "张三",
                "11010519491231002X",
                "",
                "3",
                "脱贫不稳定户",
                "",
                "",
            ]),
            row(&["", "", "", "", "", "", "", ""]),
            row(&[
                "530103001001",
                "李四",
                "110105194912310021",
                "12345",
                "0",
                "穷",
                "富人",
                "也许",
            ]),
            row(&[
                "530102001001",
                "王五",
                "11010519491231002X",
                "",
                "2",
                "sudden_hardship",
                "",
                "是",
            ]),
        ];
        let plan = plan(&rows, &positions(), &villages(), in_530102, test_today());
        assert_eq!(plan.read, 3);
        let found: Vec<(usize, &str, &str)> = plan
            .errors
            .iter()
            .map(|e| (e.row, e.column, e.violation.code()))
            .collect();
        assert_eq!(
            found,
            vec![
                (4, "village_code", "outside_scope"),
                (4, "id_number", "check_digit"),
                (4, "phone", "invalid_format"),
                (4, "category", "not_allowed"),
                (4, "special_groups", "not_allowed"),
                (4, "risk_eliminated", "not_allowed"),
                (5, "id_number", "duplicate_in_file"),
            ]
        );
        // Members 0 is only checked once the row's other cells can be read.
        assert_eq!(plan.rows.len(), 1);
    }

    #[test]
    fn members_out_of_range_is_named() {
        let rows = vec![row(&[
            "530102001001",
            "张三",
            "11010519491231002X",
            "",
            "0",
            "sudden_hardship",
            "",
            "",
        ])];
        let plan = plan(&rows, &positions(), &villages(), in_530102, test_today());
        assert_eq!(plan.errors.len(), 1);
        assert_eq!(plan.errors[0].column, "members");
    }

    #[test]
    fn missing_columns_are_listed() {
        let header = row(&["户主姓名", "备注"]);
        let missing = header_columns(&header, |h| {
            COLUMNS
                .iter()
                .find(|(_, names)| names.contains(&h))
                .map(|(c, _)| *c)
        })
        .unwrap_err();
        assert_eq!(
            missing,
            vec!["village_code", "id_number", "members", "category"]
        );
    }
}
