//! A running container, owned by the test that started it.
//!
//! Dropping the handle removes the container (forced, with its anonymous
//! volumes) in the background and returns at once, also when the test
//! panics; [`Container::remove`] removes it before going on. An error while starting removes whatever was
//! created, so a failed start leaks nothing either.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bollard::models::ContainerState;
use bollard::query_parameters::CreateContainerOptionsBuilder;

use crate::create_body::create_body;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::image_ref::ImageRef;
use crate::images;
use crate::janitor::{Lease, Resource};
use crate::logs;
use crate::port::Port;
use crate::reaper;
use crate::request::ContainerRequest;
use crate::reuse;
use crate::session;
use crate::substitution;
use crate::wait::{Deadline, NotReady, Reason, Wait};

/// A started container; removed when dropped, unless it is
/// [reusable](crate::reuse).
///
/// ```no_run
/// use dockhand::{ContainerRequest, ExecCommand};
///
/// # async fn demo() -> dockhand::Result<()> {
/// let redis = ContainerRequest::new("redis:7").expose(6379).start().await?;
/// let address = format!("{}:{}", redis.host(), redis.host_port(6379)?);
/// let ping = redis.exec(ExecCommand::new(["redis-cli", "ping"])).await?;
/// assert_eq!(ping.stdout, "PONG\n");
/// redis.remove().await?; // or let it drop: removed in the background
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Container {
    lease: Lease,
    id: String,
    name: String,
    image: String,
    /// The ports the request exposes.
    exposed: Vec<Port>,
    /// Their host ports as of the latest start; a start may change them.
    ports: Mutex<HashMap<Port, u16>>,
    /// What makes it ready, after the first start and after every other.
    wait: Wait,
    startup_timeout: Duration,
}

impl Container {
    pub(crate) async fn run(engine: Engine, request: ContainerRequest) -> Result<Container> {
        let asked = ImageRef::parse(&request.image)?;
        let image = substitution::resolve(&asked)?;
        let described = if image == asked {
            asked.to_string()
        } else {
            format!("{asked} as {image}")
        };
        let body = create_body(&request, &image, engine.publish_ip())?;
        images::ensure(
            &engine,
            &image,
            &described,
            request.pull_policy,
            &request.docker_config,
        )
        .await?;

        let short_name = image.repository().rsplit('/').next().unwrap_or("container");
        let mut body = body;
        let reusable = request.reuse && reuse::enabled();
        let reuse_key = reusable.then(|| reuse::key(&body, &request.copies));
        let labels = body.labels.get_or_insert_with(HashMap::new);
        reaper::watch(&engine);
        let (id, name) = match reuse_key {
            Some(key) => {
                labels.extend(reuse::labels(&key));
                let name = reuse::name(short_name, &key);
                (
                    reuse::create_or_find(&engine, &name, body, &described).await?,
                    name,
                )
            }
            None => {
                labels.extend(session::labels());
                let name = format!("dockhand-{short_name}-{}", session::random_suffix(8));
                let options = CreateContainerOptionsBuilder::default().name(&name).build();
                let created = engine
                    .docker()
                    .create_container(Some(options), body)
                    .await
                    .map_err(Error::engine(format!("create a container of {described}")))?;
                (created.id, name)
            }
        };

        // From here on an error drops `container`, which removes it (also
        // a reusable one that did not become ready: the next run replaces it).
        let container = Container {
            lease: Lease::new(engine, Resource::Container(id.clone())),
            id,
            name,
            image: described,
            exposed: request.ports,
            ports: Mutex::new(HashMap::new()),
            wait: request.wait,
            startup_timeout: request.startup_timeout,
        };
        for attachment in request.networks.iter().skip(1) {
            attachment
                .connect(container.engine(), &container.id, &container.name)
                .await?;
        }
        for copy in &request.copies {
            container.put(copy).await?;
        }
        container
            .engine()
            .docker()
            .start_container(&container.id, None)
            .await
            .map_err(Error::engine(container.action("start")))?;
        container.ready_after_start().await?;
        if reusable {
            container.lease.release();
        }
        Ok(container)
    }

    /// The engine the container runs on.
    pub(crate) fn engine(&self) -> &Engine {
        self.lease.engine()
    }

    /// The engine's id for the container.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The container's name, random and unique: `dockhand-IMAGE-SUFFIX`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The image it runs, as asked for (and its substitute, if any).
    pub fn image(&self) -> &str {
        &self.image
    }

    /// What dockhand was doing, for an error: `VERB container NAME (IMAGE)`.
    pub(crate) fn action(&self, verb: &str) -> String {
        format!("{verb} container {} ({})", self.name, self.image)
    }

    /// The host on which its published ports are reached.
    pub fn host(&self) -> &str {
        self.engine().host()
    }

