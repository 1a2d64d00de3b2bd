//! The one error type of dockhand.
//!
//! Every variant names the thing at fault (the image, the port, the engine
//! address) so that a failing test explains itself without a debugger. A
//! container that fails to become ready also carries its state, exit code and
//! last log lines.

use std::time::Duration;

/// What went wrong, with enough context to act on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An image reference that cannot be parsed; found before any API call.
    #[error("invalid image reference `{reference}`: {reason}")]
    InvalidImageRef {
        /// The reference as written.
        reference: String,
        /// What is wrong with it.
        reason: String,
    },

    /// No Docker engine answered at the address tried.
    #[error(
        "no Docker engine answered at {address}: {reason}\n\
         hint: start the engine (`dockerd`), or point DOCKER_HOST at one \
         (unix:///path/to/docker.sock or tcp://host:port)"
    )]
    EngineUnreachable {
        /// The engine address that was tried.
        address: String,
        /// Why the connection failed.
        reason: String,
    },

    /// The image is not on the engine and could not be pulled.
    #[error("image `{image}` is not available: {reason}")]
    ImageNotFound {
        /// The image reference (after substitution, if any).
        image: String,
        /// Why it could not be had (the pull error).
        reason: String,
    },

    /// An image build failed; carries the failing step's output.
    #[error("building image `{image}` failed: {message}\n--- build output ---\n{output}")]
    BuildFailed {
        /// The tag being built.
        image: String,
        /// The engine's error message.
        message: String,
        /// The build output up to the failure.
        output: String,
    },

    /// The container exited before it became ready (or, waiting for an
    /// exit code, exited with another one).
    #[error(
        "container {container} ({image}) exited with code {exit_code} before it was ready \
         (waiting for {waiting_for}; last seen: {last_seen})\n--- last log lines ---\n{logs}"
    )]
    ContainerExited {
        /// The image the container runs.
        image: String,
        /// The container's name.
        container: String,
        /// Its exit code.
        exit_code: i64,
        /// The wait strategy it did not satisfy.
        waiting_for: String,
        /// What that strategy saw last, e.g. `connection refused`.
        last_seen: String,
        /// Its last log lines, stdout and stderr interleaved.
        logs: String,
    },

    /// The container did not become ready in time: within the wait
    /// strategy's own timeout or the request's startup timeout, the shorter.
    #[error(
        "container {container} ({image}) was not ready after {timeout:?} \
         (waiting for {waiting_for}; last seen: {last_seen}); state: {state}\n\
         --- last log lines ---\n{logs}"
    )]
    WaitTimeout {
        /// The image the container runs.
        image: String,
        /// The container's name.
        container: String,
        /// The timeout that ran out.
        timeout: Duration,
        /// The wait strategy it did not satisfy.
        waiting_for: String,
        /// What that strategy saw last, e.g. `HTTP 503`.
        last_seen: String,
        /// The container's state when the timeout ran out.
        state: String,
        /// Its last log lines, stdout and stderr interleaved.
        logs: String,
    },

    /// The wait strategy saw that the container will never be ready, e.g.
    /// its healthcheck says `unhealthy`, or there is nothing to check.
    #[error(
        "container {container} ({image}) will not become ready \
         (waiting for {waiting_for}): {last_seen}; state: {state}\n\
         --- last log lines ---\n{logs}"
    )]
    WaitFailed {
        /// The image the container runs.
        image: String,
        /// The container's name.
        container: String,
        /// The wait strategy that failed.
        waiting_for: String,
        /// What it saw, e.g. `health: unhealthy; last check: …`.
        last_seen: String,
        /// The container's state then.
        state: String,
        /// Its last log lines, stdout and stderr interleaved.
        logs: String,
    },

    /// A port was asked for that the container does not publish.
    #[error("container {container} ({image}) does not publish port {port}; exposed: {exposed}")]
    PortNotExposed {
        /// The image the container runs.
        image: String,
        /// The container's name.
        container: String,
        /// The container port asked for, e.g. `6379/tcp`.
        port: String,
        /// The ports it does publish.
        exposed: String,
    },

    /// A copy into or out of a container failed: the path does not exist in
    /// the container, or the engine or the host side refused it.
    #[error("copying {path} in container {container} failed: {reason}")]
    CopyFailed {
        /// The container's name.
        container: String,
        /// The path in the container.
        path: String,
        /// Why: the engine's message, or what failed on the host.
        reason: String,
    },

    /// The image substitution file could not be read.
    #[error("image substitutions from {path}: {reason}")]
    Substitutions {
        /// The file named by `DOCKHAND_SUBSTITUTIONS`.
        path: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Any other refusal by the engine, with what dockhand was doing.
    #[error("{action}: {source}")]
    Engine {
        /// What dockhand asked for, e.g. `create container for redis:7`.
        action: String,
        /// The engine's (or the client's) error.
        #[source]
        source: bollard::errors::Error,
    },
}

/// `Result` with dockhand's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an engine error with what dockhand was doing.
    pub(crate) fn engine(
        action: impl Into<String>,
    ) -> impl FnOnce(bollard::errors::Error) -> Error {
        let action = action.into();
        move |source| Error::Engine { action, source }
    }
}
