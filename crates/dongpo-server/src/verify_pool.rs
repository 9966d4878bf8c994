//! A fixed pool of verification threads, one per core, fed through a channel.
//!
//! Handing a chunk of documents to a waiting thread is one wake-up; the tokio blocking
//! pool behind a semaphore took three (permit released, task woken on the event loop,
//! blocking thread spawned or woken), and the cores sat idle meanwhile: about a tenth of
//! the machine under batch load (BENCHMARKS.md, "Reference server over HTTP").

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::ApiError;

type Job = Box<dyn FnOnce() + Send>;

/// Threads that run CPU-bound work for async handlers.
pub struct VerifyPool {
    jobs: Sender<Job>,
}

impl VerifyPool {
    /// Starts `threads` threads (at least one); they end when the pool is dropped.
    ///
    /// # Errors
    /// When the operating system refuses a thread.
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("dongpo-verify-{n}"))
                .spawn(move || work(&queue))?;
        }
        Ok(VerifyPool { jobs })
    }

    /// Runs `f` on a pool thread and waits for its result without blocking the event
    /// loop.
    ///
    /// # Errors
    /// 500 when `f` panicked or the pool has stopped.
    pub async fn run<R, F>(&self, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce() -> R + Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(catch_unwind(AssertUnwindSafe(f)));
            }))
            .map_err(|_| ApiError::internal("the verification pool has stopped"))?;
        match result.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err(ApiError::internal("verification work panicked")),
            Err(_) => Err(ApiError::internal("the verification pool has stopped")),
        }
    }
}

/// One thread: the next job, one waiting thread at a time on the queue.
fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::VerifyPool;

    #[tokio::test]
    async fn runs_work_and_survives_a_panic() {
        let pool = VerifyPool::new(2).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pool.run(|| 2 + 2).await.ok(), Some(4));
        assert!(pool.run(|| -> u8 { panic!("boom") }).await.is_err());
        // Both threads still serve.
        let (a, b) = tokio::join!(pool.run(|| 1), pool.run(|| 2));
        assert_eq!((a.ok(), b.ok()), (Some(1), Some(2)));
    }
}
