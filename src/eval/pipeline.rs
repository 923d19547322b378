//! Batches in, membership batches out, evaluated on several threads, delivered
//! in input order.
//!
//! The calling thread reads the source (for Parquet, row groups are already
//! decoded in parallel underneath) and hands each batch, numbered, to the
//! workers through a bounded queue; workers evaluate and send results back; the
//! calling thread puts them back in order and delivers them (the sink need not
//! be `Send`: it writes files and the terminal). At most `window` batches are
//! taken and not yet delivered, so memory is bounded whatever the row count.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;

use super::EvalError;
use crate::data::BatchIter;

/// Evaluation threads besides the calling thread: the evaluation share of the
/// threads ([`crate::threads::budget`]), at most [`MAX_WORKERS`]; none means the
/// calling thread evaluates each batch as it reads it.
pub(crate) fn workers() -> usize {
    crate::threads::budget().evaluators.min(MAX_WORKERS)
}

const MAX_WORKERS: usize = 8;

type Numbered<T> = (usize, T);

/// Evaluates every batch of `batches` with `evaluate` on `workers` threads and
/// passes the results to `deliver` in input order. The first error (reading,
/// evaluating or delivering) stops the run and is returned.
pub(crate) fn run(
    batches: BatchIter<'_>,
    workers: usize,
    evaluate: &(dyn Fn(&RecordBatch, usize) -> Result<RecordBatch, EvalError> + Sync),
    deliver: &mut dyn FnMut(RecordBatch) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let window = 2 * workers;
    let (work_tx, work_rx) = sync_channel::<Numbered<(usize, RecordBatch)>>(window);
    let (done_tx, done_rx) = sync_channel::<Numbered<Result<RecordBatch, EvalError>>>(window);
    let work_rx = Arc::new(Mutex::new(work_rx));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                while let Some((seq, (offset, batch))) = take(&work_rx) {
                    // a panic must come back as this batch's result: a worker that
                    // died silently would leave the feeder waiting for it forever
                    let result = catch_unwind(AssertUnwindSafe(|| evaluate(&batch, offset)))
                        .unwrap_or_else(|_| Err(stopped()));
                    if done_tx.send((seq, result)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        // `feed` owns both channel ends the workers wait on, so when it returns
        // (done or failed) every worker's recv/send fails and the scope can join
        feed(batches, window, work_tx, done_rx, deliver)
    })
}

/// One worker's next batch; `None` once the feeder is gone.
fn take(
    work: &Mutex<Receiver<Numbered<(usize, RecordBatch)>>>,
) -> Option<Numbered<(usize, RecordBatch)>> {
    let receiver = match work.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    receiver.recv().ok()
}

/// The calling thread's loop: keep up to `window` batches in flight, deliver
/// results in order as they complete.
fn feed(
    mut batches: BatchIter<'_>,
    window: usize,
    work: SyncSender<Numbered<(usize, RecordBatch)>>,
    done: Receiver<Numbered<Result<RecordBatch, EvalError>>>,
    deliver: &mut dyn FnMut(RecordBatch) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let mut taken = 0usize;
    let mut delivered = 0usize;
    let mut exhausted = false;
    let mut offset = 0usize;
    let mut ready: BTreeMap<usize, Result<RecordBatch, EvalError>> = BTreeMap::new();
    loop {
        while !exhausted && taken - delivered < window {
            match batches.next() {
                Some(batch) => {
                    let batch = batch.map_err(EvalError::from)?;
                    let rows = batch.num_rows();
                    work.send((taken, (offset, batch))).map_err(|_| stopped())?;
                    offset += rows;
                    taken += 1;
                }
                None => exhausted = true,
            }
        }
        if taken == delivered {
            return Ok(());
        }
        let (seq, result) = done.recv().map_err(|_| stopped())?;
        ready.insert(seq, result);
        while let Some(result) = ready.remove(&delivered) {
            delivered += 1;
            deliver(result?)?;
        }
    }
}

/// A worker panicked, or the workers are gone: report it instead of hanging.
fn stopped() -> EvalError {
    EvalError::Arrow(ArrowError::ComputeError(
        "an evaluation thread stopped".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{AsArray, Int64Array};
    use arrow::datatypes::Int64Type;
    use std::time::Duration;

    fn numbered(n: usize) -> BatchIter<'static> {
        Box::new((0..n).map(|i| {
            let column: arrow::array::ArrayRef = Arc::new(Int64Array::from(vec![i as i64]));
            Ok(RecordBatch::try_from_iter([("i", column)]).unwrap())
        }))
    }

    fn value(batch: &RecordBatch) -> i64 {
        batch.column(0).as_primitive::<Int64Type>().value(0)
    }

    /// Later batches finish first (earlier ones sleep longer), yet the sink
    /// sees them in input order.
    #[test]
    fn results_are_delivered_in_input_order() {
        let evaluate = |b: &RecordBatch, _: usize| {
            std::thread::sleep(Duration::from_millis(((50 - value(b)) % 7) as u64));
            Ok(b.clone())
        };
        let mut seen = Vec::new();
        run(numbered(50), 3, &evaluate, &mut |b| {
            seen.push(value(&b));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
    }

    /// A panicking evaluation is an error for its batch, not a hang.
    #[test]
    fn a_panicking_worker_is_an_error() {
        let panics = |b: &RecordBatch, _: usize| {
            assert!(value(b) != 3, "deliberate");
            Ok(b.clone())
        };
        let result = run(numbered(10), 2, &panics, &mut |_| Ok(()));
        assert!(matches!(result, Err(EvalError::Arrow(_))));
    }

    /// An error from a worker or from the sink stops the run (no hang), after
    /// delivering exactly the batches before it.
    #[test]
    fn the_first_error_stops_the_run() {
        let failing = |b: &RecordBatch, _: usize| {
            if value(b) == 20 {
                Err(EvalError::Output("bad batch".into()))
            } else {
                Ok(b.clone())
            }
        };
        let mut seen = Vec::new();
        let result = run(numbered(100), 2, &failing, &mut |b| {
            seen.push(value(&b));
            Ok(())
        });
        assert!(matches!(result, Err(EvalError::Output(m)) if m == "bad batch"));
        assert_eq!(seen, (0..20).collect::<Vec<_>>());

        let identity = |b: &RecordBatch, _: usize| Ok(b.clone());
        let mut delivered = 0;
        let result = run(numbered(100), 2, &identity, &mut |b| {
            delivered += 1;
            if value(&b) == 5 {
                return Err(EvalError::Output("disk full".into()));
            }
            Ok(())
        });
        assert!(matches!(result, Err(EvalError::Output(m)) if m == "disk full"));
        assert_eq!(delivered, 6);
    }
}
