//! The janitor: removes what handles drop, in the background.
//!
//! `Drop` cannot wait for the engine, and a test should not either: removing
//! a container takes a fifth of a second or more. So a dropped handle only
//! hands its resource to the janitor and returns. Removals run on dockhand's
//! background runtime; when the process exits normally (the test harness
//! returns from `main` or calls `exit`), an exit hook waits until every
//! pending removal is done, so nothing is left behind. Handles that are
//! never dropped (a [shared fixture](crate::Shared) in a `static`, a leaked
//! handle) are removed by that exit hook too. What a killed process cannot
//! remove, its [reaper](crate::reaper) does.
//!
//! Images are not owned by a handle (tests share them by name), but a built
//! image can be marked for removal at exit
//! ([`ImageBuild::remove_at_exit`](crate::ImageBuild::remove_at_exit)): the
//! exit hook removes it after the pending removals of the containers that
//! may use it. An image still in use then (by a container kept in a
//! `static`, or by another process) stays, and is named on stderr.
//!
//! Set `DOCKHAND_KEEP=1` to keep every resource for debugging: nothing is
//! removed, by the janitor or the reaper, and each kept resource is named on
//! stderr. Remove them later with
//! `docker rm -f $(docker ps -aq --filter label=dockhand.managed=true)`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder,
    RemoveContainerOptionsBuilder, RemoveImageOptionsBuilder, RemoveVolumeOptionsBuilder,
};
use once_cell::sync::Lazy;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::runtime;

/// The environment variable that keeps resources for debugging.
pub const KEEP_ENV: &str = "DOCKHAND_KEEP";

/// How long the exit hook waits for pending removals.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a network or volume removal retries while containers still use it.
const IN_USE_RETRY_FOR: Duration = Duration::from_secs(30);

/// Something the engine holds that dockhand created, by name or id.
#[derive(Debug, Clone)]
pub(crate) enum Resource {
    Container(String),
    Network(String),
    Volume(String),
    Image(String),
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resource::Container(id) => write!(f, "container {id}"),
            Resource::Network(name) => write!(f, "network {name}"),
            Resource::Volume(name) => write!(f, "volume {name}"),
            Resource::Image(name) => write!(f, "image {name}"),
        }
    }
}

/// Whether `DOCKHAND_KEEP` asks to keep resources.
pub(crate) fn keep() -> bool {
    std::env::var(KEEP_ENV).is_ok_and(|value| !value.is_empty() && value != "0")
}

/// A resource owned by a handle: removed in the background when dropped,
/// or at exit if the handle is never dropped.
#[derive(Debug)]
pub(crate) struct Lease {
    engine: Engine,
    resource: Resource,
    ticket: u64,
}

/// The resources that leases hold, by ticket: what the exit hook removes.
static HELD: Lazy<Mutex<HashMap<u64, (Engine, Resource)>>> = Lazy::new(Default::default);

fn held() -> MutexGuard<'static, HashMap<u64, (Engine, Resource)>> {
    HELD.lock().unwrap_or_else(|e| e.into_inner())
}

impl Lease {
    pub(crate) fn new(engine: Engine, resource: Resource) -> Lease {
        static TICKETS: AtomicU64 = AtomicU64::new(0);
        let ticket = TICKETS.fetch_add(1, Ordering::Relaxed);
        held().insert(ticket, (engine.clone(), resource.clone()));
        Lease {
            engine,
            resource,
            ticket,
        }
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Lets the resource outlive the lease: it is no longer removed on drop
    /// or at exit (a [reusable](crate::reuse) container).
    pub(crate) fn release(&self) {
        held().remove(&self.ticket);
    }

    /// Removes the resource now and waits until the engine has done so.
    pub(crate) async fn remove(self) -> Result<()> {
        self.release();
        let (engine, resource) = (self.engine.clone(), self.resource.clone());
        runtime::run(async move { remove(&engine, &resource).await }).await
    }

    /// [`remove`](Self::remove) for code without an async runtime.
    pub(crate) fn remove_blocking(self) -> Result<()> {
        self.release();
        let (engine, resource) = (self.engine.clone(), self.resource.clone());
        runtime::block_on(async move { remove(&engine, &resource).await })
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let held = held().remove(&self.ticket);
        if let Some((engine, resource)) = held {
            remove_later(engine, resource);
        }
    }
}

static PENDING: Mutex<usize> = Mutex::new(0);
static ALL_DONE: Condvar = Condvar::new();
/// What goes only when the process exits, after every pending removal.
static AT_EXIT: Mutex<Vec<(Engine, Resource)>> = Mutex::new(Vec::new());

/// Removes `resource` when the process exits normally.
pub(crate) fn remove_at_exit(engine: Engine, resource: Resource) {
    AT_EXIT
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((engine, resource));
}

/// Removes `resource` in the background; returns at once.
fn remove_later(engine: Engine, resource: Resource) {
    if keep() {
        eprintln!("dockhand: keeping {resource} ({KEEP_ENV} is set)");
        return;
    }
    *PENDING.lock().unwrap_or_else(|e| e.into_inner()) += 1;
    runtime::spawn(async move {
        if let Err(error) = remove(&engine, &resource).await {
            eprintln!("dockhand: {error}");
        }
        let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
        *pending -= 1;
        if *pending == 0 {
            ALL_DONE.notify_all();
        }
    });
}

/// Removes `resource` now; one that is already gone is no error. Networks
/// and volumes still in use by containers being removed are retried; an
/// image in use is not waited for.
pub(crate) async fn remove(engine: &Engine, resource: &Resource) -> Result<()> {
    let docker = engine.docker();
    let deadline = tokio::time::Instant::now() + IN_USE_RETRY_FOR;
    loop {
        let result = match resource {
            Resource::Container(id) => {
                let options = RemoveContainerOptionsBuilder::default()
                    .force(true)
                    .v(true)
                    .build();
                docker.remove_container(id, Some(options)).await
            }
            Resource::Network(name) => docker.remove_network(name).await,
            Resource::Volume(name) => {
                let options = RemoveVolumeOptionsBuilder::default().force(true).build();
                docker.remove_volume(name, Some(options)).await
            }
            // Not forced: an image in use stays with its user.
            Resource::Image(name) => {
                let options = RemoveImageOptionsBuilder::default().build();
                docker
                    .remove_image(name, Some(options), None)
                    .await
                    .map(drop)
            }
        };
        let retry =
            !matches!(resource, Resource::Image(_)) && tokio::time::Instant::now() < deadline;
        match result {
            Ok(()) => return Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => return Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 409, ..
            })
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 403, ..
            }) if retry => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => return Err(Error::engine(format!("remove {resource}"))(error)),
        }
    }
}

