//! Waiting for the engine's healthcheck to report the container healthy.
//!
//! The check is the one the request declares ([`ContainerRequest::healthcheck`])
//! or, failing that, the image's `HEALTHCHECK`. The engine runs it; this wait
//! reads its verdict. `unhealthy` is final: the wait fails at once with the
//! last check's output rather than at the end of the timeout.
//!
//! [`ContainerRequest::healthcheck`]: crate::ContainerRequest::healthcheck

use std::fmt;

use bollard::models::{Health, HealthStatusEnum};

use super::poll::{has_stopped, patience_builders, poll, Check, Deadline, NotReady, Patience};
use crate::container::Container;

/// Waits until the engine's healthcheck says `healthy`; see
/// [`Wait::healthy`].
///
/// ```
/// use std::time::Duration;
///
/// use dockhand::Wait;
///
/// let wait = Wait::healthy().timeout(Duration::from_secs(30));
/// ```
///
/// [`Wait::healthy`]: crate::Wait::healthy
#[derive(Debug, Clone)]
#[must_use = "a wait does nothing until it is passed to ContainerRequest::wait_for"]
pub struct HealthWait {
    patience: Patience,
}

impl HealthWait {
    pub(super) fn new() -> HealthWait {
        HealthWait {
            patience: Patience::default(),
        }
    }

    pub(super) async fn until_ready(
        &self,
        container: &Container,
        deadline: Deadline,
    ) -> Result<(), NotReady> {
        poll(self, self.patience, deadline, |_| look(container)).await
    }
}

patience_builders!(HealthWait);

async fn look(container: &Container) -> Check {
    let Some(state) = container.inspect_state().await else {
        return Check::NotYet("no state from the engine".to_string());
    };
    let health = state.health.clone().unwrap_or_default();
    let seen = describe(&health);
    if has_stopped(&state) {
        return Check::Stopped(seen);
    }
    match health.status {
        Some(HealthStatusEnum::HEALTHY) => Check::Ready,
        Some(HealthStatusEnum::STARTING) => Check::NotYet(seen),
        Some(HealthStatusEnum::UNHEALTHY) => Check::Failed(seen),
        _ => Check::Failed(
            "the container has no healthcheck: declare one with \
             ContainerRequest::healthcheck, or use an image that has one"
                .to_string(),
        ),
    }
}

/// `health: STATUS`, and what the last check said if it failed.
fn describe(health: &Health) -> String {
    let status = health
        .status
        .map_or("none".to_string(), |status| status.to_string());
    let last_failure = health
        .log
        .iter()
        .flatten()
        .last()
        .filter(|check| check.exit_code != Some(0));
    match last_failure {
        Some(check) => format!(
            "health: {status}; last check: exit code {}, output {:?}",
            check.exit_code.unwrap_or(-1),
            check.output.as_deref().unwrap_or("").trim_end()
        ),
        None => format!("health: {status}"),
    }
}

impl fmt::Display for HealthWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("healthcheck reporting healthy")
    }
}

#[cfg(test)]
mod tests {
    use bollard::models::HealthcheckResult;

    use super::*;

    #[test]
    fn a_failing_check_is_quoted() {
        let health = Health {
            status: Some(HealthStatusEnum::UNHEALTHY),
            log: Some(vec![HealthcheckResult {
                exit_code: Some(1),
                output: Some("not ready\n".to_string()),
                ..Default::default()
            }]),
            ..Default::default()
        };
        assert_eq!(
            describe(&health),
            "health: unhealthy; last check: exit code 1, output \"not ready\""
        );
        assert_eq!(describe(&Health::default()), "health: none");
    }
}
