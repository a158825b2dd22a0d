//! Yunnan's divisions as the generator sees them, and the designations it adds: key
//! counties, border counties, village tags.

use std::collections::{BTreeMap, HashMap};

use domain::region::{KeyCounty, RegionLevel};
use domain::VillageTag;
use persistence::regions as store;
use persistence::DbConnection;
use rand::Rng;

use crate::vocabulary::{AREA_CODES, BORDER_COUNTIES};
use crate::{DemoError, Generator};

/// A prefecture (州、市) and its counties.
pub(crate) struct Prefecture {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) area_code: &'static str,
    pub(crate) counties: Vec<usize>,
}

/// A county (县、市、区): its designations, villages and open pairings.
pub(crate) struct County {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) prefecture: usize,
    pub(crate) key: Option<KeyCounty>,
    pub(crate) border: bool,
    pub(crate) villages: Vec<usize>,
    /// Non-terminated pairings with this county.
    pub(crate) open_pairings: Vec<usize>,
}

/// A village or community (村、社区).
pub(crate) struct Village {
    pub(crate) code: String,
    /// `妥洛村`, `水晶宫社区`: the name without `村民委员会` and the like.
    pub(crate) short: String,
    pub(crate) county: usize,
}

/// The prefectures, counties and villages, each pointing at its parent by index.
pub(crate) struct Divisions {
    pub(crate) prefectures: Vec<Prefecture>,
    pub(crate) counties: Vec<County>,
    pub(crate) villages: Vec<Village>,
}

impl Divisions {
    /// Reads the divisions below the province; every county must have villages.
    pub(crate) fn load(conn: &mut DbConnection) -> Result<Divisions, DemoError> {
        let regions = store::regions_at_levels(
            conn,
            &[
                RegionLevel::Prefecture,
                RegionLevel::County,
                RegionLevel::Village,
            ],
        )?;
        let mut prefectures: Vec<Prefecture> = Vec::new();
        let mut counties: Vec<County> = Vec::new();
        let mut villages: Vec<Village> = Vec::new();
        let mut prefecture_of: HashMap<String, usize> = HashMap::new();
        let mut county_of: HashMap<String, usize> = HashMap::new();
        // Ordered by code, so a parent comes before its descendants.
        for region in regions {
            let code = region.code.as_str().to_owned();
            match region.level {
                RegionLevel::Prefecture => {
                    let area_code = AREA_CODES
                        .iter()
                        .find(|(p, _)| *p == code)
                        .map_or("0871", |(_, a)| a);
                    prefecture_of.insert(code.clone(), prefectures.len());
                    prefectures.push(Prefecture {
                        code,
                        name: region.name,
                        area_code,
                        counties: Vec::new(),
                    });
                }
                RegionLevel::County => {
                    let Some(&prefecture) = prefecture_of.get(&code[..4]) else {
                        continue;
                    };
                    county_of.insert(code.clone(), counties.len());
                    prefectures[prefecture].counties.push(counties.len());
                    counties.push(County {
                        code,
                        name: region.name,
                        prefecture,
                        key: region.key_county,
                        border: region.border_county,
                        villages: Vec::new(),
                        open_pairings: Vec::new(),
                    });
                }
                _ => {
                    let Some(&county) = county_of.get(&code[..6]) else {
                        continue;
                    };
                    counties[county].villages.push(villages.len());
                    villages.push(Village {
                        short: village_short_name(&region.name),
                        code,
                        county,
                    });
                }
            }
        }
        // Only counties with villages can hold households and village pairings.
        if counties.is_empty() || counties.iter().any(|c| c.villages.is_empty()) {
            return Err(DemoError::Invalid(
                "the regions are not loaded (or a county has no villages): run `zhenxing seed-regions` first"
                    .to_owned(),
            ));
        }
        Ok(Divisions {
            prefectures,
            counties,
            villages,
        })
    }
}

/// `五华山社区居民委员会` → `五华山社区`, `妥洛村民委员会` → `妥洛村`.
fn village_short_name(name: &str) -> String {
    for (suffix, replacement) in [
        ("村民委员会", "村"),
        ("社区居民委员会", "社区"),
        ("居民委员会", "社区"),
        ("社区居委会", "社区"),
        ("村委会", "村"),
        ("居委会", "社区"),
    ] {
        if let Some(stem) = name.strip_suffix(suffix) {
            // `发基村村委会` is 发基村, not 发基村村.
            return if stem.ends_with(replacement) {
                stem.to_owned()
            } else {
                format!("{stem}{replacement}")
            };
        }
    }
    name.to_owned()
}

