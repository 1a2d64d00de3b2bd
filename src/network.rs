//! Networks: one per test, so its containers reach each other by alias and
//! no other test's containers.
//!
//! ```no_run
//! use dockhand::{ContainerRequest, Network};
//!
//! # async fn demo() -> dockhand::Result<()> {
//! let network = Network::builder().create().await?;
//! let db = ContainerRequest::new("postgres:15")
//!     .network(&network)
//!     .start()
//!     .await?;
//! # Ok(()) }
//! ```

use bollard::models::NetworkCreateRequest;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::janitor::{Lease, Resource};
use crate::reaper;
use crate::runtime;
use crate::session;

/// A network to create; see [`Network::builder`].
#[derive(Debug, Clone, Default)]
#[must_use = "a network request does nothing until it is created"]
pub struct NetworkRequest {
    driver: Option<String>,
}

impl NetworkRequest {
    /// The network driver (default: the engine's, `bridge`).
    pub fn driver(mut self, driver: impl Into<String>) -> Self {
        self.driver = Some(driver.into());
        self
    }

    /// Creates the network on the engine from the environment.
    pub async fn create(self) -> Result<Network> {
        runtime::run(async move { self.create_here(Engine::from_env().await?).await }).await
    }

    /// Creates the network on `engine`.
    pub async fn create_on(self, engine: &Engine) -> Result<Network> {
        let engine = engine.clone();
        runtime::run(self.create_here(engine)).await
    }

    async fn create_here(self, engine: Engine) -> Result<Network> {
        reaper::watch(&engine);
        let name = format!("dockhand-net-{}", session::random_suffix(10));
        let request = NetworkCreateRequest {
            name: name.clone(),
            driver: self.driver,
            labels: Some(session::labels()),
            ..Default::default()
        };
        engine
            .docker()
            .create_network(request)
            .await
            .map_err(Error::engine(format!("create network {name}")))?;
        Ok(Network {
            lease: Lease::new(engine, Resource::Network(name.clone())),
            name,
        })
    }
}

/// A network with a random name; removed when dropped.
#[derive(Debug)]
pub struct Network {
    lease: Lease,
    name: String,
}

impl Network {
    /// A request for a fresh bridge network.
    pub fn builder() -> NetworkRequest {
        NetworkRequest::default()
    }

    /// The network's name, random and unique: `dockhand-net-SUFFIX`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The engine the network is on.
    pub fn engine(&self) -> &Engine {
        self.lease.engine()
    }

    /// Removes the network now (after its containers are gone).
    pub async fn remove(self) -> Result<()> {
        self.lease.remove().await
    }
}
