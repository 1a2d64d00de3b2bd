//! Redis: the official `redis:7` image, ready when it answers `PING`.
//!
//! ```no_run
//! use dockhand_modules::Redis;
//! use redis::AsyncCommands;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let server = Redis::new()
//!     .password("s3cret")
//!     .config("maxmemory", "64mb")
//!     .start()
//!     .await?;
//! let client = redis::Client::open(server.url())?;
//! let mut connection = client.get_multiplexed_async_connection().await?;
//! let _: () = connection.set("greeting", "hello").await?;
//! # Ok(()) }
//! ```
//!
//! - **Password**: none by default, as in the official image;
//!   [`Redis::password`] starts the server with `--requirepass`, and a
//!   `Debug` print of the builder or handle shows `<redacted>`.
//! - **Config**: [`Redis::config`] passes `--name value` to `redis-server`,
//!   as `docker run redis:7 --name value` does.
//! - **Ready** when the log says `Ready to accept connections`: the
//!   request's own wait, so a [`Stack`](dockhand::Stack) starts the members
//!   that depend on it only then. [`start`](Redis::start) and
//!   [`adopt`](Redis::adopt) then also wait until a real client's `PING`
//!   is answered.
//! - **Networks and stacks**: [`Redis::request`] is a plain
//!   [`ContainerRequest`] to add a network and alias to, or to hand to a
//!   stack; [`Redis::adopt`] turns the started container (or a stack's
//!   borrowed member) into a [`RedisContainer`].
//! - **Per-test databases** on one shared server:
//!   [`RedisContainer::databases`].

mod container;
mod database;
mod databases;
mod server;

use std::borrow::Borrow;

use dockhand::{Container, ContainerRequest, Wait};

pub use container::RedisContainer;
pub use database::RedisDatabase;
pub use databases::RedisDatabases;

use crate::answer;
use crate::error::Result;
use crate::overrides::{override_methods, Overrides};
use crate::secret::Secret;
use server::Server;

/// A redis container to start; see the [module docs](self).
#[derive(Debug, Clone)]
#[must_use = "a module does nothing until it is started"]
pub struct Redis {
    overrides: Overrides,
    password: Option<Secret>,
    config: Vec<(String, String)>,
}

impl Default for Redis {
    fn default() -> Self {
        Redis {
            overrides: Overrides::new("redis", "7"),
            password: None,
            config: Vec::new(),
        }
    }
}

impl Redis {
    /// The port redis listens on inside the container.
    pub const PORT: u16 = 6379;

    /// `redis:7`, with no password.
    pub fn new() -> Self {
        Self::default()
    }

    override_methods!();

    /// Requires clients to log in with `password` (`--requirepass`).
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(Secret::from(password.into()));
        self
    }

    /// Starts the server with `--name value`, e.g. `("maxmemory", "64mb")`;
    /// a later value for a name wins.
    pub fn config(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.config.retain(|(existing, _)| *existing != name);
        self.config.push((name, value.into()));
        self
    }

    /// The container request: image, arguments and log readiness. Add a
    /// network, an alias or anything else dockhand offers, start it (alone
    /// or in a stack), then [`adopt`](Self::adopt) the container.
    pub fn request(&self) -> ContainerRequest {
        let password = self
            .password
            .iter()
            .flat_map(|password| ["--requirepass".to_string(), password.reveal().to_string()]);
        let config = self
            .config
            .iter()
            .flat_map(|(name, value)| [format!("--{name}"), value.clone()]);
        let command = ["redis-server".to_string()]
            .into_iter()
            .chain(password)
            .chain(config);
        let request = self
            .overrides
            .request()
            .expose(Self::PORT)
            .cmd(command)
            .wait_for(Wait::log("Ready to accept connections"));
        self.overrides.finish(request)
    }

    /// Starts the container and waits until it answers `PING`.
    pub async fn start(self) -> Result<RedisContainer> {
        let container = self.request().start().await?;
        self.adopt(container).await
    }

    /// A handle for a container started from [`request`](Self::request),
    /// once it answers `PING` with this builder's password. It takes the
    /// container itself, or a borrow of one that something else owns, such
    /// as a [`Stack`](dockhand::Stack)'s member.
    pub async fn adopt<C: Borrow<Container>>(&self, container: C) -> Result<RedisContainer<C>> {
        let started = container.borrow();
        let server = Server {
            host: started.host().to_string(),
            port: started.host_port(Self::PORT)?,
            password: self.password.clone(),
        };
        let check = server.clone();
        answer::until_answers(
            "redis",
            started.name(),
            self.overrides.startup_timeout,
            move || {
                let server = check.clone();
                async move { server.ping().await }
            },
        )
        .await?;
        Ok(RedisContainer::new(container, server))
    }
}
