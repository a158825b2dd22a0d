//! Projects and village pairings (百会助千村), and the member enterprises behind some.

use std::collections::HashSet;

use chrono::{NaiveDate, TimeDelta};
use domain::project::{Dimension, ProjectCategory};
use persistence::dialect::{DbTimestamp, DbUuid};
use persistence::projects::{ProjectRow, VillagePairingRow};
use persistence::DbConnection;
use rand::Rng;

use crate::dice::Weighted;
use crate::identifiers::{credit_code, CREDIT_ALPHABET};
use crate::vocabulary::{category_dimension, project_phrases, ENTERPRISE_TRADES, ENTERPRISE_WORDS};
use crate::{DemoError, Generator, NAME_PREFIX, NOTE};

/// A completed project: what a typical case can tell of.
pub(crate) struct CompletedProject {
    pub(crate) id: uuid::Uuid,
    pub(crate) org: usize,
    pub(crate) county: usize,
    pub(crate) place: String,
    pub(crate) phrase: &'static str,
    pub(crate) end_on: NaiveDate,
}

impl Generator<'_> {
    /// A member enterprise of the organization: one of its own, or a new one.
    fn enterprise(&mut self, o: usize) -> Result<(String, String), DemoError> {
        let known = self.orgs[o].enterprises.len();
        if known > 0 && (known >= 4 || self.dice.chance(0.7)) {
            let i = self.dice.index(known);
            return Ok(self.orgs[o].enterprises[i].clone());
        }
        let county = match (self.orgs[o].county, self.orgs[o].prefecture) {
            (Some(c), _) => c,
            (None, Some(p)) => *self.dice.pick(&self.prefectures[p].counties),
            (None, None) => self.dice.index(self.counties.len()),
        };
        let dice = &mut self.dice;
        let name = format!(
            "{NAME_PREFIX}云南{}{}有限公司",
            dice.pick(ENTERPRISE_WORDS),
            dice.pick(ENTERPRISE_TRADES)
        );
        let body: String = std::iter::once("MA".to_owned())
            .chain((0..6).map(|_| char::from(*dice.pick(CREDIT_ALPHABET)).to_string()))
            .collect();
        let code = credit_code(&format!("91{}", self.counties[county].code), &body)?;
        self.orgs[o].enterprises.push((name.clone(), code.clone()));
        Ok((name, code))
    }

    pub(crate) fn store_projects(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let target = self.targets.projects;
        self.recorder.begin("projects", target);
        let (open, weights) = self.open_pairing_weights();
        if open.is_empty() {
            self.recorder.end();
            return Ok(());
        }
        let categories = Weighted::new([0.30, 0.12, 0.15, 0.10, 0.08, 0.15, 0.10]);
        let mut rows: Vec<ProjectRow> = Vec::with_capacity(2_500);
        let (mut made, mut attempts) = (0, 0);
        while made < target && attempts < target * 10 {
            attempts += 1;
            let p = open[weights.sample(&mut self.dice)];
            let (lo, hi) = self.window(p);
            if lo > hi {
                continue;
            }
            let (o, c) = (self.pairings[p].org, self.pairings[p].county);
            let enterprise = if self.dice.chance(0.08) {
                Some(self.enterprise(o)?)
            } else {
                None
            };
            let dice = &mut self.dice;
            let category =
                ProjectCategory::ALL[categories.sample(dice) % ProjectCategory::ALL.len()];
            let dimension = if dice.chance(0.8) {
                category_dimension(category)
            } else {
                *dice.pick(Dimension::ALL)
            };
            let county = &self.counties[c];
            let village = dice
                .chance(0.75)
                .then(|| &self.villages[*dice.pick(&county.villages)]);
            let roll: f64 = dice.rng.random();
            let mut status = if roll < 0.45 {
                "completed"
            } else if roll < 0.80 {
                "in_progress"
            } else if roll < 0.92 {
                "planned"
            } else {
                "cancelled"
            };
            let mut start_on = match status {
                "completed" => dice.day(lo, hi - TimeDelta::days(30)),
                "planned" => dice.day(lo.max(as_of - TimeDelta::days(90)), hi),
                _ => dice.day(lo, hi),
            };
            if start_on.is_none() {
                status = "in_progress";
                start_on = dice.day(lo, hi);
            }
            let start_on = start_on.unwrap_or(lo);
            let end_on = if status == "completed" {
                dice.day(
                    start_on + TimeDelta::days(30),
                    (start_on + TimeDelta::days(720)).min(hi),
                )
            } else {
                None
            };
            let status = if status == "completed" && end_on.is_none() {
                "in_progress"
            } else {
                status
            };
            let committed = dice.money(10_000.0, 3_000_000.0, 100);
            let share: f64 = match status {
                "completed" => dice.rng.random_range(0.85..=1.0),
                "in_progress" => dice.rng.random_range(0.2..0.9),
                "cancelled" => dice.rng.random_range(0.0..0.3),
                _ => 0.0,
            };
            let disbursed = (((committed as f64) * share) as i64 / 100 * 100).min(committed);
            let created_on = dice
                .day(lo.max(start_on - TimeDelta::days(30)), start_on)
                .unwrap_or(start_on);
            let created_at = dice.at(created_on);
            let changed_on = match status {
                "completed" => end_on.unwrap_or(start_on),
                "planned" => created_on,
                _ => dice.day(start_on, hi).unwrap_or(start_on),
            };
            let updated_at = dice.at(changed_on).max(created_at);
            let phrase = *dice.pick(project_phrases(category));
            let place = village.map_or(county.name.as_str(), |v| v.short.as_str());
            let id = dice.id(created_at);
            let beneficiaries = match category {
                ProjectCategory::Education => dice.int(10, 300),
                _ => dice.int(10, 2_000),
            };
            let library = dice.chance(0.4);
            let brand = status == "completed" && dice.chance(0.03);
            let cancel_reason = (status == "cancelled").then(|| {
                (*dice.pick(&["资金未能落实", "与县级规划调整不符", "村里已由其他项目覆盖"]))
                    .to_owned()
            });
            rows.push(ProjectRow {
                id: DbUuid(id),
                organization_id: DbUuid(self.orgs[o].id),
                county_code: county.code.clone(),
                village_code: village.map(|v| v.code.clone()),
                title: format!("{place}{phrase}"),
                description: Some(match village {
                    Some(v) => format!("{NOTE}：在{}{}实施的{phrase}。", county.name, v.short),
                    None => format!("{NOTE}：在{}实施的{phrase}。", county.name),
                }),
                category: category.as_str().to_owned(),
                dimension: dimension.as_str().to_owned(),
                status: status.to_owned(),
                start_on,
                end_on,
                committed_fen: committed,
                disbursed_fen: disbursed,
                beneficiaries,
                enterprise_name: enterprise.as_ref().map(|e| e.0.clone()),
                enterprise_credit_code: enterprise.map(|e| e.1),
                in_county_library: library,
                brand,
                cancel_reason,
                version: match status {
                    "completed" => 3,
                    "planned" => 1,
                    _ => 2,
                },
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(updated_at),
            });
            if let (Some(end_on), "completed") = (end_on, status) {
                self.completed_projects.push(CompletedProject {
                    id,
                    org: o,
                    county: c,
                    place: place.to_owned(),
                    phrase,
                    end_on,
                });
            }
            self.projects_per_prefecture[county.prefecture] += 1;
            made += 1;
            if rows.len() == 2_500 {
                self.recorder.store(conn, &rows)?;
                rows.clear();
            }
        }
        self.recorder.store(conn, &rows)?;
        self.recorder.end();
        Ok(())
    }

    pub(crate) fn store_village_pairings(
        &mut self,
        conn: &mut DbConnection,
    ) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let target = self.targets.village_pairings;
        self.recorder.begin("village_pairings", target);
        let (open, weights) = self.open_pairing_weights();
        let mut taken: HashSet<(usize, usize, String)> = HashSet::new();
        let mut rows = Vec::with_capacity(target);
        let mut attempts = 0;
        while rows.len() < target && attempts < target * 20 && !open.is_empty() {
            attempts += 1;
            let p = open[weights.sample(&mut self.dice)];
            let (lo, hi) = self.window(p);
            if lo > hi {
                continue;
            }
            let (o, c) = (self.pairings[p].org, self.pairings[p].county);
            let v = *self.dice.pick(&self.counties[c].villages);
            let enterprise = if self.dice.chance(0.3) {
                Some(self.enterprise(o)?)
            } else {
                None
            };
            let key = (
                o,
                v,
                enterprise.as_ref().map(|e| e.1.clone()).unwrap_or_default(),
            );
            if !taken.insert(key) {
                continue;
            }
            let dice = &mut self.dice;
            let started_on = dice.day(lo, hi).unwrap_or(lo);
            let ended_on = if dice.chance(0.08) {
                dice.day(started_on + TimeDelta::days(60), as_of)
            } else {
                None
            };
            let mut focus: Vec<ProjectCategory> = (0..dice.int(1, 3))
                .map(|_| *dice.pick(ProjectCategory::ALL))
                .collect();
            focus.sort_unstable();
            focus.dedup();
            let focus = serde_json::to_string(&focus)
                .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
            let created_at = dice.at(started_on);
            let updated_at = ended_on.map_or(created_at, |d| dice.at(d).max(created_at));
            rows.push(VillagePairingRow {
                id: DbUuid(dice.id(created_at)),
                organization_id: DbUuid(self.orgs[o].id),
                village_code: self.villages[v].code.clone(),
                county_code: self.counties[c].code.clone(),
                enterprise_name: enterprise.as_ref().map(|e| e.0.clone()),
                enterprise_credit_code: enterprise.map(|e| e.1),
                focus,
                started_on,
                ended_on,
                status: if ended_on.is_some() {
                    "ended"
                } else {
                    "active"
                }
                .to_owned(),
                note: Some(NOTE.to_owned()),
                end_reason: ended_on.map(|_| "帮扶任务已完成，转入常态化联系".to_owned()),
                version: if ended_on.is_some() { 2 } else { 1 },
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(updated_at),
            });
        }
        self.recorder.store(conn, &rows)?;
        self.recorder.end();
        Ok(())
    }
}
