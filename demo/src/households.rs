//! Monitored households (personal data sealed), their small wishes, and assistance records.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use domain::household::{Household, HouseholdCategory, PersonalData, SpecialGroup};
use persistence::bulk::MAX_ROWS_PER_STATEMENT;
use persistence::dialect::{DbTimestamp, DbUuid};
use persistence::households::{AssistanceRow, HouseholdRow, WishRow};
use persistence::personal_data::Vault;
use persistence::DbConnection;
use rand::Rng;

use crate::dice::{ymd, Weighted};
use crate::identifiers::id_number;
use crate::vocabulary::{ASSISTANCE, WISHES};
use crate::{DemoError, Generator, NOTE};

/// What wishes and assistance records need of a stored household.
#[derive(Clone, Copy)]
pub(crate) struct HouseholdInfo {
    pub(crate) id: uuid::Uuid,
    pub(crate) village: u32,
    pub(crate) created_on: NaiveDate,
}

impl Generator<'_> {
    /// Monitored households, more in key counties, their personal data sealed.
    pub(crate) fn store_households(
        &mut self,
        conn: &mut DbConnection,
        vault: &Vault,
    ) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let target = self.targets.households;
        self.recorder.begin("households", target);
        let county_weights = Weighted::new(
            self.counties
                .iter()
                .map(|c| c.villages.len() as f64 * if c.key.is_some() { 2.5 } else { 1.0 }),
        );
        let mut issued: HashSet<String> = HashSet::with_capacity(target);
        let mut rows: Vec<HouseholdRow> = Vec::with_capacity(3_000);
        self.households.reserve(target);
        for _ in 0..target {
            let dice = &mut self.dice;
            let c = county_weights.sample(dice);
            let county = &self.counties[c];
            let v = *dice.pick(&county.villages);
            let first17 = loop {
                let year = as_of.year() - i32::try_from(dice.int(25, 85)).unwrap_or(50);
                let born = dice
                    .day(ymd(year, 1, 1), ymd(year, 12, 31))
                    .unwrap_or(ymd(year, 1, 1));
                let digits = format!(
                    "{}{}{:03}",
                    county.code,
                    born.format("%Y%m%d"),
                    dice.int(0, 999)
                );
                if issued.insert(digits.clone()) {
                    break digits;
                }
            };
            let phone = if dice.chance(0.75) {
                Some(dice.mobile()?)
            } else {
                None
            };
            let personal = PersonalData {
                head_name: dice.person_name(),
                id_number: id_number(&first17)?,
                phone,
            };
            let roll: f64 = dice.rng.random();
            let category = if roll < 0.4 {
                HouseholdCategory::UnstableOutOfPoverty
            } else if roll < 0.85 {
                HouseholdCategory::MarginalAtRisk
            } else {
                HouseholdCategory::SuddenHardship
            };
            let mut special_groups: Vec<SpecialGroup> = if dice.chance(0.35) {
                (0..dice.int(1, 2))
                    .map(|_| *dice.pick(SpecialGroup::ALL))
                    .collect()
            } else {
                Vec::new()
            };
            special_groups.sort_unstable();
            special_groups.dedup();
            let members = if special_groups.contains(&SpecialGroup::ElderlyAlone) {
                1
            } else {
                i32::try_from(dice.int(1, 7)).unwrap_or(1)
            };
            let created_on = dice.day(ymd(2023, 11, 1), as_of).unwrap_or(as_of);
            let created_at = dice.at(created_on);
            let changed = dice.chance(0.5);
            let updated_at = if changed {
                let on = dice.day(created_on, as_of).unwrap_or(created_on);
                dice.at(on).max(created_at)
            } else {
                created_at
            };
            let household = Household {
                id: dice.id(created_at),
                village_code: domain::RegionCode::parse(&self.villages[v].code).map_err(|_| {
                    DemoError::Bug(format!("village code {}", self.villages[v].code))
                })?,
                personal,
                members,
                category,
                special_groups,
                risk_eliminated: dice.chance(0.4),
                note: Some(NOTE.to_owned()),
                version: if changed { 2 } else { 1 },
                created_at,
                updated_at,
            };
            rows.push(HouseholdRow::seal(&household, vault)?);
            self.households.push(HouseholdInfo {
                id: household.id,
                village: u32::try_from(v).unwrap_or(0),
                created_on,
            });
            if rows.len() == 3_000 {
                self.recorder.store(conn, &rows)?;
                rows.clear();
            }
        }
        self.recorder.store(conn, &rows)?;
        self.recorder.end();
        Ok(())
    }

    /// Small wishes: about half fulfilled (each with the assistance record that
    /// fulfilled it), some claimed, some open, a few cancelled.
    pub(crate) fn store_wishes(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let count = self.targets.wishes.min(self.households.len());
        self.recorder.begin("wishes", count);
        let chosen = rand::seq::index::sample(&mut self.dice.rng, self.households.len(), count);
        let mut chosen: Vec<usize> = chosen.into_iter().collect();
        chosen.sort_unstable();
        let mut rows = Vec::with_capacity(count);
        for h in chosen {
            let household = self.households[h];
            let village = &self.villages[household.village as usize];
            let county = &self.counties[village.county];
            let dice = &mut self.dice;
            let created_on = dice.day(household.created_on, as_of).unwrap_or(as_of);
            let created_at = dice.at(created_on);
            let id = dice.id(created_at);
            let (wish, lo, hi) = *dice.pick(WISHES);
            let estimated = dice.money(lo, hi, 10);
            let roll: f64 = dice.rng.random();
            let wanted = if roll < 0.5 {
                "fulfilled"
            } else if roll < 0.7 {
                "claimed"
            } else if roll < 0.95 {
                "open"
            } else {
                "cancelled"
            };
            // A claim: an organization paired with the county, while it may act.
            let mut claim = None;
            if matches!(wanted, "fulfilled" | "claimed") && !county.open_pairings.is_empty() {
                for _ in 0..5 {
                    let p = &self.pairings[*dice.pick(&county.open_pairings)];
                    let org = &self.orgs[p.org];
                    let until = org.active_until.min(as_of);
                    if let Some(on) = dice.day(created_on.max(p.established_on), until) {
                        claim = Some((p.org, on, until));
                        break;
                    }
                }
            }
            let mut status = match (wanted, claim) {
                ("fulfilled" | "claimed", None) => "open",
                (s, _) => s,
            };
            let claimed_at = claim.map(|(_, on, _)| dice.at(on).max(created_at));
            let fulfilled_on = match (status, claim) {
                ("fulfilled", Some((_, on, until))) => dice.day(on, until),
                _ => None,
            };
            if status == "fulfilled" && fulfilled_on.is_none() {
                status = "claimed";
            }
            let fulfilment_note = fulfilled_on.map(|_| format!("已帮助实现心愿：{wish}（{NOTE}）"));
            let fulfilled_at =
                fulfilled_on.map(|d| dice.at(d).max(claimed_at.unwrap_or(created_at)));
            if let (Some(given_on), Some((o, _, _)), Some(at), Some(note)) =
                (fulfilled_on, claim, fulfilled_at, &fulfilment_note)
            {
                let kind = if dice.chance(0.8) { "goods" } else { "service" };
                self.wish_assistance.push(AssistanceRow {
                    id: DbUuid(dice.id(at)),
                    household_id: DbUuid(household.id),
                    organization_id: DbUuid(self.orgs[o].id),
                    kind: kind.to_owned(),
                    given_on,
                    value_fen: estimated,
                    description: note.clone(),
                    wish_id: Some(DbUuid(id)),
                    created_by: None,
                    created_at: DbTimestamp(at),
                    updated_at: DbTimestamp(at),
                });
            }
            let held = matches!(status, "claimed" | "fulfilled");
            let cancelled_at = (status == "cancelled").then(|| {
                let on = dice.day(created_on, as_of).unwrap_or(created_on);
                dice.at(on).max(created_at)
            });
            let updated_at = fulfilled_at
                .or(cancelled_at)
                .or(if held { claimed_at } else { None })
                .unwrap_or(created_at);
            rows.push(WishRow {
                id: DbUuid(id),
                household_id: DbUuid(household.id),
                county_code: county.code.clone(),
                village_code: village.code.clone(),
                description: format!("{wish}（{NOTE}）"),
                estimated_fen: estimated,
                status: status.to_owned(),
                claimed_by: claim
                    .filter(|_| held)
                    .map(|(o, _, _)| DbUuid(self.orgs[o].id)),
                claimed_at: claimed_at.filter(|_| held).map(DbTimestamp),
                fulfilled_on,
                fulfilment_note,
                cancel_reason: cancelled_at.map(|_| "农户已通过其他渠道解决".to_owned()),
                version: match status {
                    "open" => 1,
                    "fulfilled" => 3,
                    _ => 2,
                },
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(updated_at),
            });
        }
        self.recorder.store(conn, &rows)?;
        self.recorder.end();
        Ok(())
    }

    /// Assistance records: those that fulfilled wishes, then the rest up to the target,
    /// each by an organization paired with the household's county (most often the
    /// same one for a household), dated while both existed.
    pub(crate) fn store_assistance(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let target = self.targets.assistance_records;
        self.recorder.begin("assistance_records", target);
        let linked = std::mem::take(&mut self.wish_assistance);
        self.recorder.store(conn, &linked)?;
        if self.households.is_empty() {
            self.recorder.end();
            return Ok(());
        }
        let kinds = Weighted::new(ASSISTANCE.iter().map(|a| a.2));
        let mut rows: Vec<AssistanceRow> = Vec::with_capacity(MAX_ROWS_PER_STATEMENT);
        let mut made = linked.len();
        let mut misses = 0;
        while made < target && misses < target {
            let dice = &mut self.dice;
            let h = dice.index(self.households.len());
            let household = self.households[h];
            let county = &self.counties[self.villages[household.village as usize].county];
            if county.open_pairings.is_empty() {
                misses += 1;
                continue;
            }
            let p = if dice.chance(0.7) {
                // The household's usual helper.
                let spread = (h as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
                county.open_pairings[(spread % county.open_pairings.len() as u64) as usize]
            } else {
                *dice.pick(&county.open_pairings)
            };
            let pairing = &self.pairings[p];
            let org = &self.orgs[pairing.org];
            let Some(given_on) = dice.day(
                household.created_on.max(pairing.established_on),
                org.active_until.min(as_of),
            ) else {
                misses += 1;
                continue;
            };
            let (kind, description, _, lo, hi) = ASSISTANCE[kinds.sample(dice)];
            let value_fen = if hi > 0.0 { dice.money(lo, hi, 10) } else { 0 };
            let created_at = dice.at(given_on);
            rows.push(AssistanceRow {
                id: DbUuid(dice.id(created_at)),
                household_id: DbUuid(household.id),
                organization_id: DbUuid(org.id),
                kind: kind.as_str().to_owned(),
                given_on,
                value_fen,
                description: format!("{description}（{NOTE}）"),
                wish_id: None,
                created_by: None,
                created_at: DbTimestamp(created_at),
                updated_at: DbTimestamp(created_at),
            });
            made += 1;
            if rows.len() == MAX_ROWS_PER_STATEMENT {
                self.recorder.store(conn, &rows)?;
                rows.clear();
            }
        }
        self.recorder.store(conn, &rows)?;
        self.recorder.end();
        Ok(())
    }
}
