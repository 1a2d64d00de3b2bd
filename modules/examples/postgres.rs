//! Postgres with a schema from an init script, used through tokio-postgres.
//!
//! `cargo run -p dockhand-modules --features postgres --example postgres`

use std::time::Instant;

use dockhand_modules::Postgres;
use tokio_postgres::NoTls;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let postgres = Postgres::new()
        .user("shop")
        .database("shop")
        .init_sql(
            "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, cents int NOT NULL);
             INSERT INTO items (name, cents) VALUES ('pen', 150), ('notebook', 420);",
        )
        .start()
        .await?;
    println!(
        "postgres ready in {:.0?} on {}:{} (user {}, database {})",
        started.elapsed(),
        postgres.host(),
        postgres.port(),
        postgres.user(),
        postgres.database()
    );

    let (client, connection) =
        tokio_postgres::connect(&postgres.connection_string(), NoTls).await?;
    tokio::spawn(connection);
    client
        .execute(
            "INSERT INTO items (name, cents) VALUES ($1, $2)",
            &[&"ink", &99],
        )
        .await?;
    for row in client
        .query("SELECT name, cents FROM items ORDER BY id", &[])
        .await?
    {
        let (name, cents): (String, i32) = (row.get(0), row.get(1));
        println!("  {name:<10} {cents:>5} cents");
    }
    let total: i64 = client
        .query_one("SELECT sum(cents) FROM items", &[])
        .await?
        .get(0);
    println!("  total      {total:>5} cents");
    Ok(())
}
