//! The connection to a Docker engine.
//!
//! dockhand finds the engine the way the `docker` command line does, in the
//! order [`Engine::from_env`] lists: what the user configured
//! (`DOCKER_HOST`, the current Docker context) is the only engine tried, so
//! tests never land on another engine than the one chosen; otherwise the
//! usual sockets of Docker and Podman are tried and the first that answers
//! wins, and when none does, [`Error::NoEngineFound`] names each address
//! and why. The API version is negotiated, so old engines (API 1.41) and new
//! ones both answer. An engine that does not answer is an
//! [`Error::EngineUnreachable`] within five seconds, never a hang; a TLS
//! failure (wrong CA, refused client certificate, missing files) is an
//! [`Error::EngineTls`].
//!
//! Ports a container publishes are reached on [`Engine::host`]: loopback for
//! a local socket, the engine's host for `tcp://`, or `DOCKHAND_HOST_OVERRIDE`
//! when set (for tests that themselves run inside a container).

use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::{Docker, API_DEFAULT_VERSION};
use tokio::sync::OnceCell;

use crate::endpoint::{self, Discovery, Endpoint};
use crate::error::{Error, Result};
use crate::runtime;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one API call may take before its response starts.
const REQUEST_TIMEOUT_SECS: u64 = 300;

/// A connected Docker engine. Cheap to clone.
///
/// ```no_run
/// # async fn demo() -> dockhand::Result<()> {
/// let engine = dockhand::Engine::from_env().await?;
/// println!("engine at {}, ports on {}", engine.address(), engine.host());
///
/// // An engine of your own choosing, over TLS:
/// let remote =
///     dockhand::Engine::connect_tls("tcp://ci-engine.internal:2376", "/etc/ci/docker-certs")
///         .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Engine {
    docker: Docker,
    address: String,
    cert_path: Option<PathBuf>,
    host: String,
}

impl Engine {
    /// The engine named by the environment, connected once per process and
    /// shared. The first of these that applies wins:
    /// 1. `DOCKER_HOST` (`unix://…` or `tcp://…`); a `tcp://` engine is
    ///    reached over TLS when `DOCKER_TLS_VERIFY` is set, with `ca.pem`,
    ///    `cert.pem` and `key.pem` from `DOCKER_CERT_PATH` (default: the
    ///    Docker config folder, `$DOCKER_CONFIG` or `~/.docker`);
    /// 2. the current Docker context (`DOCKER_CONTEXT`, else `currentContext`
    ///    in `$DOCKER_CONFIG/config.json`), with its TLS material if it has
    ///    some;
    /// 3. the default socket `/var/run/docker.sock`;
    /// 4. rootless Docker at `$XDG_RUNTIME_DIR/docker.sock`;
    /// 5. Podman at `$XDG_RUNTIME_DIR/podman/podman.sock`, then
    ///    `/run/podman/podman.sock`.
    ///
    /// 1 and 2 are tried alone; 3 to 5 in order until one answers.
    pub async fn from_env() -> Result<Engine> {
        static SHARED: OnceCell<Engine> = OnceCell::const_new();
        SHARED
            .get_or_try_init(|| async {
                match endpoint::discover(|name| std::env::var(name).ok())? {
                    Discovery::Configured(endpoint) => Engine::open(endpoint).await,
                    Discovery::Probe(candidates) => first_answering(candidates).await,
                }
            })
            .await
            .cloned()
    }

    /// Connects to the engine at `address`: `unix:///path/docker.sock`,
    /// `tcp://host:port` or `http://host:port`, without TLS.
    pub async fn connect(address: impl Into<String>) -> Result<Engine> {
        Engine::open(Endpoint::given(address, None)).await
    }

    /// Connects to the engine at `address` (`tcp://host:port`) over TLS:
    /// `cert_path` holds the CA that signed the engine's certificate
    /// (`ca.pem`) and the client certificate and key (`cert.pem`,
    /// `key.pem`), as `DOCKER_CERT_PATH` does for the `docker` command line.
    pub async fn connect_tls(
        address: impl Into<String>,
        cert_path: impl Into<PathBuf>,
    ) -> Result<Engine> {
        Engine::open(Endpoint::given(address, Some(cert_path.into()))).await
    }

    async fn open(endpoint: Endpoint) -> Result<Engine> {
        let attempt = endpoint.clone();
        runtime::run(async move { Engine::try_open(&attempt).await })
            .await
            .map_err(|refusal| refusal.into_error(&endpoint))
    }

