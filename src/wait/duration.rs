//! Waiting a fixed time: for services that give no sign of being ready.
//! A container that stops meanwhile fails the wait, as with every other
//! strategy; one that would need longer than the startup timeout allows
//! fails when that timeout runs out.

use std::time::Duration;

use tokio::time::Instant;

use super::poll::{stopped, Deadline, NotReady, Reason};
use super::Wait;
use crate::container::Container;

/// Waits `wait` (the [`Wait::Duration`] it came from names it in errors).
pub(super) async fn elapse(
    container: &Container,
    wait: Duration,
    deadline: Deadline,
) -> Result<(), NotReady> {
    let strategy = Wait::Duration(wait);
    let end = Instant::now() + wait;
    if end > deadline.at {
        tokio::time::sleep_until(deadline.at).await;
        let seen = format!(
            "{wait:?} is more than was left of the {:?} timeout",
            deadline.timeout
        );
        return Err(NotReady::new(
            &strategy,
            Reason::TimedOut(deadline.timeout),
            seen,
        ));
    }
    tokio::time::sleep_until(end).await;
    if stopped(container).await {
        let seen = format!("stopped within the {wait:?}");
        return Err(NotReady::new(&strategy, Reason::Stopped, seen));
    }
    Ok(())
}
