//! One test's own database on a shared server.

use super::owned_database::OwnedDatabase;
use super::snapshot::PostgresSnapshot;
use crate::error::Result;
use crate::secret::random_token;

/// A database of one test's own, from [`PostgresDatabases::database`];
/// dropped in the background (with any connection still open to it) when
/// the handle drops.
///
/// [`PostgresDatabases::database`]: crate::PostgresDatabases::database
#[derive(Debug)]
pub struct PostgresDatabase {
    database: OwnedDatabase,
}

impl PostgresDatabase {
    pub(crate) fn new(database: OwnedDatabase) -> Self {
        PostgresDatabase { database }
    }

    /// The database's name, random and unique.
    pub fn name(&self) -> &str {
        self.database.name()
    }

    /// `postgres://user:password@host:port/name`, for any client.
    pub fn connection_string(&self) -> String {
        self.database.admin().server().url(self.name())
    }

    /// Copies the database as it is now, to [`restore`](Self::restore)
    /// later. Close your connections to it first: the server copies a
    /// database only while no one is connected to it, and gives up after
    /// waiting 5 s.
    pub async fn snapshot(&self) -> Result<PostgresSnapshot> {
        let name = format!("dockhand_snapshot_{}", random_token(10));
        let copy = OwnedDatabase::copy(self.database.admin(), self.name(), name).await?;
        Ok(PostgresSnapshot::new(copy))
    }

    /// Puts the database back as it was at `snapshot`. Connections still
    /// open to it are closed by the server; connect again afterwards.
    pub async fn restore(&self, snapshot: &PostgresSnapshot) -> Result<()> {
        let admin = self.database.admin();
        admin.drop_database(self.name()).await?;
        admin.copy(snapshot.name(), self.name()).await
    }
}
