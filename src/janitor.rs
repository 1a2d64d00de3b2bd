//! The janitor: removes what handles drop, in the background.
//!
//! `Drop` cannot wait for the engine, and a test should not either: removing
//! a container takes a fifth of a second or more. So a dropped handle only
//! hands its resource to the janitor and returns. Removals run on dockhand's
//! background runtime; when the process exits normally (the test harness
//! returns from `main` or calls `exit`), an exit hook waits until every
//! pending removal is done, so nothing is left behind.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use bollard::query_parameters::RemoveContainerOptionsBuilder;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::runtime;

/// How long the exit hook waits for pending removals.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a network or volume removal retries while containers still use it.
const IN_USE_RETRY_FOR: Duration = Duration::from_secs(30);

/// Something the engine holds that dockhand created.
#[derive(Debug, Clone)]
pub(crate) enum Resource {
    Container(String),
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resource::Container(id) => write!(f, "container {id}"),
        }
    }
}

static PENDING: Mutex<usize> = Mutex::new(0);
static ALL_DONE: Condvar = Condvar::new();

/// Removes `resource` in the background; returns at once.
pub(crate) fn remove_later(engine: Engine, resource: Resource) {
    *PENDING.lock().unwrap_or_else(|e| e.into_inner()) += 1;
    runtime::spawn(async move {
        if let Err(error) = remove(&engine, &resource).await {
            eprintln!("dockhand: {error}");
        }
        let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
        *pending -= 1;
        if *pending == 0 {
            ALL_DONE.notify_all();
        }
    });
}

/// Removes `resource` now; a resource that is already gone is no error.
pub(crate) async fn remove(engine: &Engine, resource: &Resource) -> Result<()> {
    let docker = engine.docker();
    let deadline = tokio::time::Instant::now() + IN_USE_RETRY_FOR;
    loop {
        let result = match resource {
            Resource::Container(id) => {
                let options = RemoveContainerOptionsBuilder::default()
                    .force(true)
                    .v(true)
                    .build();
                docker.remove_container(id, Some(options)).await
            }
        };
        match result {
            Ok(()) => return Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => return Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 409, ..
            }) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => return Err(Error::engine(format!("remove {resource}"))(error)),
        }
    }
}

/// Blocks until every pending removal is done (or the flush times out).
pub(crate) fn flush() {
    let pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    let (pending, timeout) = ALL_DONE
        .wait_timeout_while(pending, FLUSH_TIMEOUT, |pending| *pending > 0)
        .unwrap_or_else(|e| e.into_inner());
    if timeout.timed_out() {
        eprintln!(
            "dockhand: {} removals still pending at exit after {FLUSH_TIMEOUT:?}",
            *pending
        );
    }
}

#[ctor::dtor]
fn flush_at_exit() {
    flush();
}
