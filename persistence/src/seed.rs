//! Yunnan's divisions, shipped inside the binary and loaded idempotently: rows that
//! exist are left alone, so flags set since (key counties, village tags) survive.

use std::collections::HashMap;

use chrono::Utc;
use diesel::prelude::*;
use domain::region::{RegionCode, RegionLevel};

use crate::db::DbConnection;
use crate::dialect::DbTimestamp;
use crate::error::PersistenceError;
use crate::regions::RegionRow;
use crate::schema::regions;

/// National Bureau of Statistics division codes for province 53, state of 2023-06-30
/// (see data/README.md).
const YUNNAN_REGIONS_CSV: &str = include_str!("../../data/yunnan-regions-2023.csv");

/// Rows per INSERT: well inside SQLite's and PostgreSQL's limits on bind parameters.
const BATCH: usize = 1000;

struct Record {
    code: RegionCode,
    name: String,
    level: RegionLevel,
    parent: Option<RegionCode>,
}

/// Reads and checks the shipped division list and derives each region's full name
/// and counts. Parents come before their children in the result.
pub fn bundled_regions() -> Result<Vec<RegionRow>, PersistenceError> {
    parse_regions(YUNNAN_REGIONS_CSV)
}

fn parse_regions(csv_text: &str) -> Result<Vec<RegionRow>, PersistenceError> {
    let bad = |line: usize, what: String| PersistenceError::Seed(format!("line {line}: {what}"));
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut records: Vec<Record> = Vec::new();
    for (i, result) in reader.records().enumerate() {
        let line = i + 2;
        let rec = result.map_err(|e| bad(line, e.to_string()))?;
        let field = |n: usize| rec.get(n).unwrap_or_default().trim();
        let code =
            RegionCode::parse(field(0)).map_err(|_| bad(line, format!("code {:?}", field(0))))?;
        let level: RegionLevel = field(2)
            .parse()
            .map_err(|_| bad(line, format!("level {:?}", field(2))))?;
        if code.level() != level {
            return Err(bad(line, format!("code {code} is not of level {level}")));
        }
        let parent = match field(3) {
            "" => None,
            raw => Some(RegionCode::parse(raw).map_err(|_| bad(line, format!("parent {raw:?}")))?),
        };
        if parent != code.parent() {
            return Err(bad(
                line,
                format!("parent of {code} must be {:?}", code.parent()),
            ));
        }
        if field(1).is_empty() {
            return Err(bad(line, format!("{code} has no name")));
        }
        records.push(Record {
            code,
            name: field(1).to_owned(),
            level,
            parent,
        });
    }

    let index: HashMap<&str, usize> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code.as_str(), i))
        .collect();
    if index.len() != records.len() {
        return Err(PersistenceError::Seed("duplicate codes".to_owned()));
    }
    let mut children = vec![0i32; records.len()];
    let mut townships = vec![0i32; records.len()];
    let mut villages = vec![0i32; records.len()];
    let mut full_names = Vec::with_capacity(records.len());
    for record in &records {
        let mut ancestors = Vec::new();
        let mut next = record.parent.clone();
        while let Some(code) = next {
            let &i = index.get(code.as_str()).ok_or_else(|| {
                PersistenceError::Seed(format!("{} has no parent {code}", record.code))
            })?;
            ancestors.push(i);
            next = records[i].parent.clone();
        }
        if let Some(&parent) = ancestors.first() {
            children[parent] += 1;
        }
        for &a in &ancestors {
            match record.level {
                RegionLevel::Township => townships[a] += 1,
                RegionLevel::Village => villages[a] += 1,
                _ => {}
            }
        }
        let mut full_name: String = ancestors
            .iter()
            .rev()
            .map(|&a| records[a].name.as_str())
            .collect();
        full_name.push_str(&record.name);
        full_names.push(full_name);
    }

    let now = Utc::now();
    let mut rows: Vec<RegionRow> = records
        .into_iter()
        .zip(full_names)
        .enumerate()
        .map(|(i, (r, full_name))| RegionRow {
            code: r.code.as_str().to_owned(),
            name: r.name,
            level: r.level.as_str().to_owned(),
            parent_code: r.parent.map(|p| p.as_str().to_owned()),
            full_name,
            children_count: children[i],
            townships_count: townships[i],
            villages_count: villages[i],
            key_county: None,
            border_county: false,
            tags: "[]".to_owned(),
            version: 1,
            updated_at: DbTimestamp(now),
        })
        .collect();
    rows.sort_by(|a, b| (a.code.len(), &a.code).cmp(&(b.code.len(), &b.code)));
    Ok(rows)
}

/// Loads every bundled division that is not there yet, in one transaction; returns
/// how many were added (0 when the database already has them all).
pub fn seed_regions(conn: &mut DbConnection) -> Result<usize, PersistenceError> {
    let rows = bundled_regions()?;
    conn.transaction::<usize, PersistenceError, _>(|conn| {
        let mut inserted = 0;
        for batch in rows.chunks(BATCH) {
            inserted += crate::insert_or_ignore!(conn, regions::table, batch)?;
        }
        Ok(inserted)
    })
}

/// True when the regions table has any rows.
pub fn regions_present(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(regions::table.select(regions::code))).get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_list_is_complete_and_consistent() {
        let rows = bundled_regions().unwrap();
        let count = |level: &str| rows.iter().filter(|r| r.level == level).count();
        assert_eq!(count("province"), 1);
        assert_eq!(count("prefecture"), 16);
        assert_eq!(count("county"), 129);
        assert_eq!(count("township"), 1461);
        assert_eq!(count("village"), 14888);
        let wuhua = rows.iter().find(|r| r.code == "530102").unwrap();
        assert_eq!(wuhua.full_name, "云南省昆明市五华区");
        let province = &rows[0];
        assert_eq!(province.code, "53");
        assert_eq!(province.children_count, 16);
        assert_eq!(province.townships_count, 1461);
        assert_eq!(province.villages_count, 14888);
        let kunming = rows.iter().find(|r| r.code == "5301").unwrap();
        assert_eq!(kunming.children_count, 14);
    }

    #[test]
    fn inconsistent_data_is_refused() {
        let no_parent =
            "code,name,level,parent_code\n53,云南省,province,\n530102,五华区,county,5301\n";
        assert!(parse_regions(no_parent).is_err());
        let wrong_level = "code,name,level,parent_code\n53,云南省,county,\n";
        assert!(parse_regions(wrong_level).is_err());
    }
}
