//! Live sizes: member counts of every segment and tier on the project's data,
//! computed on a background thread so the editor never waits for them.
//!
//! Edits arrive in bursts, so a job waits until no newer one has come for
//! [`DEBOUNCE`]; a job still running when a newer edit arrives is cancelled at its
//! next batch (its numbers would be stale the moment they came out).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{RecvTimeoutError, Sender, unbounded};

use crate::check::ir::Program;
use crate::eval::EvalError;
use crate::project::Config;
use crate::run;
use crate::stats::{Counter, Layout, Stats};

/// How long edits must pause before counting starts.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// One count and its share of all customers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Size {
    /// Members.
    pub count: u64,
    /// Share of all customers (`None` for an empty table).
    pub share: Option<f64>,
}

/// The sizes of one program on the data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sizes {
    /// Customers in the data.
    pub rows: u64,
    /// By segment name.
    pub segments: HashMap<String, Size>,
    /// By (tiers block, label).
    pub tiers: HashMap<(String, String), Size>,
}

impl Sizes {
    fn from_stats(stats: &Stats) -> Sizes {
        let size = |c: &crate::stats::Count| Size {
            count: c.count,
            share: c.share,
        };
        let segments = stats
            .segments
            .iter()
            .filter_map(|c| Some((c.name.clone()?, size(c))))
            .collect();
        let tiers = stats
            .tiers
            .iter()
            .flat_map(|block| {
                block
                    .labels
                    .iter()
                    .filter_map(|c| Some(((block.name.clone(), c.name.clone()?), size(c))))
            })
            .collect();
        Sizes {
            rows: stats.rows,
            segments,
            tiers,
        }
    }
}

/// A finished count.
#[derive(Debug)]
pub struct Done {
    /// The project.
    pub root: PathBuf,
    /// The edit generation it was computed for.
    pub generation: u64,
    /// The sizes, or why the data could not be read.
    pub outcome: Result<Sizes, String>,
}

struct Job {
    generation: u64,
    program: Arc<Program>,
    config: Config,
}

/// One project's background counter.
pub struct Worker {
    jobs: Sender<Job>,
    latest: Arc<AtomicU64>,
}

impl Worker {
    /// Starts the thread; finished counts go to `done`.
    pub fn spawn(root: PathBuf, done: Sender<Done>) -> std::io::Result<Worker> {
        let (jobs, queue) = unbounded::<Job>();
        let latest = Arc::new(AtomicU64::new(0));
        let current = Arc::clone(&latest);
        thread::Builder::new()
            .name("lsp-sizes".into())
            .spawn(move || {
                while let Ok(mut job) = queue.recv() {
                    loop {
                        match queue.recv_timeout(DEBOUNCE) {
                            Ok(newer) => job = newer,
                            Err(RecvTimeoutError::Timeout) => break,
                            Err(RecvTimeoutError::Disconnected) => return,
                        }
                    }
                    let generation = job.generation;
                    let stale = || current.load(Ordering::Relaxed) != generation;
                    if stale() {
                        continue;
                    }
                    let outcome = count_members(&job.program, &job.config, &stale);
                    if stale() {
                        continue;
                    }
                    let outcome = outcome.map(|stats| Sizes::from_stats(&stats));
                    let _ = done.send(Done {
                        root: root.clone(),
                        generation,
                        outcome,
                    });
                }
            })?;
        Ok(Worker { jobs, latest })
    }

    /// A newer edit: whatever is running for an older one stops.
    pub fn edited(&self, generation: u64) {
        self.latest.store(generation, Ordering::Relaxed);
    }

    /// Counts `program` for `generation` (after the debounce).
    pub fn count(&self, generation: u64, program: Arc<Program>, config: Config) {
        self.edited(generation);
        let _ = self.jobs.send(Job {
            generation,
            program,
            config,
        });
    }
}

/// The one call into the engine: member counts of every segment (paused ones
/// too) and tier of `program` on the project's data and events, through the
/// library's run API (as `segmint stats` counts). Stops early when `cancelled`
/// turns true.
fn count_members(
    program: &Program,
    config: &Config,
    cancelled: &dyn Fn() -> bool,
) -> Result<Stats, String> {
    let as_of = crate::cli::as_of(None, config);
    let data = crate::cli::data_path_as_of(None, config, as_of).map_err(|e| e.to_string())?;
    let mut select: Vec<String> = program.segments.iter().map(|s| s.name.clone()).collect();
    select.extend(program.tiers.iter().map(|t| t.name.clone()));
    let mut options = run::Options::new(as_of, data)
        .with_events(config.events.clone())
        .select(run::Selection::Named(select));
    options.key = false;
    let opened = run::Run::open(program, &options).map_err(|e| e.to_string())?;
    let mut counter = Counter::new(Layout::of_plan(program, &opened.plan, false, None));
    opened
        .execute(&mut |_| {}, &mut |batch| {
            if cancelled() {
                return Err(EvalError::Output("cancelled by a newer edit".into()));
            }
            counter
                .add(&batch)
                .map_err(|e| EvalError::Output(e.to_string()))
        })
        .map_err(|e| e.to_string())?;
    Ok(counter.finish())
}
