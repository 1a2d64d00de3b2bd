//! Volumes: named storage per test, removed when the test is done.
//!
//! A volume outlives the containers that mount it, so data written by one
//! is there after a restart and for the next container that mounts it (see
//! [`Mount`](crate::Mount) for the other kinds of mounts). A driver and its
//! options choose where the data lives: the `local` driver with options
//! `type=tmpfs`, `device=tmpfs` and `o=size=64m` keeps it in memory.
//!
//! ```no_run
//! use dockhand::{ContainerRequest, Volume};
//!
//! # async fn demo() -> dockhand::Result<()> {
//! let data = Volume::builder().create().await?;
//! let db = ContainerRequest::new("postgres:15")
//!     .volume(&data, "/var/lib/postgresql/data")
//!     .start()
//!     .await?;
//! # Ok(()) }
//! ```

use std::collections::HashMap;

use bollard::models::VolumeCreateRequest;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::janitor::{Lease, Resource};
use crate::reaper;
use crate::runtime;
use crate::session;

/// A volume to create; see [`Volume::builder`].
#[derive(Debug, Clone, Default)]
#[must_use = "a volume request does nothing until it is created"]
pub struct VolumeRequest {
    driver: Option<String>,
    driver_opts: HashMap<String, String>,
}

impl VolumeRequest {
    /// The volume driver (default `local`).
    pub fn driver(mut self, driver: impl Into<String>) -> Self {
        self.driver = Some(driver.into());
        self
    }

    /// An option for the driver, as `docker volume create --opt` takes it,
    /// e.g. `("type", "tmpfs")` for the `local` driver.
    pub fn driver_opt(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.driver_opts.insert(key.into(), value.into());
        self
    }

    /// Creates the volume on the engine from the environment.
    pub async fn create(self) -> Result<Volume> {
        runtime::run(async move { self.create_here(Engine::from_env().await?).await }).await
    }

    /// Creates the volume on `engine`.
    pub async fn create_on(self, engine: &Engine) -> Result<Volume> {
        let engine = engine.clone();
        runtime::run(self.create_here(engine)).await
    }

    async fn create_here(self, engine: Engine) -> Result<Volume> {
        reaper::watch(&engine);
        let name = format!("dockhand-vol-{}", session::random_suffix(10));
        let request = VolumeCreateRequest {
            name: Some(name.clone()),
            driver: self.driver,
            driver_opts: Some(self.driver_opts),
            labels: Some(session::labels()),
            ..Default::default()
        };
        engine
            .docker()
            .create_volume(request)
            .await
            .map_err(Error::engine(format!("create volume {name}")))?;
        Ok(Volume {
            lease: Lease::new(engine, Resource::Volume(name.clone())),
            name,
        })
    }
}

/// A named volume with a random name; removed when dropped.
#[derive(Debug)]
pub struct Volume {
    lease: Lease,
    name: String,
}

impl Volume {
    /// A request for a fresh volume.
    pub fn builder() -> VolumeRequest {
        VolumeRequest::default()
    }

    /// The volume's name, random and unique: `dockhand-vol-SUFFIX`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The engine the volume is on.
    pub fn engine(&self) -> &Engine {
        self.lease.engine()
    }

    /// Removes the volume now (after its containers are gone).
    pub async fn remove(self) -> Result<()> {
        self.lease.remove().await
    }
}
