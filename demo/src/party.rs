//! Party building: party organizations, their pairings with village branches, activities.

use std::collections::HashSet;

use chrono::{NaiveDate, TimeDelta};
use domain::organization::{OrgLevel, OrgStatus};
use domain::party::{ActivityKind, PartyOrgKind};
use persistence::dialect::{DbTimestamp, DbUuid};
use persistence::party::{ActivityRow, PartyOrganizationRow, PartyPairingRow};
use persistence::DbConnection;
use rand::Rng;

use crate::dice::ymd;
use crate::{DemoError, Generator, NAME_PREFIX, NOTE};

impl Generator<'_> {
    /// Picks the organizations with a party organization: active ones with an open
    /// pairing, province-level ones more often.
    pub(crate) fn plan_party_organizations(&mut self) {
        let candidates: Vec<usize> = (0..self.orgs.len())
            .filter(|&o| {
                self.orgs[o].status == OrgStatus::Active
                    && self.orgs[o]
                        .pairings
                        .iter()
                        .any(|&p| self.pairings[p].is_open())
            })
            .collect();
        let mut ranked: Vec<(f64, usize)> = candidates
            .iter()
            .map(|&o| {
                let w = if self.orgs[o].level == OrgLevel::Provincial {
                    3.0
                } else {
                    1.0
                };
                let u: f64 = self.dice.rng.random::<f64>().max(f64::MIN_POSITIVE);
                (u.powf(1.0 / w), o)
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, o) in ranked.iter().take(self.targets.party_organizations) {
            self.orgs[o].party = true;
            self.party_orgs.push(o);
        }
        self.party_orgs.sort_unstable();
    }

    /// Party organizations, their pairings with village party branches, and activities.
    pub(crate) fn store_party(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        self.recorder
            .begin("party_organizations", self.party_orgs.len());
        // (party organization id, organization, established on)
        let mut party: Vec<(uuid::Uuid, usize, NaiveDate)> = Vec::new();
        let mut rows = Vec::with_capacity(self.party_orgs.len());
        for &o in &self.party_orgs {
            let org = &self.orgs[o];
            let dice = &mut self.dice;
            let kind = match (org.level, dice.rng.random::<f64>()) {
                (OrgLevel::Provincial, r) if r < 0.2 => PartyOrgKind::Committee,
                (_, r) if r < 0.35 => PartyOrgKind::GeneralBranch,
                _ => PartyOrgKind::Branch,
            };
            let (suffix, members) = match kind {
                PartyOrgKind::Committee => ("委员会", dice.int(50, 300)),
                PartyOrgKind::GeneralBranch => ("总支部委员会", dice.int(20, 60)),
                PartyOrgKind::Branch => ("支部委员会", dice.int(3, 30)),
            };
            let established_on = dice
                .day(ymd(2015, 1, 1), org.created_on)
                .unwrap_or(org.created_on);
            let entered = dice
                .day(
                    org.created_on,
                    (org.created_on + TimeDelta::days(60)).min(as_of),
                )
                .unwrap_or(org.created_on);
            let created_at = dice.at(entered).max(org.created_at);
            let id = dice.id(created_at);
            party.push((id, o, established_on));
            rows.push(PartyOrganizationRow {
                id: DbUuid(id),
                organization_id: DbUuid(org.id),
                name: format!(
                    "{NAME_PREFIX}中共{}{suffix}",
                    org.name.trim_start_matches(NAME_PREFIX)
                ),
                kind: kind.as_str().to_owned(),
                members: i32::try_from(members).unwrap_or(3),
                secretary_name: dice.person_name(),
                established_on,
                version: 1,
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(created_at),
            });
        }
        self.recorder.store(conn, &rows)?;
        self.recorder.end();

        let target = self.targets.party_pairings;
        self.recorder.begin("party_pairings", target);
        let mut taken: HashSet<(usize, usize)> = HashSet::new();
        // (pairing id, signed on, last day of activity)
        let mut pairs: Vec<(uuid::Uuid, NaiveDate, NaiveDate)> = Vec::new();
        let mut rows = Vec::with_capacity(target);
        let mut attempts = 0;
        while rows.len() < target && attempts < target * 50 && !party.is_empty() {
            attempts += 1;
            let k = self.dice.index(party.len());
            let (party_id, o, established_on) = party[k];
            let open: Vec<usize> = self.orgs[o]
                .pairings
                .iter()
                .copied()
                .filter(|&p| self.pairings[p].is_open())
                .collect();
            if open.is_empty() {
                continue;
            }
            let p = *self.dice.pick(&open);
            let (lo, hi) = self.window(p);
            let c = self.pairings[p].county;
            let v = *self.dice.pick(&self.counties[c].villages);
            if taken.contains(&(k, v)) {
                continue;
            }
            let dice = &mut self.dice;
            let Some(signed_on) = dice.day(lo.max(established_on).max(ymd(2024, 1, 1)), hi) else {
                continue;
            };
            taken.insert((k, v));
            let ended_on = if dice.chance(0.08) {
                dice.day(signed_on + TimeDelta::days(90), as_of)
            } else {
                None
            };
            let created_at = dice.at(signed_on);
            let id = dice.id(created_at);
            pairs.push((id, signed_on, ended_on.unwrap_or(as_of)));
            let village = &self.villages[v];
            let branch = if village.short.ends_with("社区") {
                "总支部委员会"
            } else {
                "党支部"
            };
            rows.push(PartyPairingRow {
                id: DbUuid(id),
                party_organization_id: DbUuid(party_id),
                organization_id: DbUuid(self.orgs[o].id),
                village_code: village.code.clone(),
                county_code: self.counties[c].code.clone(),
                branch_name: format!("中共{}{branch}", village.short),
                signed_on,
                status: if ended_on.is_some() { "ended" } else { "active" }.to_owned(),
                ended_on,
                goals: Some(format!(
                    "围绕组织共建、教育共抓、经验共享、阵地共筑，每季度至少开展一次联合活动。（{NOTE}）"
                )),
                version: if ended_on.is_some() { 2 } else { 1 },
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(ended_on.map_or(created_at, |d| dice.at(d).max(created_at))),
            });
        }
        self.recorder.store(conn, &rows)?;
        self.recorder.end();

        let mut rows = Vec::new();
        for (pairing_id, signed_on, last) in pairs {
            let dice = &mut self.dice;
            let count = if dice.chance(0.1) { 0 } else { dice.int(1, 7) };
            for _ in 0..count {
                let Some(held_on) = dice.day(signed_on, last) else {
                    break;
                };
                let kind = *dice.pick(ActivityKind::ALL);
                let title = match kind {
                    ActivityKind::OrganizationBuilding => "联合主题党日活动",
                    ActivityKind::Education => "党史学习教育专题讲座",
                    ActivityKind::ExperienceSharing => "乡村振兴经验交流座谈会",
                    ActivityKind::PositionBuilding => "村级党群服务阵地共建",
                };
                let created_at = dice.at(held_on);
                rows.push(ActivityRow {
                    id: DbUuid(dice.id(created_at)),
                    party_pairing_id: DbUuid(pairing_id),
                    kind: kind.as_str().to_owned(),
                    held_on,
                    title: title.to_owned(),
                    participants: i32::try_from(dice.int(5, 60)).unwrap_or(5),
                    summary: Some(format!("{title}，双方党员共同参加。（{NOTE}）")),
                    created_by: None,
                    created_at: DbTimestamp(created_at),
                });
            }
        }
        self.recorder.begin("party_activities", rows.len());
        self.recorder.store(conn, &rows)?;
        self.recorder.end();
        Ok(())
    }
}
