//! dockhand's own background runtime, where every engine call runs.
//!
//! Each `#[tokio::test]` builds and drops a runtime of its own. An HTTP
//! connection opened on one of them dies with it, so a client or a shared
//! container kept in a `static` breaks in the next test. Running every engine
//! call here instead makes dockhand work the same from a current-thread
//! runtime, a multi-thread one, a plain `#[test]`, or a `Drop` impl, and lets
//! removals finish after the test's own runtime is gone.
//!
//! A call carries the caller's `tracing` subscriber along, so that progress
//! events reach the subscriber a test set for itself, not only a global one.
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

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::mpsc;
use std::thread;

use once_cell::sync::Lazy;
use tokio::runtime::{Builder, Runtime};
use tracing::instrument::WithSubscriber;

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
    match RUNTIME.spawn(future.with_current_subscriber()).await {
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
    let future = future.with_current_subscriber();
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

/// Polls `future` on the calling task, inside the background runtime's
/// context: the connections, timers and tasks it creates belong to the
/// background runtime, as with [`run`], while the future may borrow from
/// the caller (a `&Container`). Unlike with [`run`], dropping the returned
/// future cancels `future`: only for work that creates nothing.
pub(crate) async fn run_borrowed<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    poll_fn(|context| {
        let _background = RUNTIME.enter();
        future.as_mut().poll(context)
    })
    .await
}

/// [`run_borrowed`] for code without an async runtime: blocks the calling
/// thread (also one inside another runtime) until `future` is done.
pub(crate) fn block_on_borrowed<F>(future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    // A fresh thread is in no runtime's context, where `Runtime::block_on`
    // would panic.
    thread::scope(|scope| {
        scope
            .spawn(|| RUNTIME.block_on(future))
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}
