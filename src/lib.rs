//! # dockhand
//!
//! Real containers for Rust tests: declare the image, ports, environment and
//! wait strategy; dockhand starts the container on a Docker engine, hands back
//! host and port, and removes it when the handle drops, also when the test
//! panics.
//!
//! ```no_run
//! use dockhand::{ContainerRequest, Wait};
//!
//! #[tokio::test]
//! async fn talks_to_redis() -> dockhand::Result<()> {
//!     let redis = ContainerRequest::new("redis:7")
//!         .expose(6379)
//!         .wait_for(Wait::log("Ready to accept connections"))
//!         .start()
//!         .await?;
//!     let address = format!("{}:{}", redis.host(), redis.host_port(6379)?);
//!     // … connect a client to `address` …
//!     Ok(())
//! }
//! ```
//!
//! The same works from a plain `#[test]` with
//! [`ContainerRequest::start_blocking`], and from any async runtime: every
//! engine call runs on dockhand's own background runtime.
//!
//! ## Where things are
//! - [`ContainerRequest`] declares a container; [`Container`] is the running one.
//! - [`Wait`] says when a container is ready: a log line ([`LogWait`]), a
//!   listening port ([`PortWait`]), an HTTP(S) answer ([`HttpWait`]), the
//!   engine's healthcheck ([`HealthWait`], declared with [`Healthcheck`]), a
//!   command that succeeds ([`ExecWait`]), an exit code ([`ExitWait`]), a
//!   fixed time, or all of several.
//! - [`Engine`] is the connection: `DOCKER_HOST`, the current Docker
//!   context, else the local sockets of Docker and Podman; TLS for `tcp://`.
//! - [`ImageRef`] parses image references; image substitution
//!   (`DOCKHAND_SUBSTITUTIONS`, see [`substitution`]) runs official
//!   references on other images.
//! - [`Network`] and [`Volume`] isolate a test's containers and data;
//!   [`Mount`] adds bind, tmpfs and anonymous mounts.
//! - [`Resources`] limits memory, CPU, shared memory, processes and ulimits;
//!   [`Security`] sets the user, a read-only root, capabilities and security
//!   options; [`RestartPolicy`] says when the engine restarts a container;
//!   [`ContainerRequest::host_access`] lets it reach the test's own servers.
//! - [`Container::exec`], [`Container::copy_in`] and friends, and
//!   [`Container::logs`] reach into a running container.
//! - [`ImageBuild`] builds images from a folder or from files in memory;
//!   [`Engine::pull`], [`Engine::tag`] and [`Engine::push`] move them
//!   between engine and registry, with the credentials of the user's
//!   [`DockerConfig`]; [`PullPolicy`] says when a container's image is
//!   pulled. Pull, push and build progress goes to `tracing`.
//! - [`Container::stop`], [`Container::start`], [`Container::restart`],
//!   [`Container::pause`], [`Container::kill`] and
//!   [`Container::wait_for_exit`] drive its lifecycle; [`Container::stats`]
//!   and [`Container::stats_stream`] read its resource usage as [`Stats`].
//! - Fixtures: a [`Shared`] container is started once for all the tests of
//!   a binary; a [`Stack`] starts several containers that reach each other
//!   by name; a [`reuse`]d container outlives the run for the next one.
//! - [`Error`] is the one error type; every variant names what is at fault.
//!
//! ## Teardown
//! Every resource carries the labels `dockhand.managed=true` and
//! `dockhand.session=<id>` (see [`session`]). Dropped handles are removed in
//! the background by the [`janitor`] and the process waits for those
//! removals at exit; a killed process is cleaned up by its [`reaper`].

#![allow(
    clippy::result_large_err,
    reason = "errors are cold and carry logs and context by design"
)]

mod container;
mod copy;
mod create_body;
mod docker_config;
mod docker_context;
mod endpoint;
mod engine;
mod error;
mod exec;
mod healthcheck;
mod image_build;
mod image_ref;
mod images;
pub mod janitor;
mod lifecycle;
mod log_lines;
mod logs;
mod mount;
mod network;
mod owned;
mod port;
mod progress;
mod pull_policy;
pub mod reaper;
mod request;
mod resources;
mod restart_policy;
pub mod reuse;
pub mod runtime;
mod security;
pub mod session;
pub mod shared;
pub mod stack;
mod stats;
pub mod substitution;
mod sweep;
mod volume;
mod wait;

pub use container::Container;
pub use docker_config::DockerConfig;
pub use engine::Engine;
pub use error::{Error, Result};
pub use exec::{ExecCommand, ExecOutput};
pub use healthcheck::Healthcheck;
pub use image_build::ImageBuild;
pub use image_ref::ImageRef;
pub use log_lines::LogLine;
pub use logs::{Logs, LogsRequest};
pub use mount::{Mount, Tmpfs};
pub use network::{Network, NetworkRequest};
pub use port::Port;
pub use pull_policy::PullPolicy;
pub use request::{ContainerRequest, DEFAULT_STARTUP_TIMEOUT, HOST_GATEWAY, HOST_INTERNAL};
pub use resources::Resources;
pub use restart_policy::RestartPolicy;
pub use security::Security;
pub use shared::{Shared, SharedStart};
pub use stack::{Stack, StackRequest};
pub use stats::Stats;
pub use volume::{Volume, VolumeRequest};
pub use wait::{ExecWait, ExitWait, HealthWait, HttpWait, LogStream, LogWait, PortWait, Wait};
