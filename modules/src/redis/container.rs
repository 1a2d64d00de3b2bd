//! A running redis container and where to connect to it.

use std::borrow::Borrow;

use dockhand::Container;
use tokio::sync::OnceCell;

use super::databases::RedisDatabases;
use super::server::Server;
use crate::error::Result;

/// A started redis container that has answered `PING`. It owns its
/// container (removed when the handle drops), or borrows one that
/// something else owns (`RedisContainer<&Container>`, for a
/// [`Stack`](dockhand::Stack)'s member). `Debug` shows no password.
#[derive(Debug)]
pub struct RedisContainer<C = Container> {
    container: C,
    server: Server,
    databases: OnceCell<RedisDatabases>,
}

impl<C: Borrow<Container>> RedisContainer<C> {
    pub(crate) fn new(container: C, server: Server) -> Self {
        RedisContainer {
            container,
            server,
            databases: OnceCell::new(),
        }
    }

    /// The host on which the server's port is published.
    pub fn host(&self) -> &str {
        &self.server.host
    }

    /// The host port on which redis listens.
    pub fn port(&self) -> u16 {
        self.server.port
    }

    /// The password clients log in with, if the server requires one.
    pub fn password(&self) -> Option<&str> {
        self.server
            .password
            .as_ref()
            .map(|password| password.reveal())
    }

    /// `redis://[:password@]host:port/0`, for the redis crate or any
    /// other client.
    pub fn url(&self) -> String {
        self.server.url(0)
    }

    /// The container, for what dockhand offers on any container (exec,
    /// logs, copy).
    pub fn container(&self) -> &Container {
        self.container.borrow()
    }

    /// The server's logical databases, handed to one test at a time; see
    /// [`RedisDatabases`]. Every call returns the same pool, so that two
    /// tests never share a database.
    pub async fn databases(&self) -> Result<&RedisDatabases> {
        self.databases
            .get_or_try_init(|| RedisDatabases::create(self.server.clone()))
            .await
    }
}
