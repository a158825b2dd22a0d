//! The participation indicator (参与乡村振兴情况纳入社会组织评估): an organization's work of a
//! year as figures, each scored against the value that earns full marks, weighted by
//! the province's weights into a score from 0 to 100. Every point of the score is
//! traceable to its input.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::code_enum;
use crate::rules::Rule;
use crate::validation::{FieldError, Violation};

code_enum! {
    /// The figures behind the score.
    pub enum Indicator {
        /// Share of the agreements due in the year that were signed by their deadline.
        PairingsSignedOnTime => "pairings_signed_on_time",
        /// Counties with a non-terminated pairing.
        CountiesHelped => "counties_helped",
        /// Key assistance counties among them.
        KeyCountiesHelped => "key_counties_helped",
        /// Projects running in the year.
        Projects => "projects",
        /// Funds disbursed by those projects, in fen.
        FundsDisbursed => "funds_disbursed",
        /// Villages with an active village pairing.
        VillagesHelped => "villages_helped",
        /// Households given assistance in the year.
        HouseholdsHelped => "households_helped",
        /// Small wishes fulfilled in the year.
        WishesFulfilled => "wishes_fulfilled",
        /// Active party pairings (双百结对共建).
        PartyPairings => "party_pairings",
        /// Party activities held in the year.
        PartyActivities => "party_activities",
        /// The annual report submitted by its due date (province-level organizations).
        AnnualReportOnTime => "annual_report_on_time",
        /// Typical cases published in the year.
        CasesPublished => "cases_published",
        /// Commendations in the year.
        Commendations => "commendations",
        /// Violations in the year: each deducts its weight in points.
        Violations => "violations",
    }
}

impl Indicator {
    /// The value that earns full marks (the score of a figure is `value / full_at`,
    /// at most 1). Violations have none: each one deducts.
    pub fn full_at(self) -> f64 {
        match self {
            Indicator::PairingsSignedOnTime => 1.0,
            Indicator::CountiesHelped => 3.0,
            Indicator::KeyCountiesHelped => 1.0,
            Indicator::Projects => 5.0,
            // 1,000,000 yuan.
            Indicator::FundsDisbursed => 100_000_000.0,
            Indicator::VillagesHelped => 5.0,
            Indicator::HouseholdsHelped => 50.0,
            Indicator::WishesFulfilled => 10.0,
            Indicator::PartyPairings => 1.0,
            Indicator::PartyActivities => 4.0,
            Indicator::AnnualReportOnTime => 1.0,
            Indicator::CasesPublished => 1.0,
            Indicator::Commendations => 1.0,
            Indicator::Violations => 1.0,
        }
    }

    /// The default weight: relative for every figure but violations, whose weight is
    /// the points each one deducts.
    pub fn default_weight(self) -> i32 {
        match self {
            Indicator::PairingsSignedOnTime => 15,
            Indicator::CountiesHelped => 10,
            Indicator::KeyCountiesHelped => 10,
            Indicator::Projects => 10,
            Indicator::FundsDisbursed => 10,
            Indicator::VillagesHelped => 10,
            Indicator::HouseholdsHelped => 10,
            Indicator::WishesFulfilled => 5,
            Indicator::PartyPairings => 5,
            Indicator::PartyActivities => 5,
            Indicator::AnnualReportOnTime => 5,
            Indicator::CasesPublished => 3,
            Indicator::Commendations => 2,
            Indicator::Violations => 20,
        }
    }
}

/// The largest weight.
pub const WEIGHT_MAX: i32 = 100;

/// The province's weights, one per indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weights(BTreeMap<Indicator, i32>);

impl Default for Weights {
    fn default() -> Self {
        Weights(
            Indicator::ALL
                .iter()
                .map(|i| (*i, i.default_weight()))
                .collect(),
        )
    }
}

