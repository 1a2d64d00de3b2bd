//! Reuse across runs: a container that outlives `cargo test`, so the next
//! run finds it running instead of starting it again.
//!
//! A database that takes seconds to become ready costs those seconds on
//! every run of the tests. A reusable container is left running when the
//! tests end, and the next run with the same request adopts it in
//! milliseconds. It is opt-in twice, like testcontainers' `withReuse`: the
//! request says [`.reuse()`](crate::ContainerRequest::reuse) and the
//! environment says `DOCKHAND_REUSE=1` (so CI, which does not set it, gets
//! fresh containers that are removed as usual).
//!
//! The key is a hash of everything the container is created from: the
//! engine's create body (image after substitution, command, environment,
//! ports, labels, mounts, network and every other option) and the files
//! copied in before start. It is written
//! on the container as the label `dockhand.reuse=<key>` and in its name,
//! which the engine keeps unique, so two processes starting the same
//! request at once share one container. A request that differs in anything gets a container of its
//! own. A request on a per-test [`Network`](crate::Network) is never
//! reused, since the network's name is new every run.
//!
//! A reused container is adopted if it runs (one that stopped is replaced),
//! and its wait strategy is checked again, which a ready container passes at
//! once. Should it fail, the container is removed, so the next run starts a
//! fresh one. A reusable container is never removed on drop or at exit, and
//! it carries `dockhand.managed=true` but none of the session labels, so no
//! [reaper](crate::reaper) or stale sweep takes it for a session's
//! leftover. Remove them all with
//! [`remove_all`] or
//! `docker rm -f $(docker ps -aq --filter label=dockhand.reuse)`.
//! [`Container::remove`](crate::Container::remove) removes one.
//!
//! ```no_run
//! use dockhand::{ContainerRequest, Wait};
//!
//! # async fn demo() -> dockhand::Result<()> {
//! // With DOCKHAND_REUSE=1, the second `cargo test` adopts this container.
//! let postgres = ContainerRequest::new("postgres:15")
//!     .env("POSTGRES_PASSWORD", "test")
//!     .expose(5432)
//!     .wait_for(Wait::log("database system is ready to accept connections").times(2))
//!     .reuse()
//!     .start()
//!     .await?;
//! # Ok(()) }
//! ```

use bollard::models::{ContainerCreateBody, ContainerStateStatusEnum};
use bollard::query_parameters::CreateContainerOptionsBuilder;

use sha2::{Digest, Sha256};
use tokio::time::{Duration, Instant};

use crate::copy::CopyIn;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::janitor::{self, Resource};
use crate::runtime;
use crate::session::MANAGED_LABEL;

/// The environment variable that allows reuse (`1`); without it, requests
/// that ask for [`reuse`](crate::ContainerRequest::reuse) start fresh
/// containers that are removed as usual.
pub const REUSE_ENV: &str = "DOCKHAND_REUSE";
/// The label that marks a reusable container, with its key as value.
pub const REUSE_LABEL: &str = "dockhand.reuse";

/// How long a create may keep meeting a container of the same name that is
/// neither usable nor gone (being created or removed by another process).
const SETTLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether `DOCKHAND_REUSE` allows reuse.
pub(crate) fn enabled() -> bool {
    std::env::var(REUSE_ENV).is_ok_and(|value| !value.is_empty() && value != "0")
}

