//! One test's own logical database on a shared redis server.

use std::sync::Arc;

use tokio::sync::OwnedSemaphorePermit;

use super::databases::Pool;

/// A logical database of one test's own, from
/// [`RedisDatabases::database`]; flushed in the background and handed to
/// the next test when the handle drops.
///
/// [`RedisDatabases::database`]: crate::RedisDatabases::database
#[derive(Debug)]
pub struct RedisDatabase {
    pool: Arc<Pool>,
    index: u32,
    permit: Option<OwnedSemaphorePermit>,
}

impl RedisDatabase {
    pub(crate) fn new(pool: Arc<Pool>, index: u32, permit: OwnedSemaphorePermit) -> Self {
        RedisDatabase {
            pool,
            index,
            permit: Some(permit),
        }
    }

    /// The database's number (`SELECT n`); never 0.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// `redis://[:password@]host:port/n`: a client opened with it works in
    /// this database only.
    pub fn url(&self) -> String {
        self.pool.server.url(self.index)
    }
}

impl Drop for RedisDatabase {
    /// A database whose flush fails is not handed out again, so no test
    /// ever gets another's keys.
    fn drop(&mut self) {
        let (pool, index, permit) = (self.pool.clone(), self.index, self.permit.take());
        dockhand::runtime::spawn(async move {
            let flushed = async {
                let mut connection = pool.server.connect(index).await?;
                ::redis::cmd("FLUSHDB")
                    .query_async::<()>(&mut connection)
                    .await
            };
            if flushed.await.is_ok() {
                pool.release(index);
                drop(permit);
            } else if let Some(permit) = permit {
                permit.forget();
            }
        });
    }
}
