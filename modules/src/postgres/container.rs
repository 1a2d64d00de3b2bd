//! A running postgres container and where to connect to it.

use std::borrow::Borrow;

use dockhand::Container;

use super::databases::PostgresDatabases;
use super::server::Server;
use crate::error::Result;

/// A started postgres container that a client has logged in to. It owns
/// its container (removed when the handle drops), or borrows one that
/// something else owns (`PostgresContainer<&Container>`, for a
/// [`Stack`](dockhand::Stack)'s member). `Debug` shows no password.
#[derive(Debug)]
pub struct PostgresContainer<C = Container> {
    container: C,
    server: Server,
    database: String,
}

impl<C: Borrow<Container>> PostgresContainer<C> {
    pub(crate) fn new(container: C, server: Server, database: String) -> Self {
        PostgresContainer {
            container,
            server,
            database,
        }
    }

    /// The host on which the server's port is published.
    pub fn host(&self) -> &str {
        &self.server.host
    }

    /// The host port on which postgres listens.
    pub fn port(&self) -> u16 {
        self.server.port
    }

    /// The superuser's name.
    pub fn user(&self) -> &str {
        &self.server.user
    }

    /// The superuser's password.
    pub fn password(&self) -> &str {
        self.server.password.reveal()
    }

    /// The database created at start (`POSTGRES_DB`).
    pub fn database(&self) -> &str {
        &self.database
    }

    /// `postgres://user:password@host:port/database`, for any client
    /// (tokio-postgres, sqlx, psql).
    pub fn connection_string(&self) -> String {
        self.server.url(&self.database)
    }

    /// The container, for what dockhand offers on any container (exec,
    /// logs, copy).
    pub fn container(&self) -> &Container {
        self.container.borrow()
    }

    /// Makes this server hand each test a database of its own: a template
    /// is created and `setup_sql` (schema and seed data, any number of
    /// statements) runs in it once; see [`PostgresDatabases`].
    pub async fn databases(&self, setup_sql: &str) -> Result<PostgresDatabases> {
        PostgresDatabases::create(self.server.clone(), setup_sql).await
    }
}