    /// The host port on which container port `port` is published, as of
    /// the container's latest start: a [`start`](Self::start) or
    /// [`restart`](Self::restart) may publish it on another one.
    pub fn host_port(&self, port: impl Into<Port>) -> Result<u16> {
        let port = port.into();
        let ports = self.ports.lock().unwrap_or_else(PoisonError::into_inner);
        ports.get(&port).copied().ok_or_else(|| {
            let mut exposed: Vec<String> = ports.keys().map(Port::to_string).collect();
            exposed.sort();
            Error::PortNotExposed {
                image: self.image.clone(),
                container: self.name.clone(),
                port: port.to_string(),
                exposed: if exposed.is_empty() {
                    "none".to_string()
                } else {
                    exposed.join(", ")
                },
            }
        })
    }

    /// The container ports (TCP) it publishes, lowest first.
    pub(crate) fn tcp_ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self
            .exposed
            .iter()
            .filter(|port| **port == Port::tcp(port.number()))
            .map(Port::number)
            .collect();
        ports.sort_unstable();
        ports
    }

    /// Removes the container now and waits until the engine has done so.
    pub async fn remove(self) -> Result<()> {
        self.lease.remove().await
    }

    /// [`remove`](Self::remove) for code without an async runtime.
    pub fn remove_blocking(self) -> Result<()> {
        self.lease.remove_blocking()
    }

    /// After a start: reads the host ports the engine chose this time and
    /// waits for the request's wait strategy within its startup timeout.
    pub(crate) async fn ready_after_start(&self) -> Result<()> {
        let ports = self.published_ports().await?;
        *self.ports.lock().unwrap_or_else(PoisonError::into_inner) = ports;
        self.until_ready(&self.wait, self.startup_timeout).await
    }

    /// The host ports the engine chose for the exposed container ports.
    async fn published_ports(&self) -> Result<HashMap<Port, u16>> {
        if self.exposed.is_empty() {
            return Ok(HashMap::new());
        }
        let inspect = self
            .engine()
            .docker()
            .inspect_container(&self.id, None)
            .await
            .map_err(Error::engine(self.action("inspect")))?;
        let bindings = inspect
            .network_settings
            .and_then(|settings| settings.ports)
            .unwrap_or_default();
        let mut ports = HashMap::new();
        for port in &self.exposed {
            let host_port = bindings
                .get(&port.to_string())
                .and_then(Option::as_ref)
                .into_iter()
                .flatten()
                .find_map(|binding| binding.host_port.as_deref()?.parse::<u16>().ok());
            if let Some(host_port) = host_port {
                ports.insert(*port, host_port);
            }
        }
        Ok(ports)
    }

    /// Waits for `wait` within the request's startup timeout; an error names
    /// the strategy not satisfied, what it saw last, the container's state
    /// and its last log lines.
    pub(crate) async fn until_ready(&self, wait: &Wait, timeout: Duration) -> Result<()> {
        let Err(NotReady {
            waiting_for,
            last_seen,
            reason,
        }) = wait.until_ready(self, Deadline::after(timeout)).await
        else {
            return Ok(());
        };
        let state = self.state().await;
        let logs = logs::tail(self.engine(), &self.id, logs::ERROR_TAIL_LINES).await;
        let (image, container) = (self.image.clone(), self.name.clone());
        Err(match reason {
            Reason::Stopped => Error::ContainerExited {
                image,
                container,
                exit_code: state.exit_code,
                waiting_for,
                last_seen,
                logs,
            },
            Reason::TimedOut(timeout) => Error::WaitTimeout {
                image,
                container,
                timeout,
                waiting_for,
                last_seen,
                state: state.to_string(),
                logs,
            },
            Reason::Failed => Error::WaitFailed {
                image,
                container,
                waiting_for,
                last_seen,
                state: state.to_string(),
                logs,
            },
        })
    }

    /// The engine's account of the container's state; `None` if the
    /// engine cannot give it.
    pub(crate) async fn inspect_state(&self) -> Option<ContainerState> {
        let inspect = self
            .engine()
            .docker()
            .inspect_container(&self.id, None)
            .await;
        inspect.ok().and_then(|inspect| inspect.state)
    }

    async fn state(&self) -> State {
        let state = self.inspect_state().await;
        State {
            status: state
                .as_ref()
                .and_then(|state| state.status)
                .map_or("unknown".to_string(), |status| status.to_string()),
            exit_code: state.and_then(|state| state.exit_code).unwrap_or(-1),
        }
    }
}

/// A container's state as an error reports it.
struct State {
    status: String,
    exit_code: i64,
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status.as_str() {
            "running" | "created" | "paused" | "restarting" => f.write_str(&self.status),
            _ => write!(f, "{} (exit code {})", self.status, self.exit_code),
        }
    }
}
