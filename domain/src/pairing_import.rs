//! Planning an import of the pairing list from a spreadsheet: every row checked
//! against the rules and against what exists, every problem reported with its row
//! (as a spreadsheet numbers it: the header is row 1) and column. Pure: the caller
//! supplies what the database holds and stores the plan only if it has no error.

use std::collections::{HashMap, HashSet};

use crate::organization::{CreditCode, OrgStatus};
use crate::region::RegionCode;
use crate::rules::Rule;
use crate::validation::Violation;

/// The columns an import understands, by the names the province's sheets use.
pub const COLUMNS: &[(&str, &[&str])] = &[
    (
        "organization_name",
        &[
            "组织名称",
            "社会组织名称",
            "名称",
            "单位名称",
            "organization_name",
            "name",
        ],
    ),
    (
        "credit_code",
        &["统一社会信用代码", "信用代码", "credit_code"],
    ),
    (
        "county",
        &["县", "县(市、区)", "县(市,区)", "县(市区)", "county"],
    ),
    ("county_code", &["县代码", "县(市、区)代码", "county_code"]),
    ("batch", &["批次", "batch"]),
];

/// Columns every sheet must have (`county_code` may stand in for `county`).
pub const REQUIRED: &[&str] = &["organization_name", "credit_code", "county"];

/// A county as imports resolve it.
#[derive(Debug, Clone)]
pub struct CountyRef {
    pub code: RegionCode,
    pub name: String,
    pub full_name: String,
}

/// An organization that exists.
#[derive(Debug, Clone)]
pub struct OrganizationRef {
    pub id: uuid::Uuid,
    pub name: String,
    pub status: OrgStatus,
}

/// One problem in the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// As the spreadsheet shows it: the header is row 1.
    pub row: usize,
    pub column: &'static str,
    pub violation: Violation,
}

/// What a valid row does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowAction {
    /// A new pairing (of an existing organization, or of one this import creates).
    CreatePairing,
    /// The pairing exists already (not terminated): nothing to do.
    Unchanged,
}

#[derive(Debug, Clone)]
pub struct PlannedRow {
    pub row: usize,
    pub organization_name: String,
    pub credit_code: CreditCode,
    /// `None` when the import creates the organization.
    pub organization_id: Option<uuid::Uuid>,
    pub county_code: RegionCode,
    pub batch: i32,
    pub action: RowAction,
}

#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    pub rows: Vec<PlannedRow>,
    pub errors: Vec<RowError>,
    /// Data rows read (blank rows are skipped).
    pub read: usize,
}

impl ImportPlan {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// Organizations the import creates: each credit code once, with the first row's name.
    pub fn new_organizations(&self) -> Vec<&PlannedRow> {
        let mut seen = HashSet::new();
        self.rows
            .iter()
            .filter(|r| {
                r.organization_id.is_none() && seen.insert(r.credit_code.as_str().to_owned())
            })
            .collect()
    }
}

/// What went wrong with the header: the required columns missing.
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
        .filter(|c| {
            let stands_in = *c == "county" && positions.contains_key("county_code");
            !positions.contains_key(c) && !stands_in
        })
        .collect();
    if missing.is_empty() {
        Ok(positions)
    } else {
        Err(missing)
    }
}

/// Resolves a county by code or by name, unambiguously within Yunnan.
pub fn resolve_county<'a>(
    raw: &str,
    counties: &'a [CountyRef],
) -> Result<&'a CountyRef, Violation> {
    let raw = raw.trim();
    if raw.bytes().all(|b| b.is_ascii_digit()) && !raw.is_empty() {
        return counties
            .iter()
            .find(|c| c.code.as_str() == raw)
            .ok_or_else(|| {
                Violation::Rule(Rule::UnknownCounty {
                    given: raw.to_owned(),
                })
            });
    }
    let by_name: Vec<&CountyRef> = counties
        .iter()
        .filter(|c| {
            c.name == raw
                || c.full_name == raw
                || (raw.chars().count() > 2 && c.full_name.ends_with(raw))
        })
        .collect();
    match by_name.as_slice() {
        [one] => Ok(one),
        [] => Err(Violation::Rule(Rule::UnknownCounty {
            given: raw.to_owned(),
        })),
        many => {
            let names: Vec<&str> = many.iter().map(|c| c.full_name.as_str()).collect();
            Err(Violation::Rule(Rule::AmbiguousCounty {
                given: raw.to_owned(),
                candidates: names.iter().map(|n| (*n).to_owned()).collect(),
            }))
        }
    }
}

