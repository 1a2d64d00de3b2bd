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

    /// The container exited before it became ready.
    #[error(
        "container {container} ({image}) exited with code {exit_code} before it was ready \
         (waiting for {waiting_for})\n--- last log lines ---\n{logs}"
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
        /// Its last log lines, stdout and stderr interleaved.
        logs: String,
    },

    /// The container did not become ready within its startup timeout.
    #[error(
        "container {container} ({image}) was not ready after {timeout:?} \
         (waiting for {waiting_for}); state: {state}\n--- last log lines ---\n{logs}"
    )]
    WaitTimeout {
        /// The image the container runs.
        image: String,
        /// The container's name.
        container: String,
        /// The startup timeout that ran out.
        timeout: Duration,
        /// The wait strategy it did not satisfy.
        waiting_for: String,
        /// The container's state when the timeout ran out.
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