impl Weights {
    /// Weights as given: every indicator once, each 0–100, and not all the positive
    /// ones zero. Every problem at once, each naming `weights.<indicator>`.
    pub fn parse(given: &BTreeMap<String, i64>) -> Result<Weights, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut weights = BTreeMap::new();
        for (name, weight) in given {
            let field = format!("weights.{name}");
            match name.parse::<Indicator>() {
                Err(v) => errors.push(FieldError::new(field, v)),
                Ok(_) if !(0..=i64::from(WEIGHT_MAX)).contains(weight) => {
                    errors.push(FieldError::new(
                        field,
                        Violation::OutOfRange {
                            min: 0,
                            max: i64::from(WEIGHT_MAX),
                        },
                    ))
                }
                Ok(indicator) => {
                    weights.insert(indicator, *weight as i32);
                }
            }
        }
        for indicator in Indicator::ALL {
            if !given.contains_key(indicator.as_str()) {
                errors.push(FieldError::new(
                    format!("weights.{}", indicator.as_str()),
                    Violation::Required,
                ));
            }
        }
        if errors.is_empty()
            && weights
                .iter()
                .all(|(i, w)| *i == Indicator::Violations || *w == 0)
        {
            errors.push(FieldError::rule("weights", Rule::AllZero));
        }
        if errors.is_empty() {
            Ok(Weights(weights))
        } else {
            Err(errors)
        }
    }

    /// Weights as stored; unknown names are ignored and missing ones take the default.
    pub fn from_stored(stored: impl IntoIterator<Item = (String, i32)>) -> Weights {
        let mut weights = Weights::default();
        for (name, weight) in stored {
            if let Ok(indicator) = name.parse::<Indicator>() {
                weights.0.insert(indicator, weight.clamp(0, WEIGHT_MAX));
            }
        }
        weights
    }

    pub fn get(&self, indicator: Indicator) -> i32 {
        self.0
            .get(&indicator)
            .copied()
            .unwrap_or_else(|| indicator.default_weight())
    }

    pub fn iter(&self) -> impl Iterator<Item = (Indicator, i32)> + '_ {
        self.0.iter().map(|(i, w)| (*i, *w))
    }
}

/// One input of a score.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Input {
    pub indicator: Indicator,
    /// The figure (a share from 0 to 1 for `pairings_signed_on_time`; fen for
    /// `funds_disbursed`; 1 or 0 for `annual_report_on_time`).
    pub value: f64,
    /// The value that earns full marks (for violations: one deduction each).
    pub full_at: f64,
    pub weight: i32,
    /// False when the figure does not apply to this organization this year (no
    /// agreement due, no annual report owed): it is left out of the score.
    pub applicable: bool,
    /// Points this figure contributes (negative for violations).
    pub points: f64,
}

/// An organization's score of a year with its inputs.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Score {
    /// 0–100, rounded to one decimal.
    pub score: f64,
    pub inputs: Vec<Input>,
}

/// The figures of one organization; `None` where a figure does not apply.
pub type Figures = BTreeMap<Indicator, Option<f64>>;

/// Scores the figures: each applicable positive figure earns
/// `weight × min(1, value / full_at)`, scaled so that full marks on every applicable
/// figure make 100; each violation then deducts its weight; the result lies in 0–100.
pub fn score(figures: &Figures, weights: &Weights) -> Score {
    let positive_max: f64 = Indicator::ALL
        .iter()
        .filter(|i| **i != Indicator::Violations)
        .filter(|i| figures.get(i).copied().flatten().is_some())
        .map(|i| f64::from(weights.get(*i)))
        .sum();
    let scale = if positive_max > 0.0 {
        100.0 / positive_max
    } else {
        0.0
    };
    let mut total = 0.0;
    let inputs = Indicator::ALL
        .iter()
        .map(|indicator| {
            let weight = weights.get(*indicator);
            let value = figures.get(indicator).copied().flatten();
            let points = match (indicator, value) {
                (_, None) => 0.0,
                (Indicator::Violations, Some(v)) => -f64::from(weight) * v.max(0.0),
                (_, Some(v)) => {
                    f64::from(weight) * (v.max(0.0) / indicator.full_at()).min(1.0) * scale
                }
            };
            total += points;
            Input {
                indicator: *indicator,
                value: value.unwrap_or(0.0),
                full_at: indicator.full_at(),
                weight,
                applicable: value.is_some(),
                points: round1(points),
            }
        })
        .collect();
    Score {
        score: round1(total.clamp(0.0, 100.0)),
        inputs,
    }
}