/// Plans the import of `rows` (the data rows after the header, with the header's
/// column positions).
pub fn plan(
    rows: &[Vec<String>],
    positions: &HashMap<&'static str, usize>,
    counties: &[CountyRef],
    organizations: &HashMap<String, OrganizationRef>,
    active_names: &HashMap<String, String>,
    open_pairs: &HashSet<(uuid::Uuid, String)>,
    registration_regions: &HashSet<String>,
) -> ImportPlan {
    let mut plan = ImportPlan::default();
    let mut seen_pairs: HashMap<(String, String), usize> = HashMap::new();
    let mut names_in_file: HashMap<String, (String, usize)> = HashMap::new();
    for (index, cells) in rows.iter().enumerate() {
        let row = index + 2;
        let cell = |column: &str| {
            positions
                .get(column)
                .and_then(|&i| cells.get(i))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        plan.read += 1;
        let mut errors = Vec::new();
        let mut error = |column: &'static str, violation: Violation| {
            errors.push(RowError {
                row,
                column,
                violation,
            })
        };

        let name = cell("organization_name").to_owned();
        match name.chars().count() {
            0 => error("organization_name", Violation::Required),
            n if n > 200 => error("organization_name", Violation::TooLong { max: 200 }),
            _ => {}
        }
        let credit_code = match cell("credit_code") {
            "" => {
                error("credit_code", Violation::Required);
                None
            }
            raw => CreditCode::parse(raw)
                .map_err(|v| error("credit_code", v))
                .ok(),
        };
        let county_raw = match cell("county_code") {
            "" => cell("county"),
            code => code,
        };
        let county_column = if cell("county_code").is_empty() {
            "county"
        } else {
            "county_code"
        };
        let county = match county_raw {
            "" => {
                error(county_column, Violation::Required);
                None
            }
            raw => resolve_county(raw, counties)
                .map_err(|v| error(county_column, v))
                .ok(),
        };
        let batch = match cell("batch") {
            "" => Some(1),
            raw => match raw.parse::<i32>() {
                Ok(b) if b >= 1 => Some(b),
                _ => {
                    error(
                        "batch",
                        Violation::OutOfRange {
                            min: 1,
                            max: i64::from(i32::MAX),
                        },
                    );
                    None
                }
            },
        };

        let existing = credit_code
            .as_ref()
            .and_then(|c| organizations.get(c.as_str()));
        if let (Some(code), None) = (&credit_code, existing) {
            // A new organization: its credit code must say where it is registered,
            // and its name must be free among active organizations.
            match code.registration() {
                Err(v) => error("credit_code", v),
                Ok(r) if !registration_regions.contains(r.region_code.as_str()) => error(
                    "credit_code",
                    Violation::Rule(Rule::UnknownRegistrationRegion {
                        division: r.region_code.to_string(),
                    }),
                ),
                Ok(_) => {}
            }
            if let Some(holder) = active_names
                .get(&name)
                .filter(|holder| *holder != code.as_str())
            {
                error(
                    "organization_name",
                    Violation::Rule(Rule::NameTaken {
                        holder: holder.to_string(),
                    }),
                );
            }
        }
        if let Some(code) = &credit_code {
            match names_in_file.get(code.as_str()) {
                Some((first_name, first_row)) if *first_name != name && !name.is_empty() => error(
                    "organization_name",
                    Violation::Rule(Rule::InconsistentName {
                        first_row: *first_row,
                    }),
                ),
                Some(_) => {}
                None => {
                    names_in_file.insert(code.as_str().to_owned(), (name.clone(), row));
                }
            }
        }
        if let Some(org) = existing {
            if org.status != OrgStatus::Active {
                error(
                    "credit_code",
                    Violation::Rule(Rule::OrganizationNotActive {
                        status: org.status.to_string(),
                    }),
                );
            }
        }
        if let (Some(code), Some(county)) = (&credit_code, county) {
            let key = (code.as_str().to_owned(), county.code.as_str().to_owned());
            if let Some(first) = seen_pairs.get(&key) {
                error(
                    county_column,
                    Violation::Rule(Rule::DuplicateRow { first_row: *first }),
                );
            } else {
                seen_pairs.insert(key, row);
            }
        }

        if !errors.is_empty() {
            plan.errors.extend(errors);
            continue;
        }
        let (Some(credit_code), Some(county), Some(batch)) = (credit_code, county, batch) else {
            continue;
        };
        let organization_id = existing.map(|o| o.id);
        let action = match organization_id {
            Some(id) if open_pairs.contains(&(id, county.code.as_str().to_owned())) => {
                RowAction::Unchanged
            }
            _ => RowAction::CreatePairing,
        };
        plan.rows.push(PlannedRow {
            row,
            organization_name: name,
            credit_code,
            organization_id,
            county_code: county.code.clone(),
            batch,
            action,
        });
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counties() -> Vec<CountyRef> {
        let c = |code: &str, name: &str, full: &str| CountyRef {
            code: RegionCode::parse(code).unwrap(),
            name: name.into(),
            full_name: full.into(),
        };
        vec![
            c("530102", "五华区", "云南省昆明市五华区"),
            c("530103", "盘龙区", "云南省昆明市盘龙区"),
            c("530402", "红塔区", "云南省玉溪市红塔区"),
            // Two counties of the same name in different prefectures, to test ambiguity.
            c("539901", "同名县", "云南省甲市同名县"),
            c("539902", "同名县", "云南省乙市同名县"),
        ]
    }

    fn header() -> HashMap<&'static str, usize> {
        let header: Vec<String> = ["组织名称", "统一社会信用代码", "县（市、区）", "批次"]
            .map(String::from)
            .to_vec();
        header_columns(&header, |h| {
            let h = h.replace('（', "(").replace('）', ")");
            COLUMNS
                .iter()
                .find(|(_, names)| names.contains(&h.as_str()))
                .map(|(c, _)| *c)
        })
        .unwrap()
    }

    fn rows(data: &[[&str; 4]]) -> Vec<Vec<String>> {
        data.iter()
            .map(|r| r.iter().map(|s| (*s).to_owned()).collect())
            .collect()
    }

    fn run(
        data: &[[&str; 4]],
        orgs: &HashMap<String, OrganizationRef>,
        open: &HashSet<(uuid::Uuid, String)>,
    ) -> ImportPlan {
        let regions: HashSet<String> = ["53", "5301", "5304", "530102", "530103"]
            .map(String::from)
            .into_iter()
            .collect();
        plan(
            &rows(data),
            &header(),
            &counties(),
            orgs,
            &HashMap::new(),
            open,
            &regions,
        )
    }

    #[test]
    fn valid_rows_are_planned() {
        let p = run(
            &[
                ["促进会", "51530000MJ0123456F", "五华区", "1"],
                ["促进会", "51530000mj0123456f", "530103", ""],
                ["", "", "", ""],
                ["服务中心", "52530100MJ0123464C", "昆明市盘龙区", "2"],
            ],
            &HashMap::new(),
            &HashSet::new(),
        );
        assert!(p.is_valid(), "{:?}", p.errors);
        assert_eq!(p.read, 3);
        assert_eq!(p.rows.len(), 3);
        assert_eq!(p.rows[2].row, 5);
        assert_eq!(p.rows[2].batch, 2);
        assert_eq!(p.rows[1].county_code.as_str(), "530103");
        assert_eq!(p.new_organizations().len(), 2);
    }

    #[test]
    fn every_problem_is_reported_with_row_and_column() {
        let p = run(
            &[
                ["", "51530000MJ0123456G", "五华区", "0"],
                ["会", "91350100M000100Y43", "不存在县", "1"],
                ["会", "51530000MJ0123456F", "同名县", "1"],
                ["会", "51530000MJ0123456F", "五华区", "1"],
                ["会", "51530000MJ0123456F", "530102", "1"],
                ["别名", "51530000MJ0123456F", "盘龙区", "1"],
            ],
            &HashMap::new(),
            &HashSet::new(),
        );
        let got: Vec<(usize, &str, &str)> = p
            .errors
            .iter()
            .map(|e| (e.row, e.column, e.violation.code()))
            .collect();
        assert_eq!(
            got,
            [
                (2, "organization_name", "required"),
                (2, "credit_code", "check_character"),
                (2, "batch", "out_of_range"),
                (3, "county", "unknown_county"),
                (3, "credit_code", "not_social_organization"),
                (4, "county", "ambiguous_county"),
                (6, "county", "duplicate_row"),
                (7, "organization_name", "inconsistent_name"),
            ]
        );
    }

    #[test]
    fn existing_pairings_are_unchanged_and_inactive_organizations_refused() {
        let id = uuid::Uuid::from_u128(7);
        let mut orgs = HashMap::new();
        orgs.insert(
            "51530000MJ0123456F".to_owned(),
            OrganizationRef {
                id,
                name: "促进会".into(),
                status: OrgStatus::Active,
            },
        );
        orgs.insert(
            "52530100MJ0123464C".to_owned(),
            OrganizationRef {
                id: uuid::Uuid::from_u128(8),
                name: "中心".into(),
                status: OrgStatus::Suspended,
            },
        );
        let open: HashSet<_> = [(id, "530102".to_owned())].into_iter().collect();
        let p = run(
            &[
                ["促进会", "51530000MJ0123456F", "五华区", "1"],
                ["促进会", "51530000MJ0123456F", "盘龙区", "1"],
                ["中心", "52530100MJ0123464C", "五华区", "1"],
            ],
            &orgs,
            &open,
        );
        assert_eq!(p.rows[0].action, RowAction::Unchanged);
        assert_eq!(p.rows[1].action, RowAction::CreatePairing);
        assert_eq!(p.rows[1].organization_id, Some(id));
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].violation.code(), "organization_not_active");
        assert!(p.new_organizations().is_empty());
    }

    #[test]
    fn a_header_without_required_columns_says_which() {
        let header: Vec<String> = ["组织名称", "批次"].map(String::from).to_vec();
        let missing = header_columns(&header, |h| {
            COLUMNS
                .iter()
                .find(|(_, n)| n.contains(&h))
                .map(|(c, _)| *c)
        })
        .unwrap_err();
        assert_eq!(missing, ["credit_code", "county"]);
    }
}
