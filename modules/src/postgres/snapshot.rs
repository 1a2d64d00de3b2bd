//! A database's state kept aside, to go back to.

use super::owned_database::OwnedDatabase;

/// A copy of a [`PostgresDatabase`] at one moment, from
/// [`PostgresDatabase::snapshot`]; the database can go back to it any
/// number of times with [`PostgresDatabase::restore`]. Dropped in the
/// background when the handle drops.
///
/// ```no_run
/// # async fn demo(databases: dockhand_modules::PostgresDatabases) -> dockhand_modules::Result<()> {
/// let database = databases.database().await?;
/// // … fill it in, close the connections …
/// let known_state = database.snapshot().await?;
/// // … a scenario that changes it …
/// database.restore(&known_state).await?;
/// // … the next scenario starts from the known state again …
/// # Ok(()) }
/// ```
///
/// [`PostgresDatabase`]: crate::PostgresDatabase
/// [`PostgresDatabase::snapshot`]: crate::PostgresDatabase::snapshot
/// [`PostgresDatabase::restore`]: crate::PostgresDatabase::restore
#[derive(Debug)]
pub struct PostgresSnapshot {
    database: OwnedDatabase,
}

impl PostgresSnapshot {
    pub(crate) fn new(database: OwnedDatabase) -> Self {
        PostgresSnapshot { database }
    }

    /// The snapshot's database name.
    pub fn name(&self) -> &str {
        self.database.name()
    }
}
