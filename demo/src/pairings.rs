//! Pairings of organizations with counties, and the requests to add or adjust them.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use domain::organization::{OrgLevel, OrgStatus};
use domain::region::KeyCounty;
use persistence::dialect::{DbTimestamp, DbUuid};
use persistence::pairings::{PairingRequestRow, PairingRow};
use persistence::DbConnection;
use rand::seq::SliceRandom;
use rand::Rng;

use crate::dice::{ymd, Weighted};
use crate::vocabulary::TERMINATION_REASONS;
use crate::{DemoError, Generator, NOTE};

/// A pairing as planned: the window for the projects, claims and records made under it.
pub(crate) struct PairingInfo {
    pub(crate) id: uuid::Uuid,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) org: usize,
    pub(crate) county: usize,
    pub(crate) batch: i32,
    pub(crate) established_on: NaiveDate,
    pub(crate) signed_on: Option<NaiveDate>,
    pub(crate) terminated_on: Option<NaiveDate>,
}

impl PairingInfo {
    /// Not terminated: the organization may work in the county.
    pub(crate) fn is_open(&self) -> bool {
        self.terminated_on.is_none()
    }
}

impl Generator<'_> {
    /// Every county first (so all 129 are covered, by pairings that stay open), then one
    /// pairing for every organization without one, then more until the target: mostly
    /// province-level organizations taking on more counties, key counties first.
    pub(crate) fn plan_pairings(&mut self) {
        let target = self.targets.pairings;
        let eligible: Vec<usize> = (0..self.orgs.len())
            .filter(|&o| self.orgs[o].status != OrgStatus::Deregistered)
            .collect();
        if eligible.is_empty() {
            return;
        }
        let mut county_pool: Vec<Vec<usize>> = vec![Vec::new(); self.counties.len()];
        let mut prefecture_pool: Vec<Vec<usize>> = vec![Vec::new(); self.prefectures.len()];
        let mut province_pool: Vec<usize> = Vec::new();
        for &o in &eligible {
            match (self.orgs[o].county, self.orgs[o].prefecture) {
                (Some(c), _) => county_pool[c].push(o),
                (None, Some(p)) => prefecture_pool[p].push(o),
                (None, None) => province_pool.push(o),
            }
        }
        let key_weights = Weighted::new(self.counties.iter().map(|c| match c.key {
            Some(KeyCounty::National) => 4.0,
            Some(_) => 3.0,
            None => 1.0,
        }));

        let mut order: Vec<usize> = (0..self.counties.len()).collect();
        order.shuffle(&mut self.dice.rng);
        for c in order {
            if self.pairings.len() >= target {
                break;
            }
            let p = self.counties[c].prefecture;
            let mut chosen = None;
            for attempt in 0..60 {
                let roll: f64 = self.dice.rng.random();
                let pool = if roll < 0.3 {
                    &county_pool[c]
                } else if roll < 0.6 {
                    &prefecture_pool[p]
                } else {
                    &province_pool
                };
                if pool.is_empty() {
                    continue;
                }
                let o = *self.dice.pick(pool);
                // Prefer organizations without a pairing yet.
                if self.paired.contains(&(o, c))
                    || (attempt < 40 && !self.orgs[o].pairings.is_empty())
                {
                    continue;
                }
                chosen = Some(o);
                break;
            }
            let chosen = chosen.or_else(|| {
                (0..200)
                    .map(|_| *self.dice.pick(&eligible))
                    .find(|&o| !self.paired.contains(&(o, c)))
            });
            if let Some(o) = chosen {
                self.add_pairing(o, c, false);
            }
        }

        for &o in &eligible {
            if self.pairings.len() >= target {
                break;
            }
            if !self.orgs[o].pairings.is_empty() {
                continue;
            }
            for _ in 0..10 {
                let c = self.county_for(o, true, &key_weights);
                if !self.paired.contains(&(o, c)) {
                    self.add_pairing(o, c, false);
                    break;
                }
            }
        }

        let org_weights = Weighted::new(eligible.iter().map(|&o| {
            let org = &self.orgs[o];
            org.weight
                * match org.level {
                    OrgLevel::Provincial => 3.0,
                    OrgLevel::Prefectural => 1.5,
                    OrgLevel::County => 1.0,
                }
        }));
        let mut attempts = 0;
        while self.pairings.len() < target && attempts < target * 20 {
            attempts += 1;
            let o = eligible[org_weights.sample(&mut self.dice)];
            let c = self.county_for(o, false, &key_weights);
            if !self.paired.contains(&(o, c)) {
                self.add_pairing(o, c, true);
            }
        }

        for (i, p) in self.pairings.iter().enumerate() {
            self.orgs[p.org].pairings.push(i);
            if p.is_open() {
                self.counties[p.county].open_pairings.push(i);
            }
        }
    }

    /// A county for an organization to pair with: a county-level organization's own
    /// county first, then others of its prefecture; a prefecture-level organization's
    /// counties; any county for a province-level one, key counties first.
    fn county_for(&mut self, o: usize, first: bool, key_weights: &Weighted) -> usize {
        let org = &self.orgs[o];
        match (org.county, org.prefecture) {
            (Some(c), _) if first => c,
            (_, Some(p)) => *self.dice.pick(&self.prefectures[p].counties),
            (_, None) => key_weights.sample(&mut self.dice),
        }
    }

    fn add_pairing(&mut self, o: usize, c: usize, extra: bool) {
        let as_of = self.as_of();
        let org = &self.orgs[o];
        let (lo, hi) = (org.created_on, org.active_until.min(as_of));
        let dice = &mut self.dice;
        let roll: f64 = dice.rng.random();
        let year = match (extra, roll) {
            (false, r) if r < 0.7 => 2023,
            (false, r) if r < 0.9 => 2024,
            (true, r) if r < 0.3 => 2023,
            (true, r) if r < 0.7 => 2024,
            _ => 2025,
        };
        let (from, to) = if year == 2023 {
            (ymd(2023, 10, 16), ymd(2023, 12, 31))
        } else {
            (ymd(year, 3, 1), ymd(year, 11, 30))
        };
        let established_on = dice
            .day(from.max(lo), to.min(hi))
            .or_else(|| dice.day(lo, hi))
            .unwrap_or(lo);
        let deadline = domain::pairing::default_deadline(established_on);
        let signed_on = if dice.chance(0.9) {
            let last = if dice.chance(0.92) {
                deadline
            } else {
                deadline + TimeDelta::days(90)
            };
            dice.day(established_on + TimeDelta::days(7), last.min(hi))
        } else {
            None
        };
        let terminated_on = if extra && dice.chance(0.1) {
            let from = (established_on + TimeDelta::days(30))
                .max(signed_on.map_or(established_on, |s| s + TimeDelta::days(1)));
            dice.day(from, as_of)
        } else {
            None
        };
        let created_at = dice.at(established_on);
        let id = dice.id(created_at);
        self.paired.insert((o, c));
        self.pairings.push(PairingInfo {
            id,
            created_at,
            org: o,
            county: c,
            batch: established_on.year() - 2022,
            established_on,
            signed_on,
            terminated_on,
        });
    }

    pub(crate) fn store_pairings(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        self.recorder.begin("pairings", self.pairings.len());
        let mut agreements: HashMap<i32, u32> = HashMap::new();
        let mut rows = Vec::with_capacity(self.pairings.len());
        for p in &self.pairings {
            let dice = &mut self.dice;
            let agreement_no = p.signed_on.map(|on| {
                let n = agreements.entry(on.year()).or_default();
                *n += 1;
                format!("云社结〔{}〕{:04}号", on.year(), n)
            });
            let status = match (p.terminated_on, p.signed_on) {
                (Some(_), _) => "terminated",
                (None, Some(_)) => "signed",
                (None, None) => "pending_agreement",
            };
            let last = p.terminated_on.or(p.signed_on).unwrap_or(p.established_on);
            rows.push(PairingRow {
                id: DbUuid(p.id),
                organization_id: DbUuid(self.orgs[p.org].id),
                county_code: self.counties[p.county].code.clone(),
                batch: p.batch,
                status: status.to_owned(),
                established_on: p.established_on,
                agreement_deadline: domain::pairing::default_deadline(p.established_on),
                agreement_no,
                agreement_signed_on: p.signed_on,
                terminated_on: p.terminated_on,
                termination_reason: p
                    .terminated_on
                    .map(|_| (*dice.pick(TERMINATION_REASONS)).to_owned()),
                version: 1
                    + i32::from(p.signed_on.is_some())
                    + i32::from(p.terminated_on.is_some()),
                created_at: DbTimestamp(p.created_at),
                updated_at: DbTimestamp(dice.at(last).max(p.created_at)),
            });
        }
        self.recorder.store(conn, &rows)?;
        self.recorder.end();
        Ok(())
    }

    /// Add and adjust requests: approved ones behind later pairings, rejected ones, and
    /// some still waiting for the province.
    pub(crate) fn store_pairing_requests(
        &mut self,
        conn: &mut DbConnection,
    ) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let target = self.targets.pairing_requests;
        self.recorder.begin("pairing_requests", target);
        let later: Vec<usize> = (0..self.pairings.len())
            .filter(|&p| self.pairings[p].batch >= 2 && self.pairings[p].is_open())
            .collect();
        let active: Vec<usize> = (0..self.orgs.len())
            .filter(|&o| {
                self.orgs[o].status == OrgStatus::Active && !self.orgs[o].pairings.is_empty()
            })
            .collect();
        // Approved, submitted, rejected, adjust, … so that even a few show every kind.
        const PATTERN: [&str; 10] = [
            "approved",
            "submitted",
            "rejected",
            "adjust",
            "approved",
            "submitted",
            "approved",
            "rejected",
            "submitted",
            "approved",
        ];
        let mut rows = Vec::with_capacity(target);
        let mut attempts = 0;
        while rows.len() < target && attempts < target * 50 {
            attempts += 1;
            let n = rows.len();
            let dice = &mut self.dice;
            let wanted = PATTERN[n % PATTERN.len()];
            if wanted == "approved" {
                if later.is_empty() {
                    continue;
                }
                // The request behind a later batch's pairing.
                let p = &self.pairings[*dice.pick(&later)];
                let org = &self.orgs[p.org];
                let Some(asked) = dice.day(
                    org.created_on.max(p.established_on - TimeDelta::days(40)),
                    p.established_on,
                ) else {
                    continue;
                };
                let created_at = dice.at(asked);
                let decided_at = dice.at(p.established_on).max(created_at);
                rows.push(PairingRequestRow {
                    id: DbUuid(dice.id(created_at)),
                    organization_id: DbUuid(org.id),
                    kind: "add".to_owned(),
                    county_code: self.counties[p.county].code.clone(),
                    from_pairing_id: None,
                    document_no: format!("云社助〔{}〕{}号", asked.year(), 100 + n),
                    reason: Some(format!("拟增加结对县，发挥行业资源优势（{NOTE}）")),
                    status: "approved".to_owned(),
                    decided_by: None,
                    decided_at: Some(DbTimestamp(decided_at)),
                    decision_note: Some("同意".to_owned()),
                    pairing_id: Some(DbUuid(p.id)),
                    version: 2,
                    created_at: DbTimestamp(created_at),
                    updated_at: DbTimestamp(decided_at),
                });
                continue;
            }
            if active.is_empty() {
                break;
            }
            let o = *dice.pick(&active);
            let org = &self.orgs[o];
            let c = dice.index(self.counties.len());
            if self.paired.contains(&(o, c)) {
                continue;
            }
            // An adjust request moves one of the organization's open pairings.
            let from_pairing = if wanted == "adjust" {
                let Some(&p) = org.pairings.iter().find(|&&p| self.pairings[p].is_open()) else {
                    continue;
                };
                Some(self.pairings[p].id)
            } else {
                None
            };
            let Some(asked) = dice.day(org.created_on.max(as_of - TimeDelta::days(120)), as_of)
            else {
                continue;
            };
            let created_at = dice.at(asked);
            let decided_at = if wanted == "rejected" {
                dice.day(asked, as_of).map(|d| dice.at(d).max(created_at))
            } else {
                None
            };
            let county = &self.counties[c].name;
            rows.push(PairingRequestRow {
                id: DbUuid(dice.id(created_at)),
                organization_id: DbUuid(org.id),
                kind: if from_pairing.is_some() {
                    "adjust"
                } else {
                    "add"
                }
                .to_owned(),
                county_code: self.counties[c].code.clone(),
                from_pairing_id: from_pairing.map(DbUuid),
                document_no: format!("云社助〔{}〕{}号", asked.year(), 100 + n),
                reason: Some(match from_pairing {
                    Some(_) => format!("原结对县帮扶任务调整，申请改为结对{county}（{NOTE}）"),
                    None => format!("申请新增结对{county}（{NOTE}）"),
                }),
                status: if decided_at.is_some() {
                    "rejected"
                } else {
                    "submitted"
                }
                .to_owned(),
                decided_by: None,
                decided_at: decided_at.map(DbTimestamp),
                decision_note: decided_at
                    .map(|_| "该县结对组织已较多，建议结对其他重点帮扶县".to_owned()),
                pairing_id: None,
                version: if decided_at.is_some() { 2 } else { 1 },
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(decided_at.unwrap_or(created_at)),
            });
        }
        self.recorder.store(conn, &rows)?;
        self.recorder.end();
        Ok(())
    }

    /// Open pairings, weighted by how active their organization is (key counties and
    /// active organizations more).
    pub(crate) fn open_pairing_weights(&self) -> (Vec<usize>, Weighted) {
        let open: Vec<usize> = (0..self.pairings.len())
            .filter(|&p| self.pairings[p].is_open())
            .collect();
        let weights = Weighted::new(open.iter().map(|&p| {
            let pairing = &self.pairings[p];
            let org = &self.orgs[pairing.org];
            let key = if self.counties[pairing.county].key.is_some() {
                1.6
            } else {
                1.0
            };
            let active = if org.status == OrgStatus::Active {
                1.0
            } else {
                0.4
            };
            org.weight * key * active
        }));
        (open, weights)
    }

    /// The days an organization may start work under a pairing: from the pairing's
    /// establishment to `as_of`, or to its suspension.
    pub(crate) fn window(&self, p: usize) -> (NaiveDate, NaiveDate) {
        let pairing = &self.pairings[p];
        let org = &self.orgs[pairing.org];
        (pairing.established_on, org.active_until.min(self.as_of()))
    }
}
