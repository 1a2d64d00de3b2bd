//! The administrative session behind per-test databases: one connection to
//! the server's `postgres` database that creates, copies and drops the
//! others.
//!
//! It lives on dockhand's runtime, so it serves every test of a binary
//! whatever runtime each test runs on, and drops continue after the test
//! that let go of its database has ended.

use tokio_postgres::Client;

use super::server::{failed, Server};
use crate::error::Result;

/// The maintenance database every postgres cluster has.
const MAINTENANCE_DATABASE: &str = "postgres";

/// A superuser session on a server's maintenance database.
#[derive(Debug)]
pub(crate) struct Admin {
    server: Server,
    client: Client,
}

impl Admin {
    /// Logs in to `server`'s maintenance database.
    pub(crate) async fn connect(server: Server) -> Result<Admin> {
        let client = server.connect(MAINTENANCE_DATABASE).await.map_err(failed(
            MAINTENANCE_DATABASE,
            "log in to administer databases",
        ))?;
        Ok(Admin { server, client })
    }

    /// The server the session is on.
    pub(crate) fn server(&self) -> &Server {
        &self.server
    }

    /// Creates `database` as a copy of `template`. The server refuses while
    /// anyone is connected to `template` (it waits up to 5 s for them).
    pub(crate) async fn copy(&self, template: &str, database: &str) -> Result<()> {
        self.run(
            database,
            &format!("copy database {template:?} into it"),
            &format!(
                "CREATE DATABASE {} TEMPLATE {}",
                quoted(database),
                quoted(template)
            ),
        )
        .await
    }

    /// Drops `database` now, closing every connection to it.
    pub(crate) async fn drop_database(&self, database: &str) -> Result<()> {
        self.run(
            database,
            "drop it",
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quoted(database)),
        )
        .await
    }

    /// Runs one statement about `database`.
    pub(crate) async fn run(&self, database: &str, action: &str, statement: &str) -> Result<()> {
        self.client
            .simple_query(statement)
            .await
            .map(drop)
            .map_err(failed(database, action))
    }
}

/// An identifier in double quotes, as SQL needs for any name.
pub(crate) fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}
