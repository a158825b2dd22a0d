//! Administrative divisions (行政区划): codes, levels, and the flags the programme
//! sets on them — key assistance counties, border counties, and village types.

use crate::code_enum;
use crate::validation::Violation;

code_enum! {
    /// The level of a division; the length of its code follows from it.
    pub enum RegionLevel {
        Province => "province",
        Prefecture => "prefecture",
        County => "county",
        Township => "township",
        Village => "village",
    }
}

impl RegionLevel {
    /// The number of digits of a code at this level (统计用区划代码).
    pub fn code_len(self) -> usize {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::Prefecture => 4,
            RegionLevel::County => 6,
            RegionLevel::Township => 9,
            RegionLevel::Village => 12,
        }
    }

    /// The level directly above, if any.
    pub fn parent(self) -> Option<RegionLevel> {
        match self {
            RegionLevel::Province => None,
            RegionLevel::Prefecture => Some(RegionLevel::Province),
            RegionLevel::County => Some(RegionLevel::Prefecture),
            RegionLevel::Township => Some(RegionLevel::County),
            RegionLevel::Village => Some(RegionLevel::Township),
        }
    }
}

code_enum! {
    /// 乡村振兴重点帮扶县: designated nationally or by the province.
    pub enum KeyCounty {
        National => "national",
        Provincial => "provincial",
    }
}

code_enum! {
    /// A filter on key-county designation: one kind, or `any` for both.
    pub enum KeyCountyFilter {
        National => "national",
        Provincial => "provincial",
        Any => "any",
    }
}

code_enum! {
    /// 村类型: the kinds of village the plan names.
    pub enum VillageTag {
        /// 乡村振兴示范村
        Demonstration => "demonstration",
        /// 绿美乡村
        GreenBeautiful => "green_beautiful",
        /// 宜居宜业和美乡村
        HarmoniousBeautiful => "harmonious_beautiful",
        /// 现代化边境幸福村
        BorderHappy => "border_happy",
        /// 易地扶贫搬迁集中安置社区
        RelocationCommunity => "relocation_community",
        /// 脱贫村
        LiftedOutOfPoverty => "lifted_out_of_poverty",
        /// 集体经济薄弱村
        WeakCollectiveEconomy => "weak_collective_economy",
    }
}

