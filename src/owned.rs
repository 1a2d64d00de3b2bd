//! What networks and volumes share: dockhand names them at random, labels
//! them with the session, and leases them, so that dropping the handle
//! removes them (see [`janitor`](crate::janitor)).

use std::future::Future;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::janitor::{Lease, Resource};
use crate::reaper;
use crate::runtime;
use crate::session;

/// A network or volume that dockhand created: its name and its lease.
#[derive(Debug)]
pub(crate) struct Owned {
    lease: Lease,
    name: String,
}

impl Owned {
    /// Creates a resource named `dockhand-{short}-SUFFIX` on `engine` (the
    /// environment's when `None`), on the background runtime: `create` gets
    /// the engine and the name, makes the engine call, and must put the
    /// session's labels on it.
    pub(crate) async fn create<F, Fut, T>(
        engine: Option<&Engine>,
        short: &'static str,
        resource: fn(String) -> Resource,
        create: F,
    ) -> Result<Owned>
    where
        F: FnOnce(Engine, String) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, bollard::errors::Error>> + Send,
    {
        let engine = engine.cloned();
        runtime::run(async move {
            let engine = match engine {
                Some(engine) => engine,
                None => Engine::from_env().await?,
            };
            reaper::watch(&engine);
            let name = format!("dockhand-{short}-{}", session::random_suffix(10));
            let resource = resource(name.clone());
            create(engine.clone(), name.clone())
                .await
                .map_err(Error::engine(format!("create {resource}")))?;
            Ok(Owned {
                lease: Lease::new(engine, resource),
                name,
            })
        })
        .await
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn engine(&self) -> &Engine {
        self.lease.engine()
    }

    /// Removes the resource now, once no container uses it.
    pub(crate) async fn remove(self) -> Result<()> {
        self.lease.remove().await
    }
}
