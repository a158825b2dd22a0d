//! The time every rule reads: the system clock in production, a fixed instant in
//! tests, so that an HTTP test can pin "today" (deadlines, lateness, dates not in
//! the future).

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Clock {
    /// The machine's clock.
    #[default]
    System,
    /// Always this instant.
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// A clock stopped at an RFC 3339 instant (`2025-01-01T08:00:00+08:00`).
    pub fn fixed_at(rfc3339: &str) -> Option<Clock> {
        DateTime::parse_from_rfc3339(rfc3339)
            .ok()
            .map(|at| Clock::Fixed(at.with_timezone(&Utc)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => persistence::now(),
            Clock::Fixed(at) => *at,
        }
    }

    /// Today in Asia/Shanghai, the calendar the programme's deadlines follow.
    pub fn today(&self) -> NaiveDate {
        domain::pairing::shanghai_today(self.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_reads_shanghai_dates() {
        // 16:30 UTC on Dec 31 is already Jan 1 in Asia/Shanghai.
        let at = DateTime::parse_from_rfc3339("2025-12-31T16:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = Clock::Fixed(at);
        assert_eq!(clock.now(), at);
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
    }
}
