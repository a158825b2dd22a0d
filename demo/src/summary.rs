//! What a run tells its caller: progress after every chunk, the summary at the end, and
//! the recorder that writes a table's rows and keeps count.

use std::fmt;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel::QueryResult;
use persistence::bulk::BulkRow;
use persistence::DbConnection;

use crate::plan::Scale;
use crate::NOTE;

/// Where a run is, reported after every chunk.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub table: &'static str,
    pub done: u64,
    pub total: u64,
}

/// Rows written to one table, and how long it took.
#[derive(Debug, Clone)]
pub struct TableSummary {
    pub table: &'static str,
    pub rows: u64,
    pub elapsed: Duration,
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    pub scale: Scale,
    pub seed: u64,
    pub as_of: NaiveDate,
    /// Tables in the order they were filled.
    pub tables: Vec<TableSummary>,
    /// Key counties after the run (designated now, or kept as they were).
    pub key_counties_national: u64,
    pub key_counties_provincial: u64,
    pub border_counties: u64,
    /// Villages with at least one tag after the run.
    pub tagged_villages: u64,
    pub elapsed: Duration,
}

impl Summary {
    /// Rows written to `table` (0 for a table the run does not fill).
    pub fn rows(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .filter(|t| t.table == table)
            .map(|t| t.rows)
            .sum()
    }

    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "demo data ({NOTE}): scale {}, seed {}, as of {}",
            self.scale, self.seed, self.as_of
        )?;
        for t in &self.tables {
            writeln!(
                f,
                "  {:<22}{:>12} rows {:>9.1} s {:>12} rows/s",
                t.table,
                thousands(t.rows),
                t.elapsed.as_secs_f64(),
                thousands(rate(t.rows, t.elapsed)),
            )?;
        }
        writeln!(
            f,
            "  {:<22}{:>12} rows {:>9.1} s",
            "total",
            thousands(self.total_rows()),
            self.elapsed.as_secs_f64()
        )?;
        write!(
            f,
            "  regions: {} key counties ({} national, {} provincial), {} border counties, {} villages tagged",
            self.key_counties_national + self.key_counties_provincial,
            self.key_counties_national,
            self.key_counties_provincial,
            self.border_counties,
            thousands(self.tagged_villages),
        )
    }
}

/// Turns progress reports into a line per table and tenth done, for a terminal.
#[derive(Debug, Default)]
pub struct ProgressLog {
    table: Option<&'static str>,
    started: Option<Instant>,
    last_tenth: u64,
}

impl ProgressLog {
    /// A line to print, when `progress` starts a table or passes another tenth of it.
    pub fn line(&mut self, progress: &Progress) -> Option<String> {
        if self.table != Some(progress.table) {
            self.table = Some(progress.table);
            self.started = Some(Instant::now());
            self.last_tenth = 0;
        }
        let tenth = (progress.done * 10)
            .checked_div(progress.total)
            .unwrap_or(10)
            .min(10);
        if progress.done > 0 && tenth == self.last_tenth {
            return None;
        }
        self.last_tenth = tenth;
        let elapsed = self.started.map(|s| s.elapsed()).unwrap_or_default();
        Some(format!(
            "demo-data: {:<20} {:>3}% ({} / {}, {} rows/s)",
            progress.table,
            tenth * 10,
            thousands(progress.done),
            thousands(progress.total),
            thousands(rate(progress.done, elapsed)),
        ))
    }
}

fn rate(rows: u64, elapsed: Duration) -> u64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        (rows as f64 / secs).round() as u64
    } else {
        0
    }
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|group| std::str::from_utf8(group).unwrap_or_default())
        .collect();
    groups.join(",")
}

/// Writes each table's rows and counts them, reporting progress after every statement.
pub(crate) struct Recorder<'p> {
    progress: &'p mut dyn FnMut(&Progress),
    tables: Vec<TableSummary>,
    started: Instant,
    total: u64,
}

impl<'p> Recorder<'p> {
    pub(crate) fn new(progress: &'p mut dyn FnMut(&Progress)) -> Recorder<'p> {
        Recorder {
            progress,
            tables: Vec::new(),
            started: Instant::now(),
            total: 0,
        }
    }

    /// The tables filled so far, in order.
    pub(crate) fn tables(&self) -> &[TableSummary] {
        &self.tables
    }

    /// Starts the next table, of `total` rows expected.
    pub(crate) fn begin(&mut self, table: &'static str, total: usize) {
        self.started = Instant::now();
        self.total = total as u64;
        self.tables.push(TableSummary {
            table,
            rows: 0,
            elapsed: Duration::ZERO,
        });
        (self.progress)(&Progress {
            table,
            done: 0,
            total: self.total,
        });
    }

    /// Inserts `rows` into the current table, in statements that stay under the
    /// bind-parameter limit, reporting progress after each.
    pub(crate) fn store<R: BulkRow>(
        &mut self,
        conn: &mut DbConnection,
        rows: &[R],
    ) -> QueryResult<()> {
        persistence::bulk::insert_rows(conn, rows, |inserted| {
            if let Some(current) = self.tables.last_mut() {
                current.rows += inserted as u64;
                current.elapsed = self.started.elapsed();
                (self.progress)(&Progress {
                    table: current.table,
                    done: current.rows,
                    total: self.total.max(current.rows),
                });
            }
        })
    }

    /// Closes the current table: its time is final.
    pub(crate) fn end(&mut self) {
        if let Some(current) = self.tables.last_mut() {
            current.elapsed = self.started.elapsed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_in_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn progress_is_logged_per_tenth() {
        let mut log = ProgressLog::default();
        let p = |done| Progress {
            table: "households",
            done,
            total: 100,
        };
        assert!(log.line(&p(0)).is_some());
        assert!(log.line(&p(5)).is_none());
        assert!(log.line(&p(10)).is_some());
        assert!(log.line(&p(12)).is_none());
        assert!(log.line(&p(100)).unwrap().contains("100%"));
    }
}
