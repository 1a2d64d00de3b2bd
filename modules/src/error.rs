//! The one error type of dockhand's modules.
//!
//! A module fails where dockhand fails (engine, image, start, readiness),
//! and in a few places of its own: a host file it was asked to put in the
//! container, a service that never answers a real client, and a statement
//! on a shared server. Each variant names the thing at fault.

use std::path::PathBuf;
use std::time::Duration;

/// What went wrong in a module, with enough context to act on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The container itself failed: engine, image, start or log readiness.
    #[error(transparent)]
    Container(#[from] dockhand::Error),

    /// A host file or folder given to a module could not be read.
    #[error("cannot read {path}: {source}")]
    HostFile {
        /// The file or folder on the host.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },

    /// The container was ready by its logs, but its service did not answer a
    /// real client before the startup timeout.
    #[error(
        "{service} in container {container} did not answer a client within {timeout:?}; \
         last error: {last_error}"
    )]
    NoAnswer {
        /// The service, e.g. `postgres`.
        service: &'static str,
        /// The container's name.
        container: String,
        /// How long the client tried.
        timeout: Duration,
        /// The client's last error.
        last_error: String,
    },

    /// A statement on a postgres server failed.
    #[cfg(feature = "postgres")]
    #[error(
        "{action} (database {database}) failed: {}",
        crate::postgres::describe(source)
    )]
    Postgres {
        /// The database the statement was about.
        database: String,
        /// What was being done, e.g. `create the database from its template`.
        action: String,
        /// The client's error, with the server's message.
        #[source]
        source: tokio_postgres::Error,
    },

    /// A command on a redis server failed.
    #[cfg(feature = "redis")]
    #[error("{action} (redis at {server}) failed: {source}")]
    Redis {
        /// The server's address, `host:port`.
        server: String,
        /// What was being done, e.g. `read the number of databases`.
        action: String,
        /// The client's error.
        #[source]
        source: ::redis::RedisError,
    },
}

/// `Result` with the modules' [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A module's error where dockhand's is expected, as with `?` in the start
/// of a [`dockhand::Shared`] fixture: dockhand's own errors come back as
/// they were, the module's as [`dockhand::Error::External`].
impl From<Error> for dockhand::Error {
    fn from(error: Error) -> dockhand::Error {
        match error {
            Error::Container(error) => error,
            other => dockhand::Error::External(Box::new(other)),
        }
    }
}
