//! The same test bodies two ways: a postgres and a redis container per
//! test, and one shared server of each with a fresh database per test.
//!
//! `cargo run --release -p dockhand-modules --all-features --example
//! isolation_bench [-- TESTS [CONCURRENCY]]` (default 40 tests, 2 at a time,
//! as `cargo test` runs them on a 2-core machine).
//!
//! Each body connects with real clients, writes rows and keys, reads them
//! back, and fails if it sees any row or key that is not its own or the
//! template's seed: the isolation is the same both ways. The container
//! runs use the modules' fast defaults too (data on tmpfs, `fsync=off`),
//! so the comparison flatters the container per test, not the shared
//! server. The shared run's time includes starting its two servers.

use std::future::Future;
use std::time::{Duration, Instant};

use dockhand_modules::{Postgres, Redis};
use futures_util::stream::{self, StreamExt};
use redis::AsyncCommands;
use tokio_postgres::NoTls;

type Failure = Box<dyn std::error::Error + Send + Sync>;

const SCHEMA: &str = "CREATE TABLE orders (test int NOT NULL, item int NOT NULL);
                      INSERT INTO orders VALUES (-1, 0);";
const ROWS: i32 = 20;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1);
    let tests: i32 = args.next().map_or(Ok(40), |n| n.parse())?;
    let concurrency: usize = args.next().map_or(Ok(2), |n| n.parse())?;
    println!("{tests} test bodies, {concurrency} at a time");

    let started = Instant::now();
    run_all(tests, concurrency, |test| async move {
        let (postgres, redis) = tokio::try_join!(
            Postgres::new().init_sql(SCHEMA).start(),
            Redis::new().start()
        )?;
        body(test, &postgres.connection_string(), &redis.url()).await
    })
    .await?;
    let per_container = started.elapsed();
    report("a container per test", per_container, tests, None);

    let started = Instant::now();
    let (postgres, redis) = tokio::try_join!(Postgres::new().start(), Redis::new().start())?;
    let databases = postgres.databases(SCHEMA).await?;
    let namespaces = redis.databases().await?;
    let setup = started.elapsed();
    run_all(tests, concurrency, |test| {
        let (databases, namespaces) = (databases.clone(), namespaces.clone());
        async move {
            let (database, namespace) =
                tokio::try_join!(databases.database(), namespaces.database())?;
            body(test, &database.connection_string(), &namespace.url()).await
        }
    })
    .await?;
    let shared = started.elapsed();
    report("a shared server, isolated", shared, tests, Some(setup));

    println!(
        "ratio: {:.1}x faster with a shared server",
        per_container.as_secs_f64() / shared.as_secs_f64()
    );
    Ok(())
}

/// Runs `tests` bodies, `concurrency` at a time; the first failure ends it.
async fn run_all<F, Fut>(tests: i32, concurrency: usize, test: F) -> Result<(), Failure>
where
    F: FnMut(i32) -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    let mut results = stream::iter(0..tests)
        .map(test)
        .buffer_unordered(concurrency);
    while let Some(result) = results.next().await {
        result?;
    }
    Ok(())
}

/// One test: writes rows and keys of its own, reads them back, and checks
/// that it sees nothing else.
async fn body(test: i32, postgres_url: &str, redis_url: &str) -> Result<(), Failure> {
    let (client, connection) = tokio_postgres::connect(postgres_url, NoTls).await?;
    tokio::spawn(connection);
    for item in 0..ROWS {
        client
            .execute("INSERT INTO orders VALUES ($1, $2)", &[&test, &item])
            .await?;
    }
    let row = client
        .query_one(
            "SELECT count(*) FILTER (WHERE test = $1), count(*) FILTER (WHERE test <> $1 AND test <> -1) FROM orders",
            &[&test],
        )
        .await?;
    let (mine, others): (i64, i64) = (row.get(0), row.get(1));
    if mine != i64::from(ROWS) || others != 0 {
        return Err(
            format!("test {test} saw {mine} rows of its own and {others} of others").into(),
        );
    }

    let mut redis = redis::Client::open(redis_url)?
        .get_multiplexed_async_connection()
        .await?;
    let _: () = redis.set("owner", test).await?;
    for _ in 0..ROWS {
        let _: i64 = redis.incr("counter", 1).await?;
    }
    let (owner, counter, keys): (i32, i32, i64) = redis::pipe()
        .get("owner")
        .get("counter")
        .cmd("DBSIZE")
        .query_async(&mut redis)
        .await?;
    if owner != test || counter != ROWS || keys != 2 {
        return Err(
            format!("test {test} saw owner {owner}, counter {counter}, {keys} keys").into(),
        );
    }
    Ok(())
}

fn report(way: &str, took: Duration, tests: i32, setup: Option<Duration>) {
    let setup = setup.map_or(String::new(), |setup| {
        format!(
            ", of which {:.2} s to start the servers",
            setup.as_secs_f64()
        )
    });
    println!(
        "{way:<26} {:>7.2} s ({:.0} ms per test{setup})",
        took.as_secs_f64(),
        took.as_secs_f64() * 1000.0 / f64::from(tests)
    );
}
