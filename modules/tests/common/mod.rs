//! What the module tests share: clients connected the plain way a test
//! would, and scratch folders for host files.

#![allow(dead_code, reason = "each test binary uses its own part of this")]

use std::path::PathBuf;

/// The tiny image the tests use as a second container on a network.
pub const BUSYBOX: &str = "busybox:1.36";

/// A tokio-postgres client for `url`, its connection driven on the test's
/// runtime.
#[cfg(feature = "postgres")]
pub async fn postgres(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// A redis connection for `url`.
#[cfg(feature = "redis")]
pub async fn redis(url: &str) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
    redis::Client::open(url)?
        .get_multiplexed_async_connection()
        .await
}

/// An empty folder of this test's own under cargo's scratch space.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch folder can be made");
    dir
}
