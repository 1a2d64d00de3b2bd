//! # dockhand-modules
//!
//! Ready-made [dockhand] containers for the services tests need most, each
//! behind a feature of its name, each running the official image and ready
//! only when a real client gets an answer:
//!
//! | feature | builder | handle | client used for readiness |
//! |---|---|---|---|
//! | `postgres` | [`Postgres`] (`postgres:15`) | [`PostgresContainer`] | tokio-postgres |
//! | `redis` | [`Redis`] (`redis:7`) | [`RedisContainer`] | redis |
//! | `nginx` | [`Nginx`] (`nginx:1.22`) | [`NginxContainer`] | reqwest |
//!
//! ```no_run
//! # #[cfg(feature = "redis")]
//! # async fn demo() -> dockhand_modules::Result<()> {
//! use dockhand_modules::Redis;
//!
//! let redis = Redis::new().password("s3cret").start().await?;
//! let url = redis.url(); // redis://:s3cret@127.0.0.1:PORT
//! # Ok(()) }
//! ```
//!
//! Every builder can change the image, its tag, the environment and the
//! startup timeout (`.image(..)`, `.tag(..)`, `.env(..)`,
//! `.startup_timeout(..)`), gives its plain
//! [`dockhand::ContainerRequest`] with `.request()` (to join a network with
//! an alias, or a stack), and turns a container started from that request
//! into its typed handle with `.adopt(container)`; `.start()` does both.
//!
//! ## Per-test isolation on a shared server
//! Starting a container per test costs seconds; isolating tests on one
//! server costs milliseconds. [`PostgresContainer::databases`] hands each
//! test a fresh database copied from a template (schema and seed data
//! applied once), with snapshot and restore; [`RedisContainer::databases`]
//! hands each test a logical database of its own, flushed when released.
//! `cargo run --release -p dockhand-modules --example isolation_bench
//! --all-features` measures the difference.
//!
//! ## Files before start
//! Init scripts and web content must be in place before the image's
//! entrypoint runs. Until dockhand's requests copy files before start, the
//! modules carry them in the container's environment and write them with a
//! small `sh` step in front of the entrypoint (about 2 MiB in all).

#![allow(
    clippy::result_large_err,
    reason = "errors are cold and carry logs and context by design"
)]

#[cfg(any(feature = "postgres", feature = "redis", feature = "nginx"))]
mod answer;
mod error;
#[cfg(feature = "nginx")]
pub mod nginx;
#[cfg(any(feature = "postgres", feature = "redis", feature = "nginx"))]
mod overrides;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(any(feature = "postgres", feature = "redis"))]
mod secret;
#[cfg(any(feature = "postgres", feature = "nginx"))]
mod startup_files;

pub use error::{Error, Result};
#[cfg(feature = "nginx")]
pub use nginx::{Nginx, NginxContainer};
#[cfg(feature = "postgres")]
pub use postgres::{
    Postgres, PostgresContainer, PostgresDatabase, PostgresDatabases, PostgresSnapshot,
};
#[cfg(feature = "redis")]
pub use redis::{Redis, RedisContainer, RedisDatabase, RedisDatabases};
