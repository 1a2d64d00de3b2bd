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
//! - [`Wait`] says when a container is ready.
//! - [`Engine`] is the connection: `DOCKER_HOST`, the current Docker
//!   context, else the local sockets of Docker and Podman; TLS for `tcp://`.
//! - [`ImageRef`] parses image references; image substitution
//!   (`DOCKHAND_SUBSTITUTIONS`, see [`substitution`]) runs official
//!   references on other images.
//! - [`Network`] and [`Volume`] isolate a test's containers and data.
//! - [`Container::exec`], [`Container::copy_in`] and friends, and
//!   [`Container::logs`] reach into a running container.
//! - [`ImageBuild`] builds images from a folder or from files in memory.
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
mod docker_context;
mod endpoint;
mod engine;
mod error;
mod exec;
mod image_build;
mod image_ref;
mod images;
pub mod janitor;
mod log_lines;
mod logs;
mod network;
mod port;
pub mod reaper;
mod request;
mod runtime;
pub mod session;
pub mod substitution;
mod sweep;
mod volume;
mod wait;

pub use container::Container;
pub use engine::Engine;
pub use error::{Error, Result};
pub use exec::{ExecCommand, ExecOutput};
pub use image_build::ImageBuild;
pub use image_ref::ImageRef;
pub use log_lines::LogLine;
pub use logs::{Logs, LogsRequest};
pub use network::{Network, NetworkRequest};
pub use port::Port;
pub use request::{ContainerRequest, DEFAULT_STARTUP_TIMEOUT};
pub use volume::{Volume, VolumeRequest};
pub use wait::{LogStream, LogWait, Wait};
