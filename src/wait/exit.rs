//! Waiting for a one-shot container to finish: ready once it has exited
//! with the expected code. Any other code is final at once, and the error
//! carries the code and the last log lines.

use std::fmt;

use super::poll::{has_stopped, patience_builders, poll, Check, Deadline, NotReady, Patience};
use crate::container::Container;

/// Waits until the container exits with a given code; see [`Wait::exit`].
///
/// ```
/// use std::time::Duration;
///
/// use dockhand::Wait;
///
/// let wait = Wait::exit(0).timeout(Duration::from_secs(120));
/// ```
///
/// [`Wait::exit`]: crate::Wait::exit
#[derive(Debug, Clone)]
#[must_use = "a wait does nothing until it is passed to ContainerRequest::wait_for"]
pub struct ExitWait {
    code: i64,
    patience: Patience,
}

impl ExitWait {
    pub(super) fn new(code: i64) -> ExitWait {
        ExitWait {
            code,
            patience: Patience::default(),
        }
    }

    pub(super) async fn until_ready(
        &self,
        container: &Container,
        deadline: Deadline,
    ) -> Result<(), NotReady> {
        poll(self, self.patience, deadline, |_| self.look(container)).await
    }

    async fn look(&self, container: &Container) -> Check {
        let Some(state) = container.inspect_state().await else {
            return Check::NotYet("no state from the engine".to_string());
        };
        if !has_stopped(&state) {
            let status = state
                .status
                .map_or("unknown".to_string(), |s| s.to_string());
            return Check::NotYet(format!("still {status}"));
        }
        match state.exit_code {
            Some(code) if code == self.code => Check::Ready,
            code => Check::Stopped(format!("exit code {}", code.unwrap_or(-1))),
        }
    }
}

patience_builders!(ExitWait);

impl fmt::Display for ExitWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit with code {}", self.code)
    }
}