/// A division code (统计用区划代码): 2, 4, 6, 9 or 12 digits, its level given by
/// its length, every prefix of the right length being an ancestor's code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(raw: &str) -> Result<Self, Violation> {
        let raw = raw.trim();
        let well_formed = raw.bytes().all(|b| b.is_ascii_digit())
            && RegionLevel::ALL.iter().any(|l| l.code_len() == raw.len());
        if well_formed {
            Ok(RegionCode(raw.to_owned()))
        } else {
            Err(Violation::InvalidFormat {
                expected: "region code".to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        RegionLevel::ALL
            .iter()
            .copied()
            .find(|l| l.code_len() == self.0.len())
            .unwrap_or(RegionLevel::Village)
    }

    /// The code of the division directly above, derived from the code itself.
    pub fn parent(&self) -> Option<RegionCode> {
        let parent_len = self.level().parent()?.code_len();
        Some(RegionCode(self.0[..parent_len].to_owned()))
    }

    /// True when `self` is `other` or lies beneath it.
    pub fn is_within(&self, other: &RegionCode) -> bool {
        self.0.starts_with(&other.0)
    }
}

impl std::fmt::Display for RegionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn code_names_match_serde() {
        RegionLevel::assert_codes_match_serde();
        KeyCounty::assert_codes_match_serde();
        KeyCountyFilter::assert_codes_match_serde();
        VillageTag::assert_codes_match_serde();
        for level in RegionLevel::ALL {
            assert_eq!(RegionLevel::from_str(level.as_str()).unwrap(), *level);
        }
        for tag in VillageTag::ALL {
            let back: VillageTag = serde_json::from_str(&format!("\"{tag}\"")).unwrap();
            assert_eq!(back, *tag);
        }
        assert_eq!(VillageTag::NAMES.len(), 7);
        assert!(KeyCounty::from_str("any").is_err());
        assert_eq!(
            KeyCountyFilter::from_str("any").unwrap(),
            KeyCountyFilter::Any
        );
    }

    #[test]
    fn codes_parse_by_length() {
        for (raw, level) in [
            ("53", RegionLevel::Province),
            ("5301", RegionLevel::Prefecture),
            ("530102", RegionLevel::County),
            ("530102001", RegionLevel::Township),
            ("530102001001", RegionLevel::Village),
        ] {
            let code = RegionCode::parse(raw).unwrap();
            assert_eq!(code.level(), level);
            assert_eq!(code.as_str(), raw);
        }
        for bad in [
            "",
            "5",
            "530",
            "53010",
            "5301020010011",
            "53a1",
            "５３",
            "-530",
        ] {
            assert!(
                RegionCode::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn every_code_lies_within_its_ancestors() {
        let village = RegionCode::parse("530102001001").unwrap();
        let mut chain = vec![village.clone()];
        while let Some(parent) = chain.last().and_then(RegionCode::parent) {
            chain.push(parent);
        }
        let codes: Vec<&str> = chain.iter().map(RegionCode::as_str).collect();
        assert_eq!(codes, ["530102001001", "530102001", "530102", "5301", "53"]);
        for ancestor in &chain {
            assert!(village.is_within(ancestor));
        }
        assert!(!village.is_within(&RegionCode::parse("5303").unwrap()));
    }

    #[test]
    fn parent_level_matches_parent_code_length() {
        // Exhaustive over levels: a parent's code is as long as its level says.
        for level in RegionLevel::ALL {
            let code = RegionCode::parse(&"5".repeat(level.code_len())).unwrap();
            match (code.parent(), level.parent()) {
                (Some(p), Some(pl)) => assert_eq!(p.level(), pl),
                (None, None) => {}
                other => panic!("mismatch for {level}: {other:?}"),
            }
        }
    }
}

/// A division as the programme sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub level: RegionLevel,
    pub parent_code: Option<RegionCode>,
    /// All ancestors' names and its own, e.g. `云南省昆明市五华区`.
    pub full_name: String,
    pub children_count: i32,
    /// Townships beneath it (for a county or prefecture).
    pub townships_count: i32,
    /// Villages beneath it (for a township, county or prefecture).
    pub villages_count: i32,
    /// Counties only.
    pub key_county: Option<KeyCounty>,
    /// Counties only.
    pub border_county: bool,
    /// Villages only; sorted, no duplicates.
    pub tags: Vec<VillageTag>,
    pub version: i32,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A county with the prefecture it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct County {
    pub region: Region,
    pub prefecture_name: String,
}

/// A change to a region's programme flags (`PATCH /regions/{code}`). `None` leaves a
/// field as it is; `key_county: Some(None)` clears the designation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionPatch {
    pub key_county: Option<Option<KeyCounty>>,
    pub border_county: Option<bool>,
    pub tags: Option<Vec<VillageTag>>,
}

impl RegionPatch {
    /// Applies the patch to `region`: the flags it may carry follow its level
    /// (designations for counties, tags for villages). Returns the region as changed
    /// and what changed; tags come out sorted and without repeats.
    pub fn apply(
        &self,
        region: &Region,
    ) -> Result<(Region, crate::change::Changes), Vec<crate::validation::FieldError>> {
        use crate::rules::{Inapplicable, Rule};
        use crate::validation::FieldError;
        let mut errors = Vec::new();
        let not_for_level = |field: &str, level: RegionLevel| {
            FieldError::rule(field, Rule::NotApplicable(Inapplicable::RegionLevel(level)))
        };
        if region.level != RegionLevel::County {
            if self.key_county.is_some() {
                errors.push(not_for_level("key_county", RegionLevel::County));
            }
            if self.border_county.is_some() {
                errors.push(not_for_level("border_county", RegionLevel::County));
            }
        }
        if region.level != RegionLevel::Village && self.tags.is_some() {
            errors.push(not_for_level("tags", RegionLevel::Village));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut next = region.clone();
        if let Some(key_county) = self.key_county {
            next.key_county = key_county;
        }
        if let Some(border) = self.border_county {
            next.border_county = border;
        }
        if let Some(tags) = &self.tags {
            let mut tags = tags.clone();
            tags.sort();
            tags.dedup();
            next.tags = tags;
        }
        let mut changes = crate::change::Changes::new();
        changes.compare("key_county", &region.key_county, &next.key_county);
        changes.compare("border_county", &region.border_county, &next.border_county);
        changes.compare("tags", &region.tags, &next.tags);
        Ok((next, changes))
    }
}

#[cfg(test)]
mod patch_tests {
    use super::*;

    fn region(code: &str) -> Region {
        let code = RegionCode::parse(code).unwrap();
        Region {
            level: code.level(),
            parent_code: code.parent(),
            code,
            name: "x".into(),
            full_name: "x".into(),
            children_count: 0,
            townships_count: 0,
            villages_count: 0,
            key_county: None,
            border_county: false,
            tags: vec![],
            version: 1,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn designations_are_for_counties_and_tags_for_villages() {
        let patch = RegionPatch {
            key_county: Some(Some(KeyCounty::National)),
            border_county: Some(true),
            tags: None,
        };
        let (next, changes) = patch.apply(&region("530102")).unwrap();
        assert_eq!(next.key_county, Some(KeyCounty::National));
        assert!(next.border_county);
        assert_eq!(
            changes.fields().collect::<Vec<_>>(),
            ["key_county", "border_county"]
        );

        let errors = patch.apply(&region("530102001001")).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["key_county", "border_county"]);

        let tags = RegionPatch {
            tags: Some(vec![VillageTag::GreenBeautiful]),
            ..Default::default()
        };
        assert_eq!(tags.apply(&region("530102")).unwrap_err()[0].field, "tags");
        assert_eq!(
            tags.apply(&region("5301")).unwrap_err()[0].violation.code(),
            "not_applicable"
        );
    }

    #[test]
    fn tags_are_sorted_and_unique_and_unchanged_fields_are_not_changes() {
        let patch = RegionPatch {
            tags: Some(vec![
                VillageTag::GreenBeautiful,
                VillageTag::Demonstration,
                VillageTag::GreenBeautiful,
            ]),
            ..Default::default()
        };
        let (next, changes) = patch.apply(&region("530102001001")).unwrap();
        assert_eq!(
            next.tags,
            [VillageTag::Demonstration, VillageTag::GreenBeautiful]
        );
        assert_eq!(
            changes.to_json()["tags"]["after"],
            serde_json::json!(["demonstration", "green_beautiful"])
        );
        let (_, again) = patch.apply(&next).unwrap();
        assert!(again.is_empty());
        let clear = RegionPatch {
            key_county: Some(None),
            ..Default::default()
        };
        let mut county = region("530102");
        county.key_county = Some(KeyCounty::Provincial);
        let (cleared, changes) = clear.apply(&county).unwrap();
        assert_eq!(cleared.key_county, None);
        assert_eq!(
            changes.to_json()["key_county"],
            serde_json::json!({"before": "provincial", "after": null})
        );
    }
}
