//! The counted statistics of recent years, shared by the stats endpoints: dashboards
//! poll them, and counting a year takes a few hundred milliseconds at the programme's
//! full size. One request counts at a time (the others wait for its result), and a
//! count is reused for `ttl` (`computed_at` in the answers says when it was made).

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::error::ApiError;

pub struct StatsCache {
    ttl: Duration,
    counted: futures_util::lock::Mutex<HashMap<i32, CountedYear>>,
}

/// A year's figures: when they were counted (monotonic, and as shown), and them. The
/// figures' type is the stats module's own; the cache only keeps them.
struct CountedYear {
    at: Instant,
    computed_at: DateTime<Utc>,
    figures: Arc<dyn Any + Send + Sync>,
}

impl StatsCache {
    pub fn new(ttl: Duration) -> Self {
        StatsCache {
            ttl,
            counted: futures_util::lock::Mutex::new(HashMap::new()),
        }
    }

    /// The figures of `year` from the cache while fresh, else counted by `count` (at
    /// `now`, which the answer reports as `computed_at`).
    pub async fn year<T, F, Fut>(
        &self,
        year: i32,
        now: DateTime<Utc>,
        count: F,
    ) -> Result<(Arc<T>, DateTime<Utc>), ApiError>
    where
        T: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        // Held across the count: concurrent requests wait for this one's result.
        let mut entries = self.counted.lock().await;
        if let Some(entry) = entries.get(&year) {
            if entry.at.elapsed() < self.ttl {
                if let Ok(figures) = entry.figures.clone().downcast::<T>() {
                    return Ok((figures, entry.computed_at));
                }
            }
        }
        let fresh = Arc::new(count().await?);
        if self.ttl.is_zero() {
            entries.clear();
        } else {
            // Only this year and last are asked for often; drop older ones.
            entries.retain(|y, _| (*y - year).abs() <= 1);
            entries.insert(
                year,
                CountedYear {
                    at: Instant::now(),
                    computed_at: now,
                    figures: fresh.clone(),
                },
            );
        }
        Ok((fresh, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_year_is_counted_once_while_fresh() {
        let cache = StatsCache::new(Duration::from_secs(60));
        let now = Utc::now();
        let (a, at) = cache.year(2025, now, || async { Ok(1u32) }).await.unwrap();
        let (b, _) = cache
            .year(2025, Utc::now(), || async { Ok(2u32) })
            .await
            .unwrap();
        assert_eq!((*a, *b, at), (1, 1, now));
        let (c, _) = cache.year(2024, now, || async { Ok(3u32) }).await.unwrap();
        assert_eq!(*c, 3);
        let fresh = StatsCache::new(Duration::ZERO);
        fresh.year(2025, now, || async { Ok(1u32) }).await.unwrap();
        let (d, _) = fresh.year(2025, now, || async { Ok(2u32) }).await.unwrap();
        assert_eq!(*d, 2);
    }
}
