//! Readiness by a real client: the last step of a database module's start.
//!
//! A log line says that a server started, not that it takes clients: the
//! server may then refuse the credentials the test will use. So postgres
//! and redis finish their start the way a test would begin: a real client
//! logs in and asks something (`SELECT 1`, `PING`), retried until it
//! answers or the startup timeout passes. (nginx needs no client of its
//! own: dockhand's HTTP wait is one.)

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, Result};

/// The pause between two tries.
const RETRY_INTERVAL: Duration = Duration::from_millis(50);

/// Runs `ask` until it succeeds; after `timeout` the error names
/// the service, the container and the client's last error. Runs on
/// dockhand's runtime, where the clients' connection tasks can live.
pub(crate) async fn until_answers<F, Fut, E>(
    service: &'static str,
    container: &str,
    timeout: Duration,
    mut ask: F,
) -> Result<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = std::result::Result<(), E>> + Send,
    E: Display,
{
    let container = container.to_string();
    dockhand::runtime::run(async move {
        let deadline = Instant::now() + timeout;
        let mut last_error = "no try ended within the timeout".to_string();
        loop {
            match tokio::time::timeout_at(deadline, ask()).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(error)) => last_error = error.to_string(),
                // Cut short by the deadline: the try before says more.
                Err(_) => {}
            }
            if Instant::now() >= deadline {
                return Err(Error::NoAnswer {
                    service,
                    container,
                    timeout,
                    last_error,
                });
            }
            tokio::time::sleep(RETRY_INTERVAL).await;
        }
    })
    .await
}
