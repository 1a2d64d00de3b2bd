//! Redis with a password, used through the redis crate.
//!
//! `cargo run -p dockhand-modules --features redis --example redis`

use std::time::Instant;

use dockhand_modules::Redis;
use redis::AsyncCommands;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let server = Redis::new()
        .password("example-only")
        .config("maxmemory", "32mb")
        .start()
        .await?;
    println!(
        "redis ready in {:.0?} on {}:{}",
        started.elapsed(),
        server.host(),
        server.port()
    );

    let client = redis::Client::open(server.url())?;
    let mut connection = client.get_multiplexed_async_connection().await?;
    let _: () = connection.set("greeting", "hello from dockhand").await?;
    let greeting: String = connection.get("greeting").await?;
    println!("GET greeting -> {greeting}");
    for _ in 0..3 {
        let visits: i64 = connection.incr("visits", 1).await?;
        println!("INCR visits  -> {visits}");
    }
    Ok(())
}
