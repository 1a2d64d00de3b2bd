//! What a test asks for: a container request, built up by a chain of calls.
//!
//! Besides image, command, environment, ports and readiness, the chain
//! declares where the container lives and what it may do:
//! networks and aliases, mounts ([`Mount`]), files put in before start,
//! limits ([`Resources`]), security settings ([`Security`]), a restart
//! policy, host name, working directory and extra `/etc/hosts` entries.
//! Options that cannot work are errors naming the value before any
//! engine call.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use crate::container::Container;
use crate::copy::CopyIn;
use crate::docker_config::DockerConfig;
use crate::engine::Engine;
use crate::error::Result;
use crate::healthcheck::Healthcheck;
use crate::mount::Mount;
use crate::network::{Attachment, Network};
use crate::port::Port;
use crate::pull_policy::PullPolicy;
use crate::resources::Resources;
use crate::restart_policy::RestartPolicy;
use crate::runtime;
use crate::security::Security;
use crate::volume::Volume;
use crate::wait::Wait;

/// How long a container may take to become ready, unless the request says.
pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// The name by which a container started with
/// [`ContainerRequest::host_access`] reaches the machine the engine runs on.
pub const HOST_INTERNAL: &str = "host.docker.internal";

/// The engine's stand-in for the host's address as the containers see it,
/// for [`ContainerRequest::extra_host`].
pub const HOST_GATEWAY: &str = "host-gateway";

/// A container to start: image, command, environment, ports, readiness,
/// networks, mounts, limits and security.
///
/// ```no_run
/// use dockhand::{ContainerRequest, Wait};
///
/// #[test]
/// fn postgres_starts() -> dockhand::Result<()> {
///     let db = ContainerRequest::new("postgres:15")
///         .env("POSTGRES_PASSWORD", "test")
///         .expose(5432)
///         .wait_for(Wait::log("database system is ready to accept connections").times(2))
///         .start_blocking()?;
///     let url = format!("postgres://postgres:test@{}:{}/postgres", db.host(), db.host_port(5432)?);
///     // … connect a client to `url` …
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is started"]
pub struct ContainerRequest {
    pub(crate) image: String,
    pub(crate) pull_policy: PullPolicy,
    pub(crate) docker_config: DockerConfig,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) cmd: Option<Vec<String>>,
    pub(crate) entrypoint: Option<Vec<String>>,
    pub(crate) labels: HashMap<String, String>,
    pub(crate) ports: Vec<Port>,
    pub(crate) networks: Vec<Attachment>,
    /// Aliases given before any network was joined: an error at start.
    pub(crate) unattached_aliases: Vec<String>,
    pub(crate) mounts: Vec<Mount>,
    pub(crate) copies: Vec<CopyIn>,
    pub(crate) resources: Resources,
    pub(crate) security: Security,
    pub(crate) restart: RestartPolicy,
    pub(crate) hostname: Option<String>,
    pub(crate) working_dir: Option<String>,
    pub(crate) extra_hosts: Vec<(String, String)>,
    pub(crate) healthcheck: Option<Healthcheck>,
    pub(crate) wait: Wait,
    pub(crate) startup_timeout: Duration,
    pub(crate) reuse: bool,
}

impl ContainerRequest {
    /// A request for a container of `image`, e.g. `redis:7`. The reference
    /// is checked when the container starts, before any engine call.
    pub fn new(image: impl Into<String>) -> Self {
        ContainerRequest {
            image: image.into(),
            pull_policy: PullPolicy::default(),
            docker_config: DockerConfig::default(),
            env: Vec::new(),
            cmd: None,
            entrypoint: None,
            labels: HashMap::new(),
            ports: Vec::new(),
            networks: Vec::new(),
            unattached_aliases: Vec::new(),
            mounts: Vec::new(),
            copies: Vec::new(),
            resources: Resources::default(),
            security: Security::default(),
            restart: RestartPolicy::default(),
            hostname: None,
            working_dir: None,
            extra_hosts: Vec::new(),
            healthcheck: None,
            wait: Wait::Nothing,
            startup_timeout: DEFAULT_STARTUP_TIMEOUT,
            reuse: false,
        }
    }

    /// When to pull the image (default [`PullPolicy::IfMissing`]).
    pub fn pull_policy(mut self, policy: PullPolicy) -> Self {
        self.pull_policy = policy;
        self
    }

