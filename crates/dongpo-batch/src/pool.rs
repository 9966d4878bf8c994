//! The worker pool: documents go to the workers through a bounded queue and reports come
//! back through another; at most `in_flight` documents (queued, being verified, or
//! finished but waiting for an earlier one) are held at any time, however long the
//! stream. The input is pulled on the caller's thread only when there is room, which is
//! the back-pressure: a slow consumer slows the reading of documents.
//!
//! Documents travel in chunks: handing them over one by one (a futex wake-up and often a
//! context switch each) took about a tenth of a worker's time on RSA-2048 documents.

use std::collections::{BTreeMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use dongpo_icao::Outcome;
use dongpo_icao::passive_auth::Document;

use crate::error::BatchError;
use crate::shared::Shared;

/// Documents per hand-over (fewer when `in_flight` is smaller).
const CHUNK: usize = 16;

/// Documents with their input positions.
type Job = Vec<(u64, Document)>;

/// A report, or why there is none, for the document at an input position.
type Done = (u64, Result<Outcome, BatchError>);

/// Threads, channels and counters behind [`Reports`] and [`Tagged`].
struct Engine<I> {
    input: I,
    jobs: Option<SyncSender<Job>>,
    results: Receiver<Vec<Done>>,
    /// Reports received and not yet handed on.
    ready: VecDeque<Done>,
    workers: Vec<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    in_flight: u64,
    chunk: usize,
    /// Documents sent to the workers.
    dispatched: u64,
    /// Reports received from the workers.
    received: u64,
    /// Reports handed to the caller.
    released: u64,
    /// The workers vanished with documents outstanding.
    broken: bool,
}

impl<I: Iterator<Item = Document>> Engine<I> {
    fn start(
        shared: &Arc<Shared>,
        input: I,
        threads: usize,
        in_flight: usize,
    ) -> Result<Self, BatchError> {
        let chunk = CHUNK.min(in_flight).max(1);
        let (job_tx, job_rx) = sync_channel::<Job>(in_flight.div_ceil(chunk));
        let (done_tx, done_rx) = sync_channel::<Vec<Done>>(in_flight.div_ceil(chunk));
        let job_rx = Arc::new(Mutex::new(job_rx));
        let stop = Arc::new(AtomicBool::new(false));
        let mut workers = Vec::with_capacity(threads);
        for n in 0..threads {
            let (shared, jobs, done, stop) = (
                shared.clone(),
                job_rx.clone(),
                done_tx.clone(),
                stop.clone(),
            );
            let handle = std::thread::Builder::new()
                .name(format!("dongpo-batch-{n}"))
                .spawn(move || work(&shared, &jobs, &done, &stop))
                .map_err(BatchError::Spawn)?;
            workers.push(handle);
        }
        Ok(Engine {
            input,
            jobs: Some(job_tx),
            results: done_rx,
            ready: VecDeque::new(),
            workers,
            stop,
            in_flight: in_flight as u64,
            chunk,
            dispatched: 0,
            received: 0,
            released: 0,
            broken: false,
        })
    }

    /// Sends chunks of documents while a whole chunk fits under `in_flight`.
    fn fill(&mut self) {
        loop {
            let held = self.dispatched - self.released;
            let room = usize::try_from(self.in_flight - held).unwrap_or(usize::MAX);
            if room < self.chunk {
                return;
            }
            let Some(jobs) = &self.jobs else { return };
            let first = self.dispatched;
            let chunk: Job = (first..)
                .zip(self.input.by_ref().take(self.chunk))
                .collect();
            let sent = chunk.len() as u64;
            if sent == 0 || jobs.send(chunk).is_err() {
                // Closing the queue lets the workers finish and exit.
                self.jobs = None;
                return;
            }
            self.dispatched += sent;
            if sent < self.chunk as u64 {
                self.jobs = None;
                return;
            }
        }
    }

    /// The next report to come back, in completion order.
    fn next_done(&mut self) -> Option<Done> {
        if let Some(done) = self.ready.pop_front() {
            return Some(done);
        }
        self.fill();
        if self.received == self.dispatched {
            return None;
        }
        match self.results.recv() {
            Ok(chunk) => {
                self.received += chunk.len() as u64;
                self.ready.extend(chunk);
                self.ready.pop_front()
            }
            Err(_) => {
                self.broken = true;
                None
            }
        }
    }
}

impl<I> Drop for Engine<I> {
    fn drop(&mut self) {
        // Queued documents are drained unverified; the workers exit when the queue closes.
        self.stop.store(true, Ordering::Relaxed);
        self.jobs = None;
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

fn work(
    shared: &Shared,
    jobs: &Mutex<Receiver<Job>>,
    done: &SyncSender<Vec<Done>>,
    stop: &AtomicBool,
) {
    loop {
        let job = match jobs.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(chunk) = job else { return };
        if stop.load(Ordering::Relaxed) {
            continue;
        }
        let reports = chunk
            .into_iter()
            .map(|(index, document)| {
                let report = catch_unwind(AssertUnwindSafe(|| shared.verify(&document)))
                    .map_err(|_| BatchError::Panicked { index });
                (index, report)
            })
            .collect();
        if done.send(reports).is_err() {
            return;
        }
    }
}

/// Reports in input order (see [`crate::BatchVerifier::verify`]).
pub struct Reports<I> {
    engine: Engine<I>,
    next: u64,
    waiting: BTreeMap<u64, Result<Outcome, BatchError>>,
}

impl<I: Iterator<Item = Document>> Reports<I> {
    pub(crate) fn start(
        shared: &Arc<Shared>,
        input: I,
        threads: usize,
        in_flight: usize,
    ) -> Result<Self, BatchError> {
        Ok(Reports {
            engine: Engine::start(shared, input, threads, in_flight)?,
            next: 0,
            waiting: BTreeMap::new(),
        })
    }
}

impl<I: Iterator<Item = Document>> Iterator for Reports<I> {
    type Item = Result<Outcome, BatchError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(report) = self.waiting.remove(&self.next) {
                self.next += 1;
                self.engine.released += 1;
                return Some(report);
            }
            match self.engine.next_done() {
                Some((index, report)) => {
                    self.waiting.insert(index, report);
                }
                None if self.engine.broken && self.next < self.engine.dispatched => {
                    let missing = self.engine.dispatched - self.next;
                    // Report the loss once, then end.
                    self.next = self.engine.dispatched;
                    self.waiting.clear();
                    return Some(Err(BatchError::WorkersGone { missing }));
                }
                None => return None,
            }
        }
    }
}

/// Reports tagged with their input position, as they finish (see
/// [`crate::BatchVerifier::verify_tagged`]).
pub struct Tagged<I> {
    engine: Engine<I>,
}

impl<I: Iterator<Item = Document>> Tagged<I> {
    pub(crate) fn start(
        shared: &Arc<Shared>,
        input: I,
        threads: usize,
        in_flight: usize,
    ) -> Result<Self, BatchError> {
        Ok(Tagged {
            engine: Engine::start(shared, input, threads, in_flight)?,
        })
    }
}

impl<I: Iterator<Item = Document>> Iterator for Tagged<I> {
    type Item = (u64, Result<Outcome, BatchError>);

    fn next(&mut self) -> Option<Self::Item> {
        match self.engine.next_done() {
            Some(done) => {
                self.engine.released += 1;
                Some(done)
            }
            None if self.engine.broken && self.engine.received < self.engine.dispatched => {
                let (index, missing) = (
                    self.engine.received,
                    self.engine.dispatched - self.engine.received,
                );
                self.engine.received = self.engine.dispatched;
                Some((index, Err(BatchError::WorkersGone { missing })))
            }
            None => None,
        }
    }
}