/// The reuse key of a container created from `body`, which must not carry
/// dockhand's labels, with `copies` put in before it starts: 32 hex digits
/// of a SHA-256.
pub(crate) fn key(body: &ContainerCreateBody, copies: &[CopyIn]) -> String {
    // A `serde_json::Value`'s maps are sorted, so the body's hash maps give
    // the same text in every run.
    let value = serde_json::to_value(body).expect("a create body is JSON");
    let mut hasher = Sha256::new();
    hasher.update(value.to_string().as_bytes());
    for copy in copies {
        copy.fingerprint(&mut |bytes| hasher.update(bytes));
    }
    hasher.finalize()[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The labels of the reusable container with `key`: managed, but of no
/// session, so that no reaper or stale sweep (of any dockhand version)
/// takes it for a session's leftover.
pub(crate) fn labels(key: &str) -> [(String, String); 2] {
    [
        (MANAGED_LABEL.to_string(), "true".to_string()),
        (REUSE_LABEL.to_string(), key.to_string()),
    ]
}

/// The name of the reusable container with `key`: unique on an engine.
pub(crate) fn name(short_name: &str, key: &str) -> String {
    format!("dockhand-{short_name}-reuse-{key}")
}

/// Creates the container `name` from `body`, or finds the one that a
/// previous run or a concurrent process created under that name: its id.
/// A stopped one is replaced.
pub(crate) async fn create_or_find(
    engine: &Engine,
    name: &str,
    body: ContainerCreateBody,
    described: &str,
) -> Result<String> {
    let docker = engine.docker();
    let options = CreateContainerOptionsBuilder::default().name(name).build();
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    loop {
        let error = match docker
            .create_container(Some(options.clone()), body.clone())
            .await
        {
            Ok(created) => return Ok(created.id),
            Err(error) => error,
        };
        let conflict = matches!(
            error,
            bollard::errors::Error::DockerResponseServerError {
                status_code: 409,
                ..
            }
        );
        if !conflict || Instant::now() > deadline {
            let action = format!("create reusable container {name} of {described}");
            return Err(Error::engine(action)(error));
        }
        let found = match docker.inspect_container(name, None).await {
            Ok(found) => found,
            // Its name is taken by a create still under way, or it has
            // just been removed.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Err(error) => return Err(Error::engine(format!("inspect container {name}"))(error)),
        };
        let Some(id) = found.id else { continue };
        // Created but not started: another process is starting it, or died
        // doing so; the caller starts it either way.
        if matches!(
            found.state.and_then(|state| state.status),
            Some(ContainerStateStatusEnum::RUNNING | ContainerStateStatusEnum::CREATED)
        ) {
            return Ok(id);
        }
        // A stopped one: its logs would tell the wait strategy of a
        // readiness long past.
        janitor::remove(engine, &Resource::Container(id)).await?;
    }
}

/// Removes every reusable container on the engine from the environment, of
/// any run and any request; returns how many.
pub async fn remove_all() -> Result<usize> {
    runtime::run(async {
        let engine = Engine::from_env().await?;
        let reusable = janitor::list_labelled(&engine, &[REUSE_LABEL.to_string()]).await?;
        let removals = reusable
            .iter()
            .map(|(resource, _)| janitor::remove(&engine, resource));
        let removed = futures_util::future::try_join_all(removals).await?;
        Ok(removed.len())
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn body(env: &str, labels: &[(&str, &str)]) -> ContainerCreateBody {
        ContainerCreateBody {
            image: Some("redis:7".to_string()),
            env: Some(vec![env.to_string()]),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<HashMap<_, _>>(),
            ),
            ..Default::default()
        }
    }

    #[test]
    fn the_key_does_not_depend_on_hash_map_order() {
        let labels: Vec<(String, String)> = (0..32)
            .map(|i| (format!("k{i}"), format!("v{i}")))
            .collect();
        let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (&**k, &**v)).collect();
        let reversed: Vec<_> = labels.iter().rev().copied().collect();
        assert_eq!(
            key_of(&body("A=1", &labels)),
            key_of(&body("A=1", &reversed))
        );
        assert_eq!(key_of(&body("A=1", &labels)).len(), 32);
    }

    fn key_of(body: &ContainerCreateBody) -> String {
        key(body, &[])
    }

    #[test]
    fn files_copied_in_before_start_are_part_of_the_key() {
        let plain = body("A=1", &[]);
        let script = |text: &str| CopyIn::bytes("/run.sh".into(), text.as_bytes().to_vec(), 0o755);
        assert_ne!(key_of(&plain), key(&plain, &[script("echo 1")]));
        assert_ne!(
            key(&plain, &[script("echo 1")]),
            key(&plain, &[script("echo 2")])
        );
        assert_eq!(
            key(&plain, &[script("echo 1")]),
            key(&plain, &[script("echo 1")])
        );
    }

    #[test]
    fn any_difference_gives_another_key() {
        let base = key_of(&body("A=1", &[("k", "v")]));
        assert_ne!(base, key_of(&body("A=2", &[("k", "v")])));
        assert_ne!(base, key_of(&body("A=1", &[("k", "w")])));
    }
}
