//! A database that dockhand copied on a shared server, dropped when its
//! owner lets go of it: what per-test databases and snapshots both are.

use std::sync::Arc;

use super::admin::Admin;
use crate::error::Result;

/// A copied database, dropped in the background with its handle.
#[derive(Debug)]
pub(crate) struct OwnedDatabase {
    name: String,
    admin: Arc<Admin>,
}

impl OwnedDatabase {
    /// Creates `name` as a copy of `source`.
    pub(crate) async fn copy(admin: &Arc<Admin>, source: &str, name: String) -> Result<Self> {
        admin.copy(source, &name).await?;
        Ok(OwnedDatabase {
            name,
            admin: admin.clone(),
        })
    }

    /// The database's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The session that made it.
    pub(crate) fn admin(&self) -> &Arc<Admin> {
        &self.admin
    }
}

impl Drop for OwnedDatabase {
    /// A server that is gone by the time the drop runs took the database
    /// with it, so a failure is of no consequence.
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), std::mem::take(&mut self.name));
        dockhand::runtime::spawn(async move {
            let _ = admin.drop_database(&name).await;
        });
    }
}
