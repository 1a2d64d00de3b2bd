//! A healthcheck that the engine runs in the container, as a Dockerfile's
//! `HEALTHCHECK` does; [`Wait::healthy`] waits for its verdict.
//!
//! The defaults suit tests rather than production: a check every second
//! (the engine's own default is every 30 s, and its first check only comes
//! after one interval), a 5 s timeout, 3 failures in a row for `unhealthy`,
//! no start period. A request's healthcheck replaces the image's.
//!
//! As `unhealthy` fails a [`Wait::healthy`] at once, a service that takes a
//! while to come up needs a start period: failures within it do not count,
//! while a success within it makes the container healthy at once.
//!
//! [`Wait::healthy`]: crate::Wait::healthy

use std::time::Duration;

use bollard::models::HealthConfig;

/// A healthcheck for [`ContainerRequest::healthcheck`].
///
/// ```
/// use std::time::Duration;
///
/// use dockhand::{ContainerRequest, Healthcheck, Wait};
///
/// let request = ContainerRequest::new("postgres:15")
///     .healthcheck(
///         Healthcheck::shell("pg_isready -U postgres")
///             .interval(Duration::from_millis(250))
///             .retries(5)
///             .start_period(Duration::from_secs(5)),
///     )
///     .wait_for(Wait::healthy());
/// ```
///
/// [`ContainerRequest::healthcheck`]: crate::ContainerRequest::healthcheck
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a healthcheck does nothing until it is passed to ContainerRequest::healthcheck"]
pub struct Healthcheck {
    test: Vec<String>,
    interval: Duration,
    timeout: Duration,
    retries: u32,
    start_period: Duration,
}

impl Healthcheck {
    /// Runs `cmd` directly (exit code 0: healthy), e.g.
    /// `["redis-cli", "ping"]`.
    pub fn cmd<I, S>(cmd: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let test = ["CMD".to_string()].into_iter();
        Healthcheck::new(test.chain(cmd.into_iter().map(Into::into)).collect())
    }

    /// Runs `command` with the image's shell (`/bin/sh -c`), e.g.
    /// `test -f /tmp/ready`.
    pub fn shell(command: impl Into<String>) -> Self {
        Healthcheck::new(vec!["CMD-SHELL".to_string(), command.into()])
    }

    fn new(test: Vec<String>) -> Self {
        Healthcheck {
            test,
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(5),
            retries: 3,
            start_period: Duration::ZERO,
        }
    }

    /// Time between two checks (default 1 s; at least 1 ms).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// How long one check may run before it counts as failed (default 5 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Failures in a row that make the container `unhealthy` (default 3).
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries.max(1);
        self
    }

    /// A first period in which failures do not count (default none).
    pub fn start_period(mut self, start_period: Duration) -> Self {
        self.start_period = start_period;
        self
    }

    /// The engine's form: durations in nanoseconds.
    pub(crate) fn config(&self) -> HealthConfig {
        let nanos = |time: Duration| i64::try_from(time.as_nanos()).unwrap_or(i64::MAX);
        HealthConfig {
            test: Some(self.test.clone()),
            interval: Some(nanos(self.interval)),
            timeout: Some(nanos(self.timeout)),
            retries: Some(i64::from(self.retries)),
            start_period: Some(nanos(self.start_period)),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_gets_the_test_and_nanoseconds() {
        let config = Healthcheck::cmd(["redis-cli", "ping"])
            .interval(Duration::from_millis(250))
            .retries(2)
            .config();
        assert_eq!(
            config.test.unwrap(),
            ["CMD", "redis-cli", "ping"].map(String::from)
        );
        assert_eq!(config.interval, Some(250_000_000));
        assert_eq!(config.timeout, Some(5_000_000_000));
        assert_eq!(config.retries, Some(2));
        assert_eq!(config.start_period, Some(0));
        let shell = Healthcheck::shell("test -f /ready").config();
        assert_eq!(
            shell.test.unwrap(),
            ["CMD-SHELL", "test -f /ready"].map(String::from)
        );
    }
}
