//! Social organizations: who they are, where registered, their status.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use domain::organization::{OrgLevel, OrgStatus, OrgType, Sector};
use persistence::dialect::{DbTimestamp, DbUuid};
use persistence::organizations::OrganizationRow;
use persistence::DbConnection;
use rand::seq::SliceRandom;
use rand::Rng;

use crate::dice::{ymd, Weighted};
use crate::identifiers::credit_code;
use crate::vocabulary::{suffixes, themes, MODIFIERS, ROADS, SUPERVISING_UNITS};
use crate::{DemoError, Generator, NAME_PREFIX};

/// An organization as planned: its row's values and what later steps draw on.
pub(crate) struct Org {
    pub(crate) id: uuid::Uuid,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) name: String,
    pub(crate) credit_code: String,
    pub(crate) org_type: OrgType,
    pub(crate) sector: Sector,
    pub(crate) level: OrgLevel,
    pub(crate) prefecture: Option<usize>,
    pub(crate) county: Option<usize>,
    pub(crate) status: OrgStatus,
    pub(crate) created_on: NaiveDate,
    /// The last day it could start anything: `as_of`, or the day it was suspended.
    pub(crate) active_until: NaiveDate,
    pub(crate) weight: f64,
    pub(crate) party: bool,
    pub(crate) pairings: Vec<usize>,
    /// Member enterprises (name, credit code), made as they are needed.
    pub(crate) enterprises: Vec<(String, String)>,
}

