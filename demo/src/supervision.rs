//! Typical cases, and supervision: commendations and violations.

use chrono::Datelike;
use domain::organization::OrgStatus;
use persistence::dialect::{DbTimestamp, DbUuid};
use persistence::supervision::{CaseRow, SupervisionRow};
use persistence::DbConnection;

use crate::dice::ymd;
use crate::vocabulary::CASE_CHANNELS;
use crate::{DemoError, Generator, NAME_PREFIX, NOTE};

impl Generator<'_> {
    /// Typical cases drawn from completed projects; about half published.
    pub(crate) fn store_cases(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let count = self.targets.cases.min(self.completed_projects.len());
        self.recorder.begin("cases", count);
        let chosen =
            rand::seq::index::sample(&mut self.dice.rng, self.completed_projects.len(), count);
        let mut chosen: Vec<usize> = chosen.into_iter().collect();
        chosen.sort_unstable();
        let mut rows = Vec::with_capacity(count);
        for i in chosen {
            let project = &self.completed_projects[i];
            let dice = &mut self.dice;
            let created_on = dice.day(project.end_on, as_of).unwrap_or(as_of);
            let published_on = if dice.chance(0.55) {
                dice.day(created_on, as_of)
            } else {
                None
            };
            let created_at = dice.at(created_on);
            let org_name = self.orgs[project.org].name.trim_start_matches(NAME_PREFIX);
            let summary = format!(
                "{NOTE}：{org_name}在{}{}开展{}，形成可复制的帮扶经验。",
                self.counties[project.county].name, project.place, project.phrase
            );
            rows.push(CaseRow {
                id: DbUuid(dice.id(created_at)),
                organization_id: DbUuid(self.orgs[project.org].id),
                title: format!("{}{}的实践探索", project.place, project.phrase),
                body: format!(
                    "{summary}\n\n一、基本情况\n项目结合当地资源禀赋，聚焦群众急难愁盼。\n\n二、主要做法\n组织调研、整合资源、建立长效机制。\n\n三、取得成效\n带动农户增收，群众满意度高。"
                ),
                summary,
                county_code: self.counties[project.county].code.clone(),
                project_id: Some(DbUuid(project.id)),
                status: if published_on.is_some() { "published" } else { "submitted" }.to_owned(),
                published_on,
                channel: published_on.map(|_| (*dice.pick(CASE_CHANNELS)).to_owned()),
                version: if published_on.is_some() { 2 } else { 1 },
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(
                    published_on.map_or(created_at, |d| dice.at(d).max(created_at)),
                ),
            });
            self.cases_of
                .entry(project.org)
                .or_default()
                .push((rows[rows.len() - 1].id.0, created_on));
        }
        self.recorder.store(conn, &rows)?;
        self.recorder.end();
        Ok(())
    }

    /// Commendations, the violation behind every suspension, and a few violations that
    /// did not suspend.
    pub(crate) fn store_supervision(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let suspended: Vec<usize> = (0..self.orgs.len())
            .filter(|&o| self.orgs[o].status == OrgStatus::Suspended)
            .collect();
        let active: Vec<usize> = (0..self.orgs.len())
            .filter(|&o| self.orgs[o].status == OrgStatus::Active)
            .collect();
        let total = self.targets.commendations + suspended.len() + self.targets.violations;
        self.recorder.begin("supervision_records", total);
        let mut rows = Vec::with_capacity(total);
        let mut documents = 0;
        let mut plan: Vec<(usize, &str, bool)> = Vec::new();
        for _ in 0..self.targets.commendations {
            if !active.is_empty() {
                plan.push((*self.dice.pick(&active), "commendation", false));
            }
        }
        for &o in &suspended {
            plan.push((o, "violation", true));
        }
        for _ in 0..self.targets.violations {
            if !active.is_empty() {
                plan.push((*self.dice.pick(&active), "violation", false));
            }
        }
        for (o, kind, suspend) in plan {
            let org = &self.orgs[o];
            let dice = &mut self.dice;
            let decided_on = if suspend {
                org.active_until
            } else {
                dice.day(org.created_on.max(ymd(2024, 3, 1)), as_of)
                    .unwrap_or(as_of)
            };
            documents += 1;
            let created_at = dice.at(decided_on);
            let org_name = org.name.trim_start_matches(NAME_PREFIX);
            let description = match (kind, suspend) {
                ("commendation", _) => {
                    format!("{org_name}在助力乡村振兴工作中成效突出，予以通报表扬。（{NOTE}）")
                }
                (_, true) => format!("{org_name}违规使用帮扶资金，责令整改并暂停活动。（{NOTE}）"),
                _ => format!("{org_name}未按协议落实帮扶项目，予以约谈并责令整改。（{NOTE}）"),
            };
            rows.push(SupervisionRow {
                id: DbUuid(dice.id(created_at)),
                organization_id: DbUuid(org.id),
                kind: kind.to_owned(),
                document_no: format!("云民社〔{}〕{}号", decided_on.year(), documents),
                decided_on,
                description,
                suspend,
                created_at: DbTimestamp(created_at),
            });
        }
        self.recorder.store(conn, &rows)?;
        self.recorder.end();
        Ok(())
    }
}
