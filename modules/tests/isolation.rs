//! Per-test isolation on shared servers: each test's postgres database is
//! a fresh copy of one template, each test's redis database is its own and
//! empty; neither sees another's rows or keys, and both are cleaned up in
//! the background when let go.

mod common;

use std::time::{Duration, Instant};

use dockhand::Shared;
use dockhand_modules::{Postgres, PostgresContainer, PostgresDatabases, Redis, RedisContainer};
use redis::AsyncCommands;

const SCHEMA: &str = "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);
                      INSERT INTO notes (body) VALUES ('seed');";

/// One postgres server per test binary …
static POSTGRES: Shared<PostgresContainer> =
    Shared::new(|| Box::pin(async { Ok(Postgres::new().start().await?) }));

/// … with one template on it.
static NOTES: Shared<PostgresDatabases> =
    Shared::new(|| Box::pin(async { Ok(POSTGRES.get().await?.databases(SCHEMA).await?) }));

/// One redis server per test binary.
static REDIS: Shared<RedisContainer> =
    Shared::new(|| Box::pin(async { Ok(Redis::new().start().await?) }));

async fn notes(client: &tokio_postgres::Client) -> Vec<String> {
    client
        .query("SELECT body FROM notes ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// Polls `condition` for up to ten seconds; true once it holds.
async fn eventually<F, Fut>(mut condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if condition().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn each_test_gets_its_own_copy_of_the_template() {
    let databases = NOTES.get().await.unwrap();
    let (mine, theirs) = (
        databases.database().await.unwrap(),
        databases.database().await.unwrap(),
    );
    assert_ne!(mine.name(), theirs.name());
    let me = common::postgres(&mine.connection_string()).await.unwrap();
    let them = common::postgres(&theirs.connection_string()).await.unwrap();

    me.execute("INSERT INTO notes (body) VALUES ('mine')", &[])
        .await
        .unwrap();
    them.execute("DELETE FROM notes", &[]).await.unwrap();

    assert_eq!(notes(&me).await, ["seed", "mine"]);
    assert!(notes(&them).await.is_empty());
    let fresh = databases.database().await.unwrap();
    let fresh = common::postgres(&fresh.connection_string()).await.unwrap();
    assert_eq!(notes(&fresh).await, ["seed"]);
}

#[tokio::test]
async fn a_released_database_is_dropped_from_the_server() {
    let databases = NOTES.get().await.unwrap();
    let database = databases.database().await.unwrap();
    let name = database.name().to_string();
    let client = common::postgres(&database.connection_string())
        .await
        .unwrap();
    assert_eq!(notes(&client).await, ["seed"]);

    drop(database); // with the client still connected
    let server = POSTGRES.get().await.unwrap();
    let admin = common::postgres(&server.connection_string()).await.unwrap();
    let exists = || async {
        let row = admin
            .query_one(
                "SELECT count(*) FROM pg_database WHERE datname = $1",
                &[&name],
            )
            .await
            .unwrap();
        row.get::<_, i64>(0) == 1
    };
    assert!(eventually(|| async { !exists().await }).await);
}

#[tokio::test]
async fn a_database_goes_back_to_its_snapshot() {
    let databases = NOTES.get().await.unwrap();
    let database = databases.database().await.unwrap();
    let client = common::postgres(&database.connection_string())
        .await
        .unwrap();
    client
        .execute("INSERT INTO notes (body) VALUES ('known state')", &[])
        .await
        .unwrap();
    drop(client);

    let snapshot = database.snapshot().await.unwrap();
    let client = common::postgres(&database.connection_string())
        .await
        .unwrap();
    client.execute("DELETE FROM notes", &[]).await.unwrap();
    assert!(notes(&client).await.is_empty());

    for _ in 0..2 {
        database.restore(&snapshot).await.unwrap();
        let client = common::postgres(&database.connection_string())
            .await
            .unwrap();
        assert_eq!(notes(&client).await, ["seed", "known state"]);
        client.execute("DELETE FROM notes", &[]).await.unwrap();
    }
}

#[tokio::test]
async fn each_test_gets_its_own_empty_redis_database() {
    let databases = REDIS.get().await.unwrap().databases().await.unwrap();
    let (mine, theirs) = (
        databases.database().await.unwrap(),
        databases.database().await.unwrap(),
    );
    assert_ne!(mine.index(), theirs.index());
    assert_ne!(mine.index(), 0, "database 0 stays for direct use");
    let mut me = common::redis(&mine.url()).await.unwrap();
    let mut them = common::redis(&theirs.url()).await.unwrap();

    let _: () = me.set("visits", 41).await.unwrap();
    let visits: i64 = me.incr("visits", 1).await.unwrap();
    assert_eq!(visits, 42);
    let seen: Option<i64> = them.get("visits").await.unwrap();
    assert_eq!(seen, None);
    let size: i64 = redis::cmd("DBSIZE").query_async(&mut them).await.unwrap();
    assert_eq!(size, 0);

    // Released, the database is flushed before anyone gets it again.
    let index = mine.index();
    drop(mine);
    let server = REDIS.get().await.unwrap();
    let url = format!("{}/{index}", server.url().strip_suffix("/0").unwrap());
    let direct = common::redis(&url).await.unwrap();
    assert!(
        eventually(|| {
            let mut direct = direct.clone();
            async move {
                let size: i64 = redis::cmd("DBSIZE").query_async(&mut direct).await.unwrap();
                size == 0
            }
        })
        .await
    );
}

#[tokio::test]
async fn a_test_waits_while_every_redis_database_is_taken() {
    // Three databases: 0 for direct use, two for tests.
    let server = Redis::new().config("databases", "3").start().await.unwrap();
    let databases = server.databases().await.unwrap();
    let first = databases.database().await.unwrap();
    let second = databases.database().await.unwrap();

    let mut third = Box::pin(databases.database());
    let waited = tokio::time::timeout(Duration::from_millis(300), &mut third).await;
    assert!(waited.is_err(), "no third database exists");

    let freed = first.index();
    drop(first);
    let third = tokio::time::timeout(Duration::from_secs(10), third)
        .await
        .expect("a released database is handed on")
        .unwrap();
    assert_eq!(third.index(), freed);
    assert_ne!(third.index(), second.index());
}
