//! The one error type of dockhand.
//!
//! Every variant names the thing at fault (the image, the port, the engine
//! address) so that a failing test explains itself without a debugger. A
//! container that fails to become ready also carries its state, exit code and
//! last log lines.

use std::sync::Arc;
use std::time::Duration;

/// What went wrong, with enough context to act on it.
///
/// ```
/// use dockhand::{Error, ImageRef};
///
/// let error = ImageRef::parse("Redis:7").unwrap_err();
/// assert!(matches!(&error, Error::InvalidImageRef { reference, .. } if reference == "Redis:7"));
/// println!("{error}"); // says what is wrong with the reference
/// ```
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

    /// No engine is configured (`DOCKER_HOST`, a Docker context) and none
    /// answered at any of the sockets where engines usually listen.
    #[error(
        "no Docker engine found; tried:{}\n\
         hint: start the engine (`dockerd`), or point DOCKER_HOST at one \
         (unix:///path/to/docker.sock or tcp://host:port)",
        tried.iter().map(|(address, reason)| format!("\n  {address}: {reason}")).collect::<String>()
    )]
    NoEngineFound {
        /// Each address tried, in order, named with where it comes from
        /// (`unix:///var/run/docker.sock (the default socket)`), and why it
        /// did not answer.
        tried: Vec<(String, String)>,
    },

    /// The TLS connection to a `tcp://` engine failed: its certificate is
    /// not signed by the CA given, it refused the client certificate, or
    /// the TLS material is missing or unreadable.
    #[error(
        "TLS with the Docker engine at {address} failed: {reason}\n\
         hint: {cert_path} must hold the engine's CA (ca.pem) and a client \
         certificate it accepts (cert.pem, key.pem); see DOCKER_CERT_PATH"
    )]
    EngineTls {
        /// The engine address, e.g. `tcp://127.0.0.1:2376`.
        address: String,
        /// The folder of TLS material used.
        cert_path: String,
        /// The TLS problem, e.g. `invalid peer certificate: UnknownIssuer`.
        reason: String,
    },

    /// The Docker context selected by `DOCKER_CONTEXT` or by
    /// `currentContext` in the Docker config does not resolve to an engine.
    #[error("Docker context `{context}`: {reason}")]
    DockerContext {
        /// The context's name (`currentContext` when the config file that
        /// names it cannot be read).
        context: String,
        /// What is missing or wrong, with the file at fault.
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

    /// A registry refused access to an image: no credentials, wrong ones,
    /// or credentials that could not be read from the Docker config.
    #[error(
        "registry {registry} refused access to `{image}`: {reason}\n\
         hint: log in (`docker login {registry}`), or check the credentials for \
         {registry} in the Docker config (DOCKER_CONFIG, else ~/.docker)"
    )]
    RegistryAuth {
        /// The registry host (and port), e.g. `ghcr.io`.
        registry: String,
        /// The image reference pulled or pushed.
        image: String,
        /// The registry's or the credential helper's answer, and which
        /// Docker config the credentials came from.
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

    /// An action that needs a running container met one that is not.
    #[error("cannot {action} container {container} ({image}): it is not running")]
    NotRunning {
        /// The container's name.
        container: String,
        /// The image it runs.
        image: String,
        /// What was asked of it, e.g. `read the stats of`.
        action: String,
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

    /// A request option that cannot work, such as a relative bind mount
    /// source or a CPU set like `x`; found before any engine call.
    #[error("invalid {option} `{value}`: {reason}")]
    InvalidOption {
        /// Which option, e.g. `bind mount source` or `cpuset`.
        option: String,
        /// The value as given.
        value: String,
        /// What is wrong with it.
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

    /// A [shared fixture](crate::Shared) failed to start. Every test that
    /// uses it gets this error, carrying the one start's error.
    #[error("the shared fixture declared at {declared_at} failed to start: {source}")]
    SharedFixture {
        /// Where its `static` is declared: `file:line:column`.
        declared_at: String,
        /// Why it failed.
        #[source]
        source: Arc<Error>,
    },

    /// Code built on dockhand failed where a dockhand error is expected,
    /// such as in a [shared fixture](crate::Shared)'s start that also sets
    /// up a schema or checks its service with a client (as dockhand's
    /// modules do): that code's own error, unchanged.
    #[error(transparent)]
    External(Box<dyn std::error::Error + Send + Sync>),

    /// A [stack](crate::Stack) declares a member wrongly (a dependency it
    /// does not declare, a cycle, a name twice), or a member was asked for
    /// that it does not have.
    #[error("stack member `{member}`: {reason}")]
    StackMember {
        /// The member's name.
        member: String,
        /// What is wrong.
        reason: String,
    },

    /// A member of a [stack](crate::Stack) failed to start; what the stack
    /// had started is removed.
    #[error("stack member `{member}` failed to start: {source}")]
    StackMemberFailed {
        /// The member's name.
        member: String,
        /// Why it failed.
        #[source]
        source: Box<Error>,
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

    /// A request option that cannot work.
    pub(crate) fn invalid(
        option: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Error {
        Error::InvalidOption {
            option: option.into(),
            value: value.into(),
            reason: reason.into(),
        }
    }
}