/// Rounded to one decimal; a zero is always `0.0`, never `-0.0` (no violations:
/// `-weight × 0`).
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0 + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(value: f64) -> Figures {
        Indicator::ALL
            .iter()
            .map(|i| {
                let v = match i {
                    Indicator::Violations => 0.0,
                    other => other.full_at() * value,
                };
                (*i, Some(v))
            })
            .collect()
    }

    #[test]
    fn full_marks_everywhere_make_100_and_nothing_makes_0() {
        let weights = Weights::default();
        assert_eq!(score(&all(1.0), &weights).score, 100.0);
        assert_eq!(score(&all(5.0), &weights).score, 100.0, "capped per figure");
        assert_eq!(score(&all(0.0), &weights).score, 0.0);
        assert_eq!(score(&all(0.5), &weights).score, 50.0);
        let full = score(&all(1.0), &weights);
        let violations = full.inputs.last().unwrap();
        assert_eq!(violations.indicator, Indicator::Violations);
        assert!(violations.points.is_sign_positive(), "0.0, not -0.0");
    }

    #[test]
    fn violations_deduct_their_weight_and_the_score_stays_in_range() {
        let weights = Weights::default();
        let mut figures = all(1.0);
        figures.insert(Indicator::Violations, Some(1.0));
        let s = score(&figures, &weights);
        assert_eq!(s.score, 80.0);
        let v = s
            .inputs
            .iter()
            .find(|i| i.indicator == Indicator::Violations)
            .unwrap();
        assert_eq!(v.points, -20.0);
        figures.insert(Indicator::Violations, Some(9.0));
        assert_eq!(score(&figures, &weights).score, 0.0);
    }

    #[test]
    fn figures_that_do_not_apply_are_left_out() {
        let weights = Weights::default();
        let mut figures = all(1.0);
        figures.insert(Indicator::AnnualReportOnTime, None);
        figures.insert(Indicator::PairingsSignedOnTime, None);
        let s = score(&figures, &weights);
        assert_eq!(s.score, 100.0);
        let report = s
            .inputs
            .iter()
            .find(|i| i.indicator == Indicator::AnnualReportOnTime)
            .unwrap();
        assert!(!report.applicable);
        assert_eq!(report.points, 0.0);
    }

    #[test]
    fn the_inputs_add_up_to_the_score() {
        let weights = Weights::default();
        let mut figures = all(0.3);
        figures.insert(Indicator::Projects, Some(2.0));
        let s = score(&figures, &weights);
        let sum: f64 = s.inputs.iter().map(|i| i.points).sum();
        assert!((sum - s.score).abs() < 0.1 * Indicator::ALL.len() as f64);
        assert_eq!(s.inputs.len(), Indicator::ALL.len());
    }

    #[test]
    fn weights_are_checked_whole() {
        let mut given: BTreeMap<String, i64> = Indicator::ALL
            .iter()
            .map(|i| (i.as_str().to_owned(), 5))
            .collect();
        assert!(Weights::parse(&given).is_ok());
        given.insert("projects".to_owned(), 101);
        given.insert("bribes".to_owned(), 1);
        given.remove("villages_helped");
        let errors = Weights::parse(&given).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "weights.bribes",
                "weights.projects",
                "weights.villages_helped"
            ]
        );
        let zero: BTreeMap<String, i64> = Indicator::ALL
            .iter()
            .map(|i| {
                (
                    i.as_str().to_owned(),
                    i64::from(*i == Indicator::Violations),
                )
            })
            .collect();
        assert_eq!(
            Weights::parse(&zero).unwrap_err()[0].violation.code(),
            "all_zero"
        );
    }

    #[test]
    fn stored_weights_fill_in_defaults() {
        let w = Weights::from_stored(vec![("projects".to_owned(), 40), ("old".to_owned(), 3)]);
        assert_eq!(w.get(Indicator::Projects), 40);
        assert_eq!(w.get(Indicator::Violations), 20);
    }

    #[test]
    fn codes_match_serde() {
        Indicator::assert_codes_match_serde();
    }
}