    /// Connects and negotiates the API version; on the background runtime.
    async fn try_open(endpoint: &Endpoint) -> Result<Engine, Refusal> {
        let (docker, host) = client(endpoint)?;
        let docker = match tokio::time::timeout(CONNECT_TIMEOUT, docker.negotiate_version()).await {
            Ok(Ok(docker)) => docker,
            Ok(Err(error)) => return Err(Refusal::of(&error)),
            Err(_) => {
                return Err(Refusal::Unreachable(format!(
                    "no answer within {CONNECT_TIMEOUT:?}"
                )))
            }
        };
        let host = std::env::var("DOCKHAND_HOST_OVERRIDE")
            .ok()
            .filter(|host| !host.is_empty())
            .unwrap_or(host);
        Ok(Engine {
            docker,
            address: endpoint.address().to_string(),
            cert_path: endpoint.tls().map(Path::to_path_buf),
            host,
        })
    }

    /// The address this engine was reached at.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The host on which published container ports are reached.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The host address that container ports are published on: loopback
    /// when the engine runs here, so a test's services are never exposed to
    /// the network; every interface for a remote engine, where loopback
    /// would be out of the test's reach.
    pub(crate) fn publish_ip(&self) -> &'static str {
        if is_loopback(&self.host) {
            "127.0.0.1"
        } else {
            "0.0.0.0"
        }
    }

    /// The folder of TLS material, when the engine is reached over TLS.
    pub(crate) fn cert_path(&self) -> Option<&Path> {
        self.cert_path.as_deref()
    }

    /// The API client; use only from the background runtime.
    pub(crate) fn docker(&self) -> &Docker {
        &self.docker
    }
}

/// Connects to the first of `candidates` that answers.
async fn first_answering(candidates: Vec<Endpoint>) -> Result<Engine> {
    runtime::run(async move {
        let mut tried = Vec::new();
        for candidate in candidates {
            match Engine::try_open(&candidate).await {
                Ok(engine) => return Ok(engine),
                Err(refusal) => tried.push((
                    format!(
                        "{} ({})",
                        candidate.address(),
                        candidate.origin().unwrap_or("given")
                    ),
                    refusal.into_reason(),
                )),
            }
        }
        Err(Error::NoEngineFound { tried })
    })
    .await
}

/// Why an endpoint could not be used.
enum Refusal {
    /// Nothing answered there, or not as an engine.
    Unreachable(String),
    /// The TLS handshake or the TLS material failed.
    Tls(String),
}

impl Refusal {
    /// A TLS refusal if a TLS error is anywhere in the error's chain.
    fn of(error: &bollard::errors::Error) -> Refusal {
        match tls_problem(error) {
            Some(problem) => Refusal::Tls(problem),
            None => Refusal::Unreachable(describe(error)),
        }
    }

    fn into_reason(self) -> String {
        match self {
            Refusal::Unreachable(reason) | Refusal::Tls(reason) => reason,
        }
    }

    fn into_error(self, endpoint: &Endpoint) -> Error {
        let address = endpoint.address().to_string();
        match self {
            Refusal::Unreachable(reason) => Error::EngineUnreachable {
                address,
                reason: match endpoint.origin() {
                    Some(origin) => format!("{reason} (the address of {origin})"),
                    None => reason,
                },
            },
            Refusal::Tls(reason) => Error::EngineTls {
                address,
                cert_path: endpoint
                    .tls()
                    .map(|dir| dir.display().to_string())
                    .unwrap_or_default(),
                reason,
            },
        }
    }
}

/// Opens a client for the endpoint (no I/O yet) and says where its
/// published ports are reached.
fn client(endpoint: &Endpoint) -> Result<(Docker, String), Refusal> {
    let address = endpoint.address();
    let unreachable = |error: bollard::errors::Error| Refusal::Unreachable(describe(&error));
    let needs_tcp = || Refusal::Tls("TLS needs a tcp:// address".into());
    if let Some(path) = address.strip_prefix("unix://") {
        if endpoint.tls().is_some() {
            return Err(needs_tcp());
        }
        let docker = Docker::connect_with_unix(path, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION)
            .map_err(unreachable)?;
        return Ok((docker, "127.0.0.1".to_string()));
    }
    let (authority, host) = authority(address).map_err(Refusal::Unreachable)?;
    let docker = match endpoint.tls() {
        None => Docker::connect_with_http(authority, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION)
            .map_err(unreachable)?,
        Some(dir) if address.starts_with("tcp://") => tls_client(authority, dir)?,
        Some(_) => return Err(needs_tcp()),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((docker, host.to_string()))
}

/// `host:port` of a `tcp://` or `http://` address, and its host.
fn authority(address: &str) -> Result<(&str, &str), String> {
    let authority = address
        .strip_prefix("tcp://")
        .or_else(|| address.strip_prefix("http://"))
        .ok_or("the address must start with unix://, tcp:// or http://")?
        .trim_end_matches('/');
    match authority.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() && !host.is_empty() => {
            Ok((authority, host))
        }
        _ => Err("a tcp:// address needs a host and a port, e.g. tcp://127.0.0.1:2375".into()),
    }
}

