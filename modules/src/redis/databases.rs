//! Per-test logical databases on one shared redis server.

use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

use super::database::RedisDatabase;
use super::server::Server;
use crate::error::{Error, Result};

/// The logical databases of a shared redis server, handed to one test at
/// a time. Cheap to clone.
///
/// A redis server has a fixed number of logical databases (16 unless
/// configured with `databases`), each with keys of its own (`SELECT n`).
/// [`RedisContainer::databases`] hands them out one per test: database 0
/// stays for direct use of the server, the others go to tests, and a test
/// that asks while all are taken waits until one is released. A released
/// database is flushed (`FLUSHDB`) in the background before the next test
/// gets it, so no test sees another's keys.
///
/// ```no_run
/// use dockhand::Shared;
/// use dockhand_modules::{Redis, RedisContainer};
/// use redis::AsyncCommands;
///
/// // One server per test binary, removed when the test process exits.
/// static REDIS: Shared<RedisContainer> =
///     Shared::new(|| Box::pin(async { Ok(Redis::new().start().await?) }));
///
/// #[tokio::test]
/// async fn counts_visits() -> Result<(), Box<dyn std::error::Error>> {
///     let database = REDIS.get().await?.databases().await?.database().await?;
///     let client = redis::Client::open(database.url())?;
///     let mut connection = client.get_multiplexed_async_connection().await?;
///     let visits: i64 = connection.incr("visits", 1).await?;
///     assert_eq!(visits, 1); // no other test's key
///     Ok(())
/// } // flushed and handed to the next test here
/// ```
///
/// [`RedisContainer::databases`]: crate::RedisContainer::databases
#[derive(Debug, Clone)]
pub struct RedisDatabases {
    pool: Arc<Pool>,
}

/// Which databases are free; `permits` counts them, so that a test waits
/// for one without polling.
#[derive(Debug)]
pub(crate) struct Pool {
    pub(crate) server: Server,
    free: Mutex<Vec<u32>>,
    permits: Arc<Semaphore>,
}

impl RedisDatabases {
    /// Reads how many databases `server` has and makes all but 0 free.
    pub(crate) async fn create(server: Server) -> Result<RedisDatabases> {
        let failed = |action: &str| {
            let (server, action) = (server.address(), action.to_string());
            move |source| Error::Redis {
                server,
                action,
                source,
            }
        };
        let mut connection = server
            .connect(0)
            .await
            .map_err(failed("log in to read the number of databases"))?;
        let (_, count): (String, u32) = ::redis::cmd("CONFIG")
            .arg("GET")
            .arg("databases")
            .query_async(&mut connection)
            .await
            .map_err(failed("read the number of databases"))?;
        let free: Vec<u32> = (1..count).rev().collect();
        Ok(RedisDatabases {
            pool: Arc::new(Pool {
                server,
                permits: Arc::new(Semaphore::new(free.len())),
                free: Mutex::new(free),
            }),
        })
    }

    /// An empty logical database for one test; waits while every one is
    /// taken. Flushed and handed on when the handle drops.
    pub async fn database(&self) -> Result<RedisDatabase> {
        let permit = self
            .pool
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the pool never closes its semaphore");
        let index = self
            .pool
            .free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop()
            .expect("a permit stands for a free database");
        Ok(RedisDatabase::new(self.pool.clone(), index, permit))
    }
}

impl Pool {
    /// Puts a flushed database back for the next test.
    pub(crate) fn release(&self, index: u32) {
        self.free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(index);
    }
}
