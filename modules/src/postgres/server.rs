//! Where a postgres server is and who to log in as: what the handle, the
//! readiness check and the per-test databases all connect with.

use std::error::Error as _;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use tokio_postgres::{Client, NoTls};

use crate::error::Error;
use crate::secret::Secret;

/// A postgres server's address and superuser.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) user: String,
    pub(crate) password: Secret,
}

impl Server {
    /// `postgres://user:password@host:port/database`, each part escaped.
    pub(crate) fn url(&self, database: &str) -> String {
        let escape = |part: &str| utf8_percent_encode(part, NON_ALPHANUMERIC).to_string();
        format!(
            "postgres://{}:{}@{}:{}/{}",
            escape(&self.user),
            escape(self.password.reveal()),
            self.host,
            self.port,
            escape(database)
        )
    }

    /// Connects to `database` on dockhand's runtime, where the connection's
    /// task then lives: the client works from any runtime, and outlives
    /// the test runtime that asked for it.
    pub(crate) async fn connect(&self, database: &str) -> Result<Client, tokio_postgres::Error> {
        let url = self.url(database);
        dockhand::runtime::run(async move {
            let (client, connection) = tokio_postgres::connect(&url, NoTls).await?;
            tokio::spawn(connection);
            Ok(client)
        })
        .await
    }

    /// Logs in to `database` and runs `SELECT 1`: whether the server takes
    /// clients, and if not, why.
    pub(crate) async fn select_one(&self, database: &str) -> Result<(), String> {
        let answered = async {
            let client = self.connect(database).await?;
            client.simple_query("SELECT 1").await
        };
        answered.await.map(drop).map_err(|error| describe(&error))
    }
}

/// A client error with the server's own message, which the error's
/// `Display` leaves to its source.
pub(crate) fn describe(error: &tokio_postgres::Error) -> String {
    match error.source() {
        Some(cause) => format!("{error}: {cause}"),
        None => error.to_string(),
    }
}

/// Wraps a client error with the database and what was being done.
pub(crate) fn failed(database: &str, action: &str) -> impl FnOnce(tokio_postgres::Error) -> Error {
    let (database, action) = (database.to_string(), action.to_string());
    move |source| Error::Postgres {
        database,
        action,
        source,
    }
}