/// Blocks until every pending removal is done (or the flush times out).
pub(crate) fn flush() {
    let pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    let (pending, timeout) = ALL_DONE
        .wait_timeout_while(pending, FLUSH_TIMEOUT, |pending| *pending > 0)
        .unwrap_or_else(|e| e.into_inner());
    if timeout.timed_out() {
        eprintln!(
            "dockhand: {} removals still pending at exit after {FLUSH_TIMEOUT:?}",
            *pending
        );
    }
}

/// At exit: removes what handles that were never dropped still hold, then
/// waits for every pending removal.
#[ctor::dtor]
fn flush_at_exit() {
    let still_held: Vec<_> = held().drain().map(|(_, held)| held).collect();
    for (engine, resource) in still_held {
        remove_later(engine, resource);
    }
    flush();
    let at_exit = std::mem::take(&mut *AT_EXIT.lock().unwrap_or_else(|e| e.into_inner()));
    for (engine, resource) in at_exit {
        remove_later(engine, resource);
    }
    flush();
}

/// The containers, networks and volumes that carry every one of `labels`
/// (`key=value`), with all their labels: containers first.
pub(crate) async fn list_labelled(
    engine: &Engine,
    labels: &[String],
) -> Result<Vec<(Resource, HashMap<String, String>)>> {
    let docker = engine.docker();
    let filters = HashMap::from([("label".to_string(), labels.to_vec())]);
    let listing = |what: &str| Error::engine(format!("list {what} labelled {}", labels.join(", ")));
    let containers = docker
        .list_containers(Some(
            ListContainersOptionsBuilder::default()
                .all(true)
                .filters(&filters)
                .build(),
        ))
        .await
        .map_err(listing("containers"))?;
    let networks = docker
        .list_networks(Some(
            ListNetworksOptionsBuilder::default()
                .filters(&filters)
                .build(),
        ))
        .await
        .map_err(listing("networks"))?;
    let volumes = docker
        .list_volumes(Some(
            ListVolumesOptionsBuilder::default()
                .filters(&filters)
                .build(),
        ))
        .await
        .map_err(listing("volumes"))?;
    let containers = containers
        .into_iter()
        .filter_map(|c| Some((Resource::Container(c.id?), c.labels.unwrap_or_default())));
    let networks = networks
        .into_iter()
        .filter_map(|n| Some((Resource::Network(n.name?), n.labels.unwrap_or_default())));
    let volumes = (volumes.volumes.unwrap_or_default().into_iter())
        .map(|v| (Resource::Volume(v.name), v.labels));
    Ok(containers.chain(networks).chain(volumes).collect())
}

/// Removes every container, then network, then volume that carries the
/// label `key=value`; returns how many were removed.
pub(crate) async fn remove_labelled(engine: &Engine, key: &str, value: &str) -> Result<usize> {
    let (containers, others): (Vec<Resource>, Vec<Resource>) =
        list_labelled(engine, &[format!("{key}={value}")])
            .await?
            .into_iter()
            .map(|(resource, _)| resource)
            .partition(|resource| matches!(resource, Resource::Container(_)));
    let mut removed = 0;
    // Containers first: networks and volumes cannot go while in use.
    for batch in [containers, others] {
        let removals = batch.iter().map(|resource| remove(engine, resource));
        for result in futures_util::future::join_all(removals).await {
            result?;
            removed += 1;
        }
    }
    Ok(removed)
}
