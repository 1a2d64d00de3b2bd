//! What a test asks for: a container request, built up by a chain of calls.
//!
//! ```no_run
//! use dockhand::{ContainerRequest, Wait};
//!
//! # async fn demo() -> dockhand::Result<()> {
//! let redis = ContainerRequest::new("redis:7")
//!     .expose(6379)
//!     .wait_for(Wait::log("Ready to accept connections"))
//!     .start()
//!     .await?;
//! let address = (redis.host(), redis.host_port(6379)?);
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{Mount, MountType};

use crate::container::Container;
use crate::engine::Engine;
use crate::error::Result;
use crate::network::Network;
use crate::port::Port;
use crate::runtime;
use crate::volume::Volume;
use crate::wait::Wait;

/// How long a container may take to become ready, unless the request says.
pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// A container to start: image, command, environment, ports and readiness.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is started"]
pub struct ContainerRequest {
    pub(crate) image: String,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) cmd: Option<Vec<String>>,
    pub(crate) entrypoint: Option<Vec<String>>,
    pub(crate) labels: HashMap<String, String>,
    pub(crate) ports: Vec<Port>,
    pub(crate) network: Option<String>,
    pub(crate) aliases: Vec<String>,
    pub(crate) mounts: Vec<Mount>,
    pub(crate) wait: Wait,
    pub(crate) startup_timeout: Duration,
}

impl ContainerRequest {
    /// A request for a container of `image`, e.g. `redis:7`. The reference
    /// is checked when the container starts, before any engine call.
    pub fn new(image: impl Into<String>) -> Self {
        ContainerRequest {
            image: image.into(),
            env: Vec::new(),
            cmd: None,
            entrypoint: None,
            labels: HashMap::new(),
            ports: Vec::new(),
            network: None,
            aliases: Vec::new(),
            mounts: Vec::new(),
            wait: Wait::Nothing,
            startup_timeout: DEFAULT_STARTUP_TIMEOUT,
        }
    }

    /// Sets an environment variable (a later value for a name wins).
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.env.retain(|(existing, _)| *existing != name);
        self.env.push((name, value.into()));
        self
    }

    /// Replaces the image's command (`CMD`), e.g. `["redis-server", "--appendonly", "yes"]`.
    pub fn cmd<I, S>(mut self, cmd: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.cmd = Some(cmd.into_iter().map(Into::into).collect());
        self
    }

    /// Replaces the image's entrypoint.
    pub fn entrypoint<I, S>(mut self, entrypoint: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.entrypoint = Some(entrypoint.into_iter().map(Into::into).collect());
        self
    }

    /// Adds a label. dockhand's own labels (`dockhand.*`) cannot be replaced.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Exposes a container port and publishes it on a random host port
    /// (on loopback for a local engine); see [`Container::host_port`].
    pub fn expose(mut self, port: impl Into<Port>) -> Self {
        let port = port.into();
        if !self.ports.contains(&port) {
            self.ports.push(port);
        }
        self
    }

    /// Joins `network` (instead of the engine's default bridge).
    pub fn network(mut self, network: &Network) -> Self {
        self.network = Some(network.name().to_string());
        self
    }

    /// A name by which the other containers on its network reach it.
    pub fn network_alias(mut self, alias: impl Into<String>) -> Self {
        self.aliases.push(alias.into());
        self
    }

    /// Mounts `volume` at `path` inside the container.
    pub fn volume(mut self, volume: &Volume, path: impl Into<String>) -> Self {
        self.mounts.push(Mount {
            target: Some(path.into()),
            source: Some(volume.name().to_string()),
            typ: Some(MountType::VOLUME),
            ..Default::default()
        });
        self
    }

    /// Mounts a fresh, empty tmpfs (kept in memory) at `path`: fast
    /// scratch space that goes with the container, e.g. a database's data.
    pub fn tmpfs(mut self, path: impl Into<String>) -> Self {
        self.mounts.push(Mount {
            target: Some(path.into()),
            typ: Some(MountType::TMPFS),
            ..Default::default()
        });
        self
    }

    /// What makes the container ready; see [`Wait`].
    pub fn wait_for(mut self, wait: impl Into<Wait>) -> Self {
        self.wait = wait.into();
        self
    }

    /// How long the container may take to become ready (default 60 s).
    pub fn startup_timeout(mut self, timeout: Duration) -> Self {
        self.startup_timeout = timeout;
        self
    }

    /// Starts the container on the engine from the environment and waits
    /// until it is ready. Works from any async runtime.
    pub async fn start(self) -> Result<Container> {
        runtime::run(self.start_on_env_engine()).await
    }

    /// Starts the container on `engine` and waits until it is ready.
    pub async fn start_on(self, engine: &Engine) -> Result<Container> {
        runtime::run(Container::start(engine.clone(), self)).await
    }

    /// [`start`](Self::start) for code without an async runtime, such as a
    /// plain `#[test]`.
    pub fn start_blocking(self) -> Result<Container> {
        runtime::block_on(self.start_on_env_engine())
    }

    async fn start_on_env_engine(self) -> Result<Container> {
        Container::start(Engine::from_env().await?, self).await
    }
}