    /// Pulls with the credentials of `config` instead of the user's
    /// Docker config.
    pub fn docker_config(mut self, config: DockerConfig) -> Self {
        self.docker_config = config;
        self
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

    /// Joins `network` instead of the engine's default bridge; call again
    /// to join more networks.
    pub fn network(mut self, network: &Network) -> Self {
        self.networks.push(Attachment {
            network: network.name().to_string(),
            aliases: Vec::new(),
        });
        self
    }

    /// A name by which the other containers on the network joined last
    /// reach it. Without a network joined before, the start fails.
    pub fn network_alias(mut self, alias: impl Into<String>) -> Self {
        match self.networks.last_mut() {
            Some(attachment) => attachment.aliases.push(alias.into()),
            None => self.unattached_aliases.push(alias.into()),
        }
        self
    }

    /// Puts a stack member on the stack's network, first, reached there by
    /// its member name and by the aliases it declared before any network.
    pub(crate) fn join_stack(mut self, network: &Network, member: &str) -> Self {
        let mut aliases = vec![member.to_string()];
        aliases.append(&mut self.unattached_aliases);
        let attachment = Attachment {
            network: network.name().to_string(),
            aliases,
        };
        self.networks.insert(0, attachment);
        self
    }

    /// Mounts `volume` at `path` inside the container; the same as
    /// `.mount(Mount::volume(volume, path))`.
    pub fn volume(self, volume: &Volume, path: impl Into<String>) -> Self {
        self.mount(Mount::volume(volume, path))
    }

    /// Mounts a volume, host path or tmpfs; see [`Mount`].
    pub fn mount(mut self, mount: impl Into<Mount>) -> Self {
        self.mounts.push(mount.into());
        self
    }

    /// Writes `bytes` to the file `container_path` with permission bits
    /// `mode` before the container starts, so that its entrypoint finds it
    /// (a script, a config file); see [`Container::copy_bytes_in`].
    pub fn copy_bytes_in(
        mut self,
        container_path: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
        mode: u32,
    ) -> Self {
        let copy = CopyIn::bytes(container_path.into(), bytes.into(), mode);
        self.copies.push(copy);
        self
    }

    /// Copies the host file or directory `host_path` to `container_path`
    /// before the container starts; see [`Container::copy_in`]. The host
    /// path is read at start.
    pub fn copy_in(
        mut self,
        host_path: impl AsRef<Path>,
        container_path: impl Into<String>,
    ) -> Self {
        let copy = CopyIn::host(host_path.as_ref().to_path_buf(), container_path.into());
        self.copies.push(copy);
        self
    }

    /// Memory, CPU, shared memory, process and ulimit limits; see
    /// [`Resources`].
    pub fn resources(mut self, resources: Resources) -> Self {
        self.resources = resources;
        self
    }

    /// User, read-only root, capabilities and security options; see
    /// [`Security`].
    pub fn security(mut self, security: Security) -> Self {
        self.security = security;
        self
    }

    /// What the engine does when the container's process exits (default:
    /// nothing); see [`RestartPolicy`].
    pub fn restart(mut self, policy: RestartPolicy) -> Self {
        self.restart = policy;
        self
    }

    /// The container's host name, as its processes see it.
    pub fn hostname(mut self, hostname: impl Into<String>) -> Self {
        self.hostname = Some(hostname.into());
        self
    }

    /// The directory the container's command starts in (default: the
    /// image's).
    pub fn working_dir(mut self, dir: impl Into<String>) -> Self {
        self.working_dir = Some(dir.into());
        self
    }

    /// Adds `name` to the container's `/etc/hosts` with `address`: an IP
    /// address, or [`HOST_GATEWAY`] for the engine's host.
    pub fn extra_host(mut self, name: impl Into<String>, address: impl Into<String>) -> Self {
        self.extra_hosts.push((name.into(), address.into()));
        self
    }

    /// Lets the container reach servers the test runs on the engine's
    /// host, as [`HOST_INTERNAL`] (`host.docker.internal`). Such a server
    /// must listen on the address that name resolves to in the container
    /// (the engine's bridge gateway, e.g. 172.17.0.1) or on all interfaces:
    /// the container does not reach the host's loopback.
    pub fn host_access(self) -> Self {
        self.extra_host(HOST_INTERNAL, HOST_GATEWAY)
    }

    /// A healthcheck for the engine to run, replacing the image's; see
    /// [`Healthcheck`] and [`Wait::healthy`].
    pub fn healthcheck(mut self, healthcheck: Healthcheck) -> Self {
        self.healthcheck = Some(healthcheck);
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

    /// Keeps the container running after the tests, for the next run of
    /// the same request to adopt, when `DOCKHAND_REUSE=1` is set; without
    /// it, this does nothing. See [`reuse`](crate::reuse).
    pub fn reuse(mut self) -> Self {
        self.reuse = true;
        self
    }

    /// Starts the container on the engine from the environment and waits
    /// until it is ready. Works from any async runtime.
    pub async fn start(self) -> Result<Container> {
        runtime::run(self.start_on_env_engine()).await
    }

    /// Starts the container on `engine` and waits until it is ready.
    pub async fn start_on(self, engine: &Engine) -> Result<Container> {
        runtime::run(Container::run(engine.clone(), self)).await
    }

    /// [`start`](Self::start) for code without an async runtime, such as a
    /// plain `#[test]`.
    pub fn start_blocking(self) -> Result<Container> {
        runtime::block_on(self.start_on_env_engine())
    }

    async fn start_on_env_engine(self) -> Result<Container> {
        Container::run(Engine::from_env().await?, self).await
    }
}
