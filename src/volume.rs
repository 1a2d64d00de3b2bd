//! Volumes: named storage per test, removed when the test is done.
//!
//! A volume outlives the containers that mount it, so data written by one
//! is there after a restart and for the next container that mounts it (see
//! [`Mount`](crate::Mount) for the other kinds of mounts). A driver and its
//! options choose where the data lives: the `local` driver with options
//! `type=tmpfs`, `device=tmpfs` and `o=size=64m` keeps it in memory.

use std::collections::HashMap;

use bollard::models::VolumeCreateRequest;

use crate::engine::Engine;
use crate::error::Result;
use crate::janitor::Resource;
use crate::owned::Owned;
use crate::session;

/// A volume to create; see [`Volume::builder`].
///
/// ```no_run
/// use dockhand::Volume;
///
/// # async fn demo() -> dockhand::Result<()> {
/// // Kept in memory by the `local` driver.
/// let scratch = Volume::builder()
///     .driver("local")
///     .driver_opt("type", "tmpfs")
///     .driver_opt("device", "tmpfs")
///     .driver_opt("o", "size=64m")
///     .create()
///     .await?;
/// # Ok(()) }
/// ```
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
        self.create_via(None).await
    }

    /// Creates the volume on `engine`.
    pub async fn create_on(self, engine: &Engine) -> Result<Volume> {
        self.create_via(Some(engine)).await
    }

    async fn create_via(self, engine: Option<&Engine>) -> Result<Volume> {
        let create = move |engine: Engine, name: String| async move {
            let request = VolumeCreateRequest {
                name: Some(name),
                driver: self.driver,
                driver_opts: Some(self.driver_opts),
                labels: Some(session::labels()),
                ..Default::default()
            };
            engine.docker().create_volume(request).await
        };
        let owned = Owned::create(engine, "vol", Resource::Volume, create).await?;
        Ok(Volume { owned })
    }
}

/// A named volume with a random name; removed when dropped.
///
/// ```no_run
/// use dockhand::{ContainerRequest, Volume};
///
/// # async fn demo() -> dockhand::Result<()> {
/// let data = Volume::builder().create().await?;
/// let db = ContainerRequest::new("postgres:15")
///     .volume(&data, "/var/lib/postgresql/data")
///     .start()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Volume {
    owned: Owned,
}

impl Volume {
    /// A request for a fresh volume.
    pub fn builder() -> VolumeRequest {
        VolumeRequest::default()
    }

    /// The volume's name, random and unique: `dockhand-vol-SUFFIX`.
    pub fn name(&self) -> &str {
        self.owned.name()
    }

    /// The engine the volume is on.
    pub fn engine(&self) -> &Engine {
        self.owned.engine()
    }

    /// Removes the volume now (after its containers are gone).
    pub async fn remove(self) -> Result<()> {
        self.owned.remove().await
    }
}
