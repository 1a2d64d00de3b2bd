//! Restart policies: what the engine does when a container's process exits.
//!
//! A test of a service's crash recovery, or of a client's reconnects, wants
//! the engine to bring the service back as production's orchestrator would.
//! The engine waits 100 ms before the first restart and doubles the wait
//! each time.

use bollard::models::{RestartPolicy as EngineRestartPolicy, RestartPolicyNameEnum};

/// When the engine restarts a container whose process exited.
///
/// ```
/// use dockhand::{ContainerRequest, RestartPolicy};
///
/// let request = ContainerRequest::new("redis:7")
///     .restart(RestartPolicy::OnFailure { max_retries: 3 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RestartPolicy {
    /// Never (the default): an exited container stays exited.
    #[default]
    Never,
    /// After every exit, until the container is stopped or removed.
    Always,
    /// As [`Always`](Self::Always), except after a stop asked for by hand,
    /// also across engine restarts.
    UnlessStopped,
    /// After an exit with a non-zero code, at most `max_retries` times.
    OnFailure {
        /// How many restarts at most.
        max_retries: u32,
    },
}

impl RestartPolicy {
    /// The engine's form of the policy.
    pub(crate) fn to_engine(self) -> EngineRestartPolicy {
        let (name, maximum_retry_count) = match self {
            RestartPolicy::Never => (RestartPolicyNameEnum::NO, None),
            RestartPolicy::Always => (RestartPolicyNameEnum::ALWAYS, None),
            RestartPolicy::UnlessStopped => (RestartPolicyNameEnum::UNLESS_STOPPED, None),
            RestartPolicy::OnFailure { max_retries } => (
                RestartPolicyNameEnum::ON_FAILURE,
                Some(i64::from(max_retries)),
            ),
        };
        EngineRestartPolicy {
            name: Some(name),
            maximum_retry_count,
        }
    }
}