impl Generator<'_> {
    /// Designates 27 national and 30 provincial key counties, the 25 border counties
    /// and village tags — each only when none is set yet, so designations made by the
    /// province are kept.
    pub(crate) fn region_flags(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let at = self.dice.horizon;
        if self.counties.iter().all(|c| c.key.is_none()) {
            // Rural counties (not city districts), more likely the more villages they have.
            let mut ranked: Vec<(f64, usize)> = self
                .counties
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.name.ends_with('区'))
                .map(|(i, c)| {
                    let u: f64 = self.dice.rng.random::<f64>().max(f64::MIN_POSITIVE);
                    (u.powf(1.0 / c.villages.len().max(1) as f64), i)
                })
                .collect();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            for (n, (_, i)) in ranked.iter().take(57).enumerate() {
                self.counties[*i].key = Some(if n < 27 {
                    KeyCounty::National
                } else {
                    KeyCounty::Provincial
                });
            }
            for key in [KeyCounty::National, KeyCounty::Provincial] {
                let codes: Vec<String> = self
                    .counties
                    .iter()
                    .filter(|c| c.key == Some(key))
                    .map(|c| c.code.clone())
                    .collect();
                store::designate_key_counties(conn, &codes, key, at)?;
            }
        }
        self.key_national = self
            .counties
            .iter()
            .filter(|c| c.key == Some(KeyCounty::National))
            .count() as u64;
        self.key_provincial = self
            .counties
            .iter()
            .filter(|c| c.key == Some(KeyCounty::Provincial))
            .count() as u64;

        if self.counties.iter().all(|c| !c.border) {
            let codes: Vec<String> = self
                .counties
                .iter_mut()
                .filter(|c| BORDER_COUNTIES.iter().any(|b| c.name.starts_with(b)))
                .map(|c| {
                    c.border = true;
                    c.code.clone()
                })
                .collect();
            store::designate_border_counties(conn, &codes, at)?;
        }
        self.border_counties = self.counties.iter().filter(|c| c.border).count() as u64;

        let tagged = store::count_tagged_villages(conn)?;
        if tagged > 0 {
            self.tagged_villages = tagged as u64;
            return Ok(());
        }
        // Villages grouped by their tags: one statement per group and thousand villages.
        let mut by_tags: BTreeMap<Vec<VillageTag>, Vec<String>> = BTreeMap::new();
        for v in 0..self.villages.len() {
            let county = &self.counties[self.villages[v].county];
            let (key, border) = (county.key.is_some(), county.border);
            let community = self.villages[v].short.ends_with("社区");
            let mut tags = Vec::new();
            let dice = &mut self.dice;
            if dice.chance(if key { 0.45 } else { 0.12 }) && !community {
                tags.push(VillageTag::LiftedOutOfPoverty);
            }
            if dice.chance(0.08) {
                tags.push(VillageTag::WeakCollectiveEconomy);
            }
            if dice.chance(0.025) {
                tags.push(VillageTag::Demonstration);
            }
            if dice.chance(0.03) {
                tags.push(VillageTag::GreenBeautiful);
            }
            if dice.chance(0.02) {
                tags.push(VillageTag::HarmoniousBeautiful);
            }
            if border && dice.chance(0.35) {
                tags.push(VillageTag::BorderHappy);
            }
            if community && key && dice.chance(0.3) {
                tags.push(VillageTag::RelocationCommunity);
            }
            if tags.is_empty() {
                continue;
            }
            tags.sort_unstable();
            by_tags
                .entry(tags)
                .or_default()
                .push(self.villages[v].code.clone());
        }
        for (tags, codes) in by_tags {
            self.tagged_villages += store::tag_villages(conn, &codes, &tags, at)? as u64;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn village_names_are_shortened() {
        assert_eq!(village_short_name("妥洛村民委员会"), "妥洛村");
        assert_eq!(village_short_name("水晶宫社区居民委员会"), "水晶宫社区");
        assert_eq!(village_short_name("发基村村委会"), "发基村");
        assert_eq!(village_short_name("某某"), "某某");
    }
}
