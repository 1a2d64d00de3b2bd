//! dockhand's own background runtime, where every engine call runs.
//!
//! Each `#[tokio::test]` builds and drops a runtime of its own. An HTTP
//! connection opened on one of them dies with it, so a client or a shared
//! container kept in a `static` breaks in the next test. Running every engine
//! call here instead makes dockhand work the same from a current-thread
//! runtime, a multi-thread one, a plain `#[test]`, or a `Drop` impl, and lets
//! removals finish after the test's own runtime is gone.
//!
//! It is public for the same reason: code built on dockhand (its modules, a
//! shared fixture) runs client connections that must outlive one test's
//! runtime here too.
//!
//! ```
//! # async fn demo() {
//! // Runs on dockhand's runtime, awaited from the caller's.
//! let answer = dockhand::runtime::run(async { 6 * 7 }).await;
//! assert_eq!(answer, 42);
//! # }
//! ```

use std::future::Future;
use std::sync::mpsc;

use once_cell::sync::Lazy;
use tokio::runtime::{Builder, Runtime};

static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("dockhand")
        .enable_all()
        .build()
        .expect("dockhand cannot start its background runtime")
});

/// Runs `future` on the background runtime and waits for it from any
/// executor. Should the caller stop waiting, the future still runs to its end,
/// so that what it created is owned (and in time removed) by its result.
pub async fn run<F>(future: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match RUNTIME.spawn(future).await {
        Ok(output) => output,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

/// Runs `future` on the background runtime and blocks the calling thread
/// until it is done: the blocking API for plain `#[test]` functions.
pub(crate) fn block_on<F>(future: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (done, result) = mpsc::sync_channel(1);
    RUNTIME.spawn(async move {
        let _ = done.send(future.await);
    });
    result
        .recv()
        .expect("a dockhand background task panicked; see its message above")
}

/// Starts `future` on the background runtime without waiting for it.
pub fn spawn<F>(future: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    RUNTIME.spawn(future);
}
