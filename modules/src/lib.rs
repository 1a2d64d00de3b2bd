//! # dockhand-modules
//!
//! Ready-made [dockhand] containers for the services tests need most, each
//! behind a feature of its name, each running the official image and ready
//! only when a real client gets an answer:
//!
//! | feature | builder | handle | ready when |
//! |---|---|---|---|
//! | `postgres` | [`Postgres`] (`postgres:15`) | [`PostgresContainer`] | the second ready line, then a tokio-postgres login |
//! | `redis` | [`Redis`] (`redis:7`) | [`RedisContainer`] | the ready line, then a `PING` with the redis crate |
//! | `nginx` | [`Nginx`] (`nginx:1.22`) | [`NginxContainer`] | `GET /` answers 200 |
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
//! ## In a stack
//! A module's request carries the image's own readiness (a log line, an
//! HTTP answer), so a [`dockhand::Stack`] starts the members that depend
//! on it only once it is ready. `adopt` takes a borrowed member too, and
//! adds the module's client check (a postgres login, a redis `PING`):
//!
//! ```no_run
//! # #[cfg(all(feature = "postgres", feature = "redis"))]
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use dockhand::{ContainerRequest, Stack};
//! use dockhand_modules::{Postgres, Redis};
//!
//! let (postgres, redis) = (Postgres::new().password("test"), Redis::new());
//! let stack = Stack::builder()
//!     .member("db", postgres.request())
//!     .member("cache", redis.request())
//!     .member(
//!         "app",
//!         ContainerRequest::new("my-app:test")
//!             .env("DATABASE_URL", "postgres://postgres:test@db:5432/postgres")
//!             .env("REDIS_URL", "redis://cache:6379"),
//!     )
//!     .depends_on("app", ["db", "cache"])
//!     .start()
//!     .await?;
//! let db = postgres.adopt(stack.container("db")?).await?; // from the host
//! let cache = redis.adopt(stack.container("cache")?).await?;
//! # Ok(()) }
//! ```
//!
//! `cargo run -p dockhand-modules --all-features --example stack` puts
//! nginx in front of such an app.
//!
//! ## Per-test isolation on a shared server
//! Starting a container per test costs seconds; isolating tests on one
//! server costs milliseconds. [`PostgresContainer::databases`] hands each
//! test a fresh database copied from a template (schema and seed data
//! applied once), with snapshot and restore; [`RedisContainer::databases`]
//! hands each test a logical database of its own, flushed when released.
//! Keep the server in a [`dockhand::Shared`] static (a module's error
//! converts to dockhand's with `?`):
//!
//! ```no_run
//! # #[cfg(feature = "postgres")]
//! # mod demo {
//! use dockhand::Shared;
//! use dockhand_modules::{Postgres, PostgresContainer, PostgresDatabases};
//!
//! static SERVER: Shared<PostgresContainer> =
//!     Shared::new(|| Box::pin(async { Ok(Postgres::new().start().await?) }));
//! static DATABASES: Shared<PostgresDatabases> = Shared::new(|| {
//!     Box::pin(async { Ok(SERVER.get().await?.databases("CREATE TABLE t (n int);").await?) })
//! });
//!
//! #[tokio::test]
//! async fn uses_its_own_database() -> Result<(), Box<dyn std::error::Error>> {
//!     let database = DATABASES.get().await?.database().await?;
//!     let url = database.connection_string(); // no other test sees its rows
//!     Ok(())
//! }
//! # }
//! ```
//!
//! `cargo run --release -p dockhand-modules --example isolation_bench
//! --all-features` measures the difference.
//!
//! ## Files before start
//! Init scripts and web content must be in place before the image's
//! entrypoint runs. The modules read them when told about them and put
//! them on the request ([`dockhand::ContainerRequest::copy_bytes_in`]),
//! which copies them into the container between its create and its start.

#![allow(
    clippy::result_large_err,
    reason = "errors are cold and carry logs and context by design"
)]

#[cfg(any(feature = "postgres", feature = "redis"))]
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
