//! The seeded randomness every row is drawn with, and the calendar it stays within.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use domain::organization::Phone;
use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::rngs::StdRng;
use rand::Rng;

use crate::vocabulary::{GIVEN, SURNAMES};
use crate::DemoError;

/// A date of the calendar (`NaiveDate::MIN` for one that does not exist: never asked).
pub(crate) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The seeded generator and the calendar everything is drawn within.
pub(crate) struct Dice {
    pub(crate) rng: StdRng,
    pub(crate) as_of: NaiveDate,
    /// The first instant of `as_of` in Shanghai: no timestamp is later.
    pub(crate) horizon: DateTime<Utc>,
}

impl Dice {
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    /// An integer in `lo..=hi`.
    pub(crate) fn int(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..=hi)
        }
    }

    pub(crate) fn index(&mut self, len: usize) -> usize {
        if len <= 1 {
            0
        } else {
            self.rng.random_range(0..len)
        }
    }

    /// One of `items` (which must not be empty).
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.index(items.len());
        &items[i]
    }

    /// A day in `lo..=hi`, if there is one.
    pub(crate) fn day(&mut self, lo: NaiveDate, hi: NaiveDate) -> Option<NaiveDate> {
        let span = (hi - lo).num_days();
        if span < 0 {
            return None;
        }
        Some(lo + TimeDelta::days(self.int(0, span)))
    }

    /// Office hours (08:00–19:00 Shanghai) of `day`, never after the horizon, so the
    /// instant's Shanghai date is `day` for every day up to `as_of`.
    pub(crate) fn at(&mut self, day: NaiveDate) -> DateTime<Utc> {
        let secs = self.int(0, 11 * 3600 - 1);
        let t = day.and_time(NaiveTime::MIN).and_utc() + TimeDelta::seconds(secs);
        t.min(self.horizon)
    }

    /// A version 7 UUID for a row created at `at`, its random bits from the seed.
    pub(crate) fn id(&mut self, at: DateTime<Utc>) -> uuid::Uuid {
        let random: [u8; 10] = self.rng.random();
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
    }

    /// Money in fen, roughly log-uniform between `lo_yuan` and `hi_yuan`, rounded to
    /// `round_yuan`.
    pub(crate) fn money(&mut self, lo_yuan: f64, hi_yuan: f64, round_yuan: i64) -> i64 {
        let u: f64 = self.rng.random();
        let yuan = (lo_yuan.ln() + u * (hi_yuan.ln() - lo_yuan.ln())).exp();
        let rounded = ((yuan as i64) / round_yuan).max(1) * round_yuan;
        rounded * 100
    }

    pub(crate) fn person_name(&mut self) -> String {
        let mut name = (*self.pick(SURNAMES)).to_owned();
        let given = *self.pick(GIVEN);
        name.push_str(given);
        if self.chance(0.7) {
            let given = *self.pick(GIVEN);
            name.push_str(given);
        }
        name
    }

    pub(crate) fn mobile(&mut self) -> Result<Phone, DemoError> {
        let second = self.pick(&['3', '5', '7', '8', '9']);
        let rest = self.int(0, 999_999_999);
        let raw = format!("1{second}{rest:09}");
        Phone::parse(&raw).map_err(|_| DemoError::Bug(format!("mobile number {raw}")))
    }

    pub(crate) fn landline(&mut self, area_code: &str) -> Result<Phone, DemoError> {
        let raw = if area_code == "0871" {
            format!("0871-6{:07}", self.int(0, 9_999_999))
        } else {
            format!("{area_code}-{}{:06}", self.int(2, 8), self.int(0, 999_999))
        };
        Phone::parse(&raw).map_err(|_| DemoError::Bug(format!("landline {raw}")))
    }

    /// Weights for a skewed activity level: a few organizations do much of the work.
    pub(crate) fn activity_weight(&mut self) -> f64 {
        let u: f64 = self.rng.random();
        0.3 + 4.0 * u.powi(4)
    }
}

/// Samples indexes by weight; falls back to uniform when the weights are unusable.
pub(crate) struct Weighted {
    index: Option<WeightedIndex<f64>>,
    len: usize,
}

impl Weighted {
    pub(crate) fn new(weights: impl IntoIterator<Item = f64>) -> Weighted {
        let weights: Vec<f64> = weights.into_iter().collect();
        Weighted {
            len: weights.len(),
            index: WeightedIndex::new(&weights).ok(),
        }
    }

    pub(crate) fn sample(&self, dice: &mut Dice) -> usize {
        match &self.index {
            Some(index) => index.sample(&mut dice.rng),
            None => dice.index(self.len),
        }
    }
}
