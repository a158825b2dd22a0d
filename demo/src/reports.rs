//! Half-year reports of the prefectures and annual reports of organizations.

use std::collections::HashSet;

use chrono::{Datelike, TimeDelta};
use domain::organization::{OrgLevel, OrgStatus};
use domain::report::Period;
use persistence::dialect::{DbTimestamp, DbUuid};
use persistence::reports::ReportRow;
use persistence::DbConnection;

use crate::dice::ymd;
use crate::{DemoError, Generator, NOTE};

impl Generator<'_> {
    /// Half-year reports of every prefecture for 2024 and 2025, and annual reports of
    /// most province-level organizations; a few late, a few still drafts.
    pub(crate) fn store_reports(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let mut rows = Vec::new();
        let mut open_per_prefecture = vec![0u64; self.prefectures.len()];
        let mut counties_per_prefecture: Vec<HashSet<usize>> =
            vec![HashSet::new(); self.prefectures.len()];
        for p in self.pairings.iter().filter(|p| p.is_open()) {
            let prefecture = self.counties[p.county].prefecture;
            open_per_prefecture[prefecture] += 1;
            counties_per_prefecture[prefecture].insert(p.county);
        }
        let serialize = |value: serde_json::Value| value.to_string();
        for year in [2024, 2025] {
            for half in [1u8, 2] {
                let period = Period {
                    year,
                    half: Some(half),
                };
                let end = if half == 1 {
                    ymd(year, 6, 30)
                } else {
                    ymd(year, 12, 31)
                };
                if end >= as_of {
                    continue;
                }
                for (i, prefecture) in self.prefectures.iter().enumerate() {
                    let dice = &mut self.dice;
                    let due = period.due_on();
                    let created_on = dice
                        .day(end - TimeDelta::days(20), end + TimeDelta::days(5))
                        .unwrap_or(end)
                        .min(as_of);
                    let submitted_on = if dice.chance(0.92) {
                        dice.day(
                            created_on.max(end + TimeDelta::days(1)),
                            (due + TimeDelta::days(12)).min(as_of),
                        )
                    } else {
                        None
                    };
                    let progress = format!(
                        "{NOTE}。{}本半年社会组织结对帮扶{}个县（市、区），现有结对{}个，累计实施帮扶项目{}个。",
                        prefecture.name,
                        counties_per_prefecture[i].len(),
                        open_per_prefecture[i],
                        self.projects_per_prefecture[i],
                    );
                    let sections = if submitted_on.is_some() {
                        serde_json::json!({
                            "progress": progress,
                            "problems": "部分结对协议签订滞后，个别项目资金到位率偏低，县级项目库入库进度不一。",
                            "good_practices": "推行“社会组织+合作社+农户”模式，建立县级联络员周调度机制。",
                        })
                    } else {
                        serde_json::json!({ "progress": progress })
                    };
                    let created_at = dice.at(created_on);
                    let submitted_at = submitted_on.map(|d| dice.at(d).max(created_at));
                    rows.push(ReportRow {
                        id: DbUuid(dice.id(created_at)),
                        kind: "semiannual".to_owned(),
                        subject: prefecture.code.clone(),
                        period: period.code(),
                        status: if submitted_at.is_some() {
                            "submitted"
                        } else {
                            "draft"
                        }
                        .to_owned(),
                        sections: serialize(sections),
                        submitted_at: submitted_at.map(DbTimestamp),
                        due_on: due,
                        version: if submitted_at.is_some() { 2 } else { 1 },
                        created_at: DbTimestamp(created_at),
                        updated_at: DbTimestamp(submitted_at.unwrap_or(created_at)),
                    });
                }
            }
            let period = Period { year, half: None };
            if as_of <= ymd(year, 12, 1) {
                continue;
            }
            for (o, org) in self.orgs.iter().enumerate() {
                if org.level != OrgLevel::Provincial
                    || org.status == OrgStatus::Deregistered
                    || org.created_on > ymd(year, 11, 30)
                {
                    continue;
                }
                let dice = &mut self.dice;
                if !dice.chance(0.85) {
                    continue;
                }
                let due = period.due_on();
                let created_on = dice
                    .day(ymd(year, 10, 15).max(org.created_on), ymd(year, 12, 10))
                    .unwrap_or(ymd(year, 12, 10))
                    .min(as_of);
                let submitted_on = if dice.chance(0.88) {
                    dice.day(
                        created_on.max(ymd(year, 11, 1)),
                        (due + TimeDelta::days(10)).min(as_of),
                    )
                } else {
                    None
                };
                let cited: Vec<String> = self
                    .cases_of
                    .get(&o)
                    .map(|cases| {
                        cases
                            .iter()
                            .filter(|(_, on)| {
                                on.year() == year && *on <= submitted_on.unwrap_or(created_on)
                            })
                            .map(|(id, _)| id.to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                let summary = format!(
                    "{NOTE}。{}年，本组织结对帮扶{}个县，持续推进产业、就业、教育等帮扶项目。",
                    year,
                    org.pairings
                        .iter()
                        .filter(|&&p| self.pairings[p].is_open())
                        .count()
                );
                let sections = if cited.is_empty() {
                    serde_json::json!({ "summary": summary })
                } else {
                    serde_json::json!({ "summary": summary, "cases_submitted": cited })
                };
                let created_at = dice.at(created_on).max(org.created_at);
                let submitted_at = submitted_on.map(|d| dice.at(d).max(created_at));
                rows.push(ReportRow {
                    id: DbUuid(dice.id(created_at)),
                    kind: "annual".to_owned(),
                    subject: org.id.to_string(),
                    period: period.code(),
                    status: if submitted_at.is_some() {
                        "submitted"
                    } else {
                        "draft"
                    }
                    .to_owned(),
                    sections: serialize(sections),
                    submitted_at: submitted_at.map(DbTimestamp),
                    due_on: due,
                    version: if submitted_at.is_some() { 2 } else { 1 },
                    created_at: DbTimestamp(created_at),
                    updated_at: DbTimestamp(submitted_at.unwrap_or(created_at)),
                });
            }
        }
        self.recorder.begin("reports", rows.len());
        self.recorder.store(conn, &rows)?;
        self.recorder.end();
        Ok(())
    }
}
