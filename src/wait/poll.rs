//! What every wait strategy shares: its own timeout and poll interval, the
//! deadline it is bounded by, and the loop that looks until it is ready.
//!
//! A strategy is a check that says "ready", "not yet, this is what I saw",
//! "never: the container stopped" or "never, because…". The loop repeats
//! the check until one of the last three is final or the deadline comes,
//! and keeps what the check last saw so that an error can say it.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use bollard::models::{ContainerState, ContainerStateStatusEnum};
use tokio::time::Instant;

use crate::container::Container;

/// How often a strategy looks unless told otherwise.
pub(crate) const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How long one strategy may take and how often it looks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Patience {
    pub(crate) timeout: Option<Duration>,
    pub(crate) interval: Duration,
}

impl Default for Patience {
    fn default() -> Self {
        Patience {
            timeout: None,
            interval: DEFAULT_POLL_INTERVAL,
        }
    }
}

/// Gives each strategy the builder methods for its [`Patience`].
macro_rules! patience_builders {
    ($($strategy:ty),* $(,)?) => {$(
        impl $strategy {
            /// Gives up after `timeout`, also when the request's startup
            /// timeout would allow longer (a shorter startup timeout wins).
            pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
                self.patience.timeout = Some(timeout);
                self
            }

            /// How long to pause between two looks (default 100 ms).
            pub fn poll_interval(mut self, interval: std::time::Duration) -> Self {
                self.patience.interval = interval;
                self
            }
        }
    )*};
}
pub(crate) use patience_builders;

/// When a wait must give up, and the timeout that set that moment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    pub(crate) at: Instant,
    pub(crate) timeout: Duration,
}

impl Deadline {
    /// `timeout` from now.
    pub(crate) fn after(timeout: Duration) -> Deadline {
        Deadline {
            at: Instant::now() + timeout,
            timeout,
        }
    }

    /// The earlier of this deadline and `timeout` from now.
    pub(crate) fn within(self, timeout: Option<Duration>) -> Deadline {
        match timeout.map(Deadline::after) {
            Some(own) if own.at < self.at => own,
            _ => self,
        }
    }
}

/// What one look at the container found.
#[derive(Debug)]
pub(crate) enum Check {
    /// Ready.
    Ready,
    /// Not yet; what it saw.
    NotYet(String),
    /// The container stopped and will not become ready; what it saw last.
    Stopped(String),
    /// It will never be ready, for this reason (e.g. unhealthy).
    Failed(String),
}

/// Why a wait ended without the container being ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The container stopped.
    Stopped,
    /// This timeout ran out.
    TimedOut(Duration),
    /// The strategy saw that the container will never be ready.
    Failed,
}

/// A wait that ended without the container being ready.
#[derive(Debug)]
pub(crate) struct NotReady {
    /// The strategy that was not satisfied, as its `Display` says it.
    pub(crate) waiting_for: String,
    /// What it saw last, e.g. `HTTP 503`.
    pub(crate) last_seen: String,
    pub(crate) reason: Reason,
}

impl NotReady {
    pub(crate) fn new(
        strategy: &(dyn Display + Sync),
        reason: Reason,
        last_seen: String,
    ) -> NotReady {
        NotReady {
            waiting_for: strategy.to_string(),
            last_seen,
            reason,
        }
    }
}

/// Repeats `check` every `patience.interval` until it is final or the
/// deadline (the earlier of `deadline` and the strategy's own timeout)
/// comes. `check` gets that deadline; a look still going on then is cut
/// short.
pub(crate) async fn poll<F, Fut>(
    strategy: &(dyn Display + Sync),
    patience: Patience,
    deadline: Deadline,
    mut check: F,
) -> Result<(), NotReady>
where
    F: FnMut(Instant) -> Fut,
    Fut: Future<Output = Check>,
{
    let deadline = deadline.within(patience.timeout);
    let mut last_seen = "no answer in time".to_string();
    loop {
        match tokio::time::timeout_at(deadline.at, check(deadline.at)).await {
            Ok(Check::Ready) => return Ok(()),
            Ok(Check::NotYet(seen)) => last_seen = seen,
            Ok(Check::Stopped(seen)) => {
                return Err(NotReady::new(strategy, Reason::Stopped, seen));
            }
            Ok(Check::Failed(why)) => return Err(NotReady::new(strategy, Reason::Failed, why)),
            Err(_cut_short) => {}
        }
        let now = Instant::now();
        if now >= deadline.at {
            let reason = Reason::TimedOut(deadline.timeout);
            return Err(NotReady::new(strategy, reason, last_seen));
        }
        tokio::time::sleep_until(deadline.at.min(now + patience.interval)).await;
    }
}

/// Not ready yet, having seen `seen`, unless the container has stopped.
pub(crate) async fn still_waiting(container: &Container, seen: String) -> Check {
    if stopped(container).await {
        Check::Stopped(seen)
    } else {
        Check::NotYet(seen)
    }
}

/// Whether the engine says the container has stopped for good.
pub(crate) async fn stopped(container: &Container) -> bool {
    let state = container.inspect_state().await;
    state.is_some_and(|state| has_stopped(&state))
}

/// What the engine said when a call for a look failed, without dockhand's
/// account of the call (the strategy says what it was doing).
pub(crate) fn engine_said(error: &crate::Error) -> String {
    std::error::Error::source(error).map_or_else(|| error.to_string(), ToString::to_string)
}

/// Whether the container has stopped for good (not just between restarts).
pub(crate) fn has_stopped(state: &ContainerState) -> bool {
    matches!(
        state.status,
        Some(ContainerStateStatusEnum::EXITED | ContainerStateStatusEnum::DEAD)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earlier_deadline_wins_and_names_its_timeout() {
        let startup = Deadline::after(Duration::from_secs(60));
        let own = startup.within(Some(Duration::from_secs(2)));
        assert_eq!(own.timeout, Duration::from_secs(2));
        let longer = startup.within(Some(Duration::from_secs(600)));
        assert_eq!(longer.timeout, Duration::from_secs(60));
        assert_eq!(startup.within(None).at, startup.at);
    }

    #[tokio::test]
    async fn a_timeout_reports_what_was_seen_last() {
        let mut looks = 0;
        let missed = poll(
            &"test strategy",
            Patience {
                timeout: Some(Duration::from_millis(200)),
                interval: Duration::from_millis(10),
            },
            Deadline::after(Duration::from_secs(60)),
            |_| {
                looks += 1;
                let seen = format!("look {looks}");
                async move { Check::NotYet(seen) }
            },
        )
        .await
        .unwrap_err();
        assert_eq!(missed.waiting_for, "test strategy");
        assert_eq!(missed.reason, Reason::TimedOut(Duration::from_millis(200)));
        assert_eq!(missed.last_seen, format!("look {looks}"));
        assert!(looks > 1, "looked {looks} times");
    }

    #[tokio::test]
    async fn a_final_answer_ends_the_loop_at_once() {
        let missed = poll(
            &"test strategy",
            Patience::default(),
            Deadline::after(Duration::from_secs(60)),
            |_| async { Check::Failed("unhealthy".to_string()) },
        )
        .await
        .unwrap_err();
        assert_eq!(missed.reason, Reason::Failed);
        assert_eq!(missed.last_seen, "unhealthy");
    }
}
