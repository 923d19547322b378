//! A one-line progress display on stderr for long runs: shown only when stderr is a
//! terminal and the run has taken more than a second, redrawn at most ten times a
//! second, and erased when done. Output files and stdout are never touched.

use std::io::Write;
use std::time::{Duration, Instant};

/// How long a run goes before progress appears.
const DELAY: Duration = Duration::from_secs(1);
/// The shortest time between redraws.
const TICK: Duration = Duration::from_millis(100);

/// Rows done so far, out of a total when the input knows it.
pub struct Progress {
    enabled: bool,
    /// What is being done (`evaluating`, `reading orders`).
    doing: String,
    /// What is counted (`rows`, `events`).
    unit: &'static str,
    total: Option<u64>,
    done: u64,
    started: Instant,
    drawn_at: Option<Instant>,
}

impl Progress {
    /// A display of rows evaluated that draws only when `enabled` (stderr is a terminal).
    pub fn new(enabled: bool, total: Option<u64>) -> Progress {
        Progress::of(enabled, "evaluating".into(), "rows", total)
    }

    /// A display of `unit`s done while `doing` something.
    pub fn of(enabled: bool, doing: String, unit: &'static str, total: Option<u64>) -> Progress {
        Progress {
            enabled,
            doing,
            unit,
            total,
            done: 0,
            started: Instant::now(),
            drawn_at: None,
        }
    }

    /// Counts `rows` more and redraws when due. Drawing failures are ignored: progress
    /// is a courtesy, never a reason to stop.
    pub fn advance(&mut self, rows: usize, stderr: &mut dyn Write) {
        self.done += rows as u64;
        let now = Instant::now();
        let due = now.duration_since(self.started) >= DELAY
            && self
                .drawn_at
                .is_none_or(|at| now.duration_since(at) >= TICK);
        if self.enabled && due {
            let (doing, unit) = (&self.doing, self.unit);
            let line = match self.total {
                Some(total) if total > 0 => {
                    let percent = self.done.saturating_mul(100) / total;
                    format!("{doing}: {} of {total} {unit} ({percent}%)", self.done)
                }
                _ => format!("{doing}: {} {unit}", self.done),
            };
            let _ = write!(stderr, "\r{line}\x1b[K");
            let _ = stderr.flush();
            self.drawn_at = Some(now);
        }
    }

    /// Erases the line if anything was drawn.
    pub fn finish(&mut self, stderr: &mut dyn Write) {
        if self.drawn_at.take().is_some() {
            let _ = write!(stderr, "\r\x1b[K");
            let _ = stderr.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_nothing_when_disabled_or_quick() {
        let mut out = Vec::new();
        let mut off = Progress::new(false, Some(10));
        off.advance(5, &mut out);
        off.finish(&mut out);
        let mut quick = Progress::new(true, Some(10));
        quick.advance(5, &mut out);
        quick.finish(&mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn draws_after_the_delay_and_erases_at_the_end() {
        let mut out = Vec::new();
        let mut progress = Progress::new(true, Some(200));
        progress.started -= DELAY;
        progress.advance(50, &mut out);
        progress.finish(&mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "\revaluating: 50 of 200 rows (25%)\x1b[K\r\x1b[K");
    }

    #[test]
    fn names_what_it_counts() {
        let mut out = Vec::new();
        let mut progress = Progress::of(true, "reading orders".into(), "events", None);
        progress.started -= DELAY;
        progress.advance(7, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "\rreading orders: 7 events\x1b[K");
    }
}