impl Generator<'_> {
    pub(crate) fn plan_organizations(&mut self) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let targets = self.targets;
        let county_weights = Weighted::new(
            self.counties
                .iter()
                .map(|c| (c.villages.len() as f64).sqrt()),
        );
        let prefecture_weights =
            Weighted::new(self.prefectures.iter().map(|p| p.counties.len() as f64));
        let mut names: HashSet<String> = HashSet::new();
        for i in 0..targets.organizations {
            let dice = &mut self.dice;
            let roll: f64 = dice.rng.random();
            let level = if roll < 0.25 {
                OrgLevel::Provincial
            } else if roll < 0.55 {
                OrgLevel::Prefectural
            } else {
                OrgLevel::County
            };
            let (prefecture, county) = match level {
                OrgLevel::Provincial => (None, None),
                OrgLevel::Prefectural => (Some(prefecture_weights.sample(dice)), None),
                OrgLevel::County => {
                    let c = county_weights.sample(dice);
                    (Some(self.counties[c].prefecture), Some(c))
                }
            };
            let roll: f64 = dice.rng.random();
            let org_type = match (level, roll) {
                (OrgLevel::Provincial, r) if r < 0.15 => OrgType::Foundation,
                (_, r) if r < 0.04 => OrgType::Foundation,
                (_, r) if r < 0.28 => OrgType::SocialServiceAgency,
                _ => OrgType::SocialGroup,
            };
            let sector = *dice.pick(&[
                Sector::IndustryAssociation,
                Sector::IndustryAssociation,
                Sector::IndustryAssociation,
                Sector::Charity,
                Sector::Charity,
                Sector::Community,
                Sector::ScienceAcademic,
                Sector::SocialScience,
                Sector::CultureSports,
                Sector::Other,
            ]);
            let sector = if sector == Sector::Community && level != OrgLevel::County {
                Sector::Charity
            } else {
                sector
            };
            let region_name = match (prefecture, county) {
                (_, Some(c)) => self.counties[c].name.clone(),
                (Some(p), None) => self.prefectures[p].name.clone(),
                (None, None) => "云南省".to_owned(),
            };
            let mut name = String::new();
            for attempt in 0..40 {
                let modifier = *dice.pick(MODIFIERS);
                let theme = *dice.pick(themes(sector));
                let suffix = *dice.pick(suffixes(org_type, sector));
                name = format!("{NAME_PREFIX}{region_name}{modifier}{theme}{suffix}");
                if attempt == 39 {
                    name = format!("{NAME_PREFIX}{region_name}{modifier}{theme}{suffix}（{i}）");
                }
                if !names.contains(&name) {
                    break;
                }
            }
            names.insert(name.clone());

            let kind_digit = match org_type {
                OrgType::SocialGroup => '1',
                OrgType::SocialServiceAgency => '2',
                OrgType::Foundation => '3',
            };
            let division = match (prefecture, county) {
                (_, Some(c)) => self.counties[c].code.clone(),
                (Some(p), None) => format!("{}00", self.prefectures[p].code),
                (None, None) => "530000".to_owned(),
            };
            let code = loop {
                let serial = dice.int(0, 999_999);
                let code = credit_code(
                    &format!("5{kind_digit}{division}"),
                    &format!("MJ{serial:06}"),
                )?;
                if self.credit_codes.insert(code.clone()) {
                    break code;
                }
            };
            let roll: f64 = dice.rng.random();
            let created_on = if roll < 0.75 {
                dice.day(ymd(2023, 8, 1), ymd(2023, 10, 15))
            } else if roll < 0.9 {
                dice.day(ymd(2024, 2, 1), ymd(2024, 10, 31))
            } else {
                dice.day(ymd(2025, 2, 1), ymd(2025, 9, 30))
            }
            .unwrap_or(as_of)
            .min(as_of);
            let weight = dice.activity_weight();
            self.orgs.push(Org {
                id: uuid::Uuid::nil(),
                created_at: DateTime::UNIX_EPOCH,
                name,
                credit_code: code,
                org_type,
                sector,
                level,
                prefecture,
                county,
                status: OrgStatus::Active,
                created_on,
                active_until: as_of,
                weight,
                party: false,
                pairings: Vec::new(),
                enterprises: Vec::new(),
            });
        }
        // Statuses: a few deregistered (no pairings), a few suspended after a violation.
        let mut order: Vec<usize> = (0..self.orgs.len()).collect();
        order.shuffle(&mut self.dice.rng);
        for &i in order.iter().take(targets.deregistered) {
            self.orgs[i].status = OrgStatus::Deregistered;
        }
        for &i in order
            .iter()
            .skip(targets.deregistered)
            .take(targets.suspended)
        {
            let org = &mut self.orgs[i];
            let lo = (org.created_on + TimeDelta::days(200)).max(as_of - TimeDelta::days(300));
            if let Some(on) = self.dice.day(lo, as_of - TimeDelta::days(7)) {
                org.status = OrgStatus::Suspended;
                org.active_until = on;
            }
        }
        for org in &mut self.orgs {
            org.created_at = self.dice.at(org.created_on);
            org.id = self.dice.id(org.created_at);
        }
        Ok(())
    }

    pub(crate) fn store_organizations(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        self.recorder.begin("organizations", self.orgs.len());
        let kunming: Vec<usize> = self
            .prefectures
            .iter()
            .find(|p| p.code == "5301")
            .map(|p| p.counties.clone())
            .unwrap_or_default();
        let mut rows = Vec::with_capacity(self.orgs.len());
        for org in &self.orgs {
            let dice = &mut self.dice;
            let (registration, region_name) = match (org.county, org.prefecture) {
                (Some(c), _) => (self.counties[c].code.clone(), self.counties[c].name.clone()),
                (None, Some(p)) => (
                    self.prefectures[p].code.clone(),
                    self.prefectures[p].name.clone(),
                ),
                (None, None) => ("53".to_owned(), "云南省".to_owned()),
            };
            let address_county = match (org.county, org.prefecture) {
                (Some(c), _) => c,
                (None, Some(p)) => self.prefectures[p].counties[0],
                (None, None) if !kunming.is_empty() => *dice.pick(&kunming),
                (None, None) => 0,
            };
            let county = &self.counties[address_county];
            let prefecture = &self.prefectures[county.prefecture];
            let supervising_unit = match org.level {
                OrgLevel::Provincial if dice.chance(0.5) => {
                    Some((*dice.pick(SUPERVISING_UNITS)).to_owned())
                }
                OrgLevel::Prefectural | OrgLevel::County if dice.chance(0.4) => Some(format!(
                    "{region_name}{}",
                    dice.pick(&[
                        "农业农村局",
                        "商务局",
                        "教育体育局",
                        "卫生健康局",
                        "工商业联合会"
                    ])
                )),
                _ => None,
            };
            let phone = if dice.chance(0.6) {
                dice.mobile()?
            } else {
                dice.landline(prefecture.area_code)?
            };
            let grade = dice.chance(0.55).then(|| {
                (*dice.pick(&["1A", "2A", "3A", "3A", "3A", "4A", "4A", "5A"])).to_owned()
            });
            let (version, changed_on) = match org.status {
                OrgStatus::Suspended => (2, org.active_until),
                OrgStatus::Deregistered => (
                    2,
                    dice.day(org.created_on + TimeDelta::days(100), as_of)
                        .unwrap_or(org.created_on),
                ),
                OrgStatus::Active => (1, org.created_on),
            };
            rows.push(OrganizationRow {
                id: DbUuid(org.id),
                name: org.name.clone(),
                credit_code: org.credit_code.clone(),
                org_type: org.org_type.as_str().to_owned(),
                level: org.level.as_str().to_owned(),
                sector: Some(org.sector.as_str().to_owned()),
                registration_region_code: registration,
                supervising_unit,
                contact_name: Some(dice.person_name()),
                contact_phone: Some(phone.as_str().to_owned()),
                address: Some(format!(
                    "{}{}{}{}号",
                    prefecture.name,
                    county.name,
                    dice.pick(ROADS),
                    dice.int(1, 300)
                )),
                has_party_organization: org.party,
                evaluation_grade: grade,
                status: org.status.as_str().to_owned(),
                version,
                created_at: DbTimestamp(org.created_at),
                updated_at: DbTimestamp(dice.at(changed_on).max(org.created_at)),
            });
        }
        self.recorder.store(conn, &rows)?;
        self.recorder.end();
        Ok(())
    }
}