/// A TLS client with the material in `dir`, checked for presence first so
/// that a missing file is named rather than refused by the engine.
fn tls_client(authority: &str, dir: &Path) -> Result<Docker, Refusal> {
    let [ca, cert, key] = ["ca.pem", "cert.pem", "key.pem"].map(|file| dir.join(file));
    if let Some(missing) = [&ca, &cert, &key].into_iter().find(|path| !path.is_file()) {
        return Err(Refusal::Tls(format!("{} is missing", missing.display())));
    }
    // bollard uses the process's default provider: make it ring unless the
    // program chose one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Docker::connect_with_ssl(
        authority,
        &key,
        &cert,
        &ca,
        REQUEST_TIMEOUT_SECS,
        API_DEFAULT_VERSION,
    )
    .map_err(|error| Refusal::Tls(describe(&error)))
}

/// The TLS error in an error's chain, if there is one.
fn tls_problem(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls.to_string());
        }
        // An I/O error hides the error it carries from `source()`.
        let io = match error.downcast_ref::<bollard::errors::Error>() {
            Some(bollard::errors::Error::IOError { err }) => Some(err),
            _ => error.downcast_ref::<std::io::Error>(),
        };
        next = match io.and_then(std::io::Error::get_ref) {
            Some(carried) => Some(carried as &(dyn std::error::Error + 'static)),
            None => error.source(),
        };
    }
    None
}

/// An error and its causes, each once: the client's own message says little
/// (`client error (Connect)`) without its cause (`Connection refused`).
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        let cause_message = cause.to_string();
        if !message.contains(&cause_message) {
            message = format!("{message}: {cause_message}");
        }
        next = cause.source();
    }
    message
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_no_socket_answers_the_error_names_every_address_tried() {
        let candidates = vec![
            Endpoint::new(
                "unix:///nonexistent/docker.sock",
                None,
                "the default socket",
            ),
            Endpoint::new("unix:///nonexistent/podman.sock", None, "Podman"),
        ];
        let error = runtime::block_on(first_answering(candidates)).unwrap_err();
        let Error::NoEngineFound { tried } = &error else {
            panic!("expected NoEngineFound, got {error:?}");
        };
        let addresses: Vec<&str> = tried.iter().map(|(address, _)| address.as_str()).collect();
        assert_eq!(
            addresses,
            [
                "unix:///nonexistent/docker.sock (the default socket)",
                "unix:///nonexistent/podman.sock (Podman)"
            ]
        );
        assert!(
            tried
                .iter()
                .all(|(_, reason)| reason.contains("/nonexistent/")),
            "{tried:?}"
        );
        assert!(error.to_string().contains("DOCKER_HOST"), "{error}");
    }

    #[test]
    fn missing_tls_material_is_a_tls_error_naming_the_file() {
        let empty = std::env::temp_dir().join(format!(
            "dockhand-no-certs-{}",
            crate::session::random_suffix(10)
        ));
        let error =
            runtime::block_on(Engine::connect_tls("tcp://127.0.0.1:1", empty.clone())).unwrap_err();
        match &error {
            Error::EngineTls {
                address,
                cert_path,
                reason,
            } => {
                assert_eq!(address, "tcp://127.0.0.1:1");
                assert_eq!(cert_path, &empty.display().to_string());
                assert!(reason.contains("ca.pem is missing"), "{reason}");
            }
            other => panic!("expected EngineTls, got {other:?}"),
        }
        let error = runtime::block_on(Engine::connect_tls("unix:///var/run/docker.sock", empty))
            .unwrap_err();
        assert!(error.to_string().contains("needs a tcp://"), "{error}");
    }
}
