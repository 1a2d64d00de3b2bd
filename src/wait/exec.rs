//! Waiting until a command run inside the container succeeds, such as a
//! client that ships with the image (`pg_isready`, `redis-cli ping`).

use std::fmt;

use super::poll::{
    engine_said, patience_builders, poll, still_waiting, Check, Deadline, NotReady, Patience,
};
use crate::container::Container;
use crate::exec::ExecCommand;

/// Waits until a command exits with code 0; see [`Wait::exec`].
///
/// ```
/// use std::time::Duration;
///
/// use dockhand::{ExecCommand, Wait};
///
/// let wait = Wait::exec(ExecCommand::new(["redis-cli", "ping"]))
///     .poll_interval(Duration::from_millis(500));
/// ```
///
/// [`Wait::exec`]: crate::Wait::exec
#[derive(Debug, Clone)]
#[must_use = "a wait does nothing until it is passed to ContainerRequest::wait_for"]
pub struct ExecWait {
    command: ExecCommand,
    patience: Patience,
}

impl ExecWait {
    pub(super) fn new(command: ExecCommand) -> ExecWait {
        ExecWait {
            command,
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
        let seen = match container.exec(self.command.clone()).await {
            Ok(output) if output.exit_code == 0 => return Check::Ready,
            Ok(output) => {
                let said = [output.stderr.trim(), output.stdout.trim()]
                    .into_iter()
                    .find(|said| !said.is_empty())
                    .and_then(|said| said.lines().last())
                    .unwrap_or("no output");
                format!("exit code {}: {said}", output.exit_code)
            }
            Err(error) => format!("cannot run it: {}", engine_said(&error)),
        };
        still_waiting(container, seen).await
    }
}

patience_builders!(ExecWait);

impl fmt::Display for ExecWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "command {:?} succeeding", self.command.argv())
    }
}
