//! The connection to a Docker engine.
//!
//! dockhand finds the engine the way the `docker` command line does:
//! `DOCKER_HOST` (`unix://…` or `tcp://…`) when it is set, else the local
//! socket `/var/run/docker.sock`. The API version is negotiated, so old
//! engines (API 1.41) and new ones both answer. An engine that does not
//! answer is an [`Error::EngineUnreachable`] naming the address within
//! five seconds, never a hang.
//!
//! Ports a container publishes are reached on [`Engine::host`]: loopback for
//! a local engine, the engine's host for `tcp://`, or `DOCKHAND_HOST_OVERRIDE`
//! when set (for tests that themselves run inside a container).
//!
//! ```no_run
//! # async fn demo() -> dockhand::Result<()> {
//! let engine = dockhand::Engine::from_env().await?;
//! println!("engine at {}, ports on {}", engine.address(), engine.host());
//! # Ok(()) }
//! ```

use std::time::Duration;

use bollard::{Docker, API_DEFAULT_VERSION};
use tokio::sync::OnceCell;

use crate::error::{Error, Result};
use crate::runtime;

const DEFAULT_ADDRESS: &str = "unix:///var/run/docker.sock";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one API call may take before its response starts.
const REQUEST_TIMEOUT_SECS: u64 = 300;

/// A connected Docker engine. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Engine {
    docker: Docker,
    address: String,
    host: String,
}

impl Engine {
    /// The engine named by the environment (`DOCKER_HOST`, else the local
    /// socket), connected once per process and shared.
    pub async fn from_env() -> Result<Engine> {
        static SHARED: OnceCell<Engine> = OnceCell::const_new();
        SHARED
            .get_or_try_init(|| {
                let address = std::env::var("DOCKER_HOST")
                    .ok()
                    .filter(|address| !address.is_empty())
                    .unwrap_or_else(|| DEFAULT_ADDRESS.to_string());
                Engine::connect(address)
            })
            .await
            .cloned()
    }

    /// Connects to the engine at `address`: `unix:///path/docker.sock`,
    /// `tcp://host:port` or `http://host:port`.
    pub async fn connect(address: impl Into<String>) -> Result<Engine> {
        let address = address.into();
        runtime::run(async move {
            let unreachable = |reason: String| Error::EngineUnreachable {
                address: address.clone(),
                reason,
            };
            let (docker, host) = open(&address).map_err(unreachable)?;
            let docker = match tokio::time::timeout(CONNECT_TIMEOUT, docker.negotiate_version())
                .await
            {
                Ok(Ok(docker)) => docker,
                Ok(Err(error)) => return Err(unreachable(error.to_string())),
                Err(_) => return Err(unreachable(format!("no answer within {CONNECT_TIMEOUT:?}"))),
            };
            let host = std::env::var("DOCKHAND_HOST_OVERRIDE")
                .ok()
                .filter(|host| !host.is_empty())
                .unwrap_or(host);
            Ok(Engine {
                docker,
                address,
                host,
            })
        })
        .await
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

    /// The API client; use only from the background runtime.
    pub(crate) fn docker(&self) -> &Docker {
        &self.docker
    }
}

/// Opens a client for `address` (no I/O yet) and says where its published
/// ports are reached.
fn open(address: &str) -> Result<(Docker, String), String> {
    if let Some(path) = address.strip_prefix("unix://") {
        let docker = Docker::connect_with_unix(path, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION)
            .map_err(|error| error.to_string())?;
        return Ok((docker, "127.0.0.1".to_string()));
    }
    let authority = address
        .strip_prefix("tcp://")
        .or_else(|| address.strip_prefix("http://"))
        .ok_or("the address must start with unix://, tcp:// or http://")?;
    let authority = authority.trim_end_matches('/');
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() && !host.is_empty() => host,
        _ => {
            return Err(
                "a tcp:// address needs a host and a port, e.g. tcp://127.0.0.1:2375".into(),
            )
        }
    };
    let docker = Docker::connect_with_http(authority, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION)
        .map_err(|error| error.to_string())?;
    Ok((
        docker,
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
    ))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
