//! A stack: nginx in front of an app that uses postgres and redis, each
//! member reached by its name on the stack's own network.
//!
//! `cargo run -p dockhand-modules --all-features --example stack`
//!
//! The app is busybox httpd running `stack-app/app.cgi`, which talks to
//! `cache` (redis) and `db` (postgres); nginx proxies `/app` to it
//! (`stack-app/front.conf`). The host puts a greeting into redis through
//! the adopted redis handle, then asks nginx: the answer comes through the
//! app, which read the greeting from `cache` and had `db` speak postgres.

use std::time::Instant;

#[path = "stack-app/stack.rs"]
mod stack_app;

use dockhand_modules::{Nginx, Postgres, Redis};
use redis::AsyncCommands;
use tokio_postgres::NoTls;

use stack_app::APP_FILES;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let (postgres, redis) = (Postgres::new(), Redis::new());
    let front = Nginx::new()
        .content("index.html", "the front door\n")
        .config_file(format!("{APP_FILES}/front.conf"))?;
    let stack = stack_app::stack(&postgres, &redis, &front).start().await?;
    // The typed handles, once their clients get an answer from the host.
    let db = postgres.adopt(stack.container("db")?).await?;
    let cache = redis.adopt(stack.container("cache")?).await?;
    let web = front.adopt(stack.container("web")?)?;
    println!("stack ready in {:.1?}", started.elapsed());

    let (client, connection) = tokio_postgres::connect(&db.connection_string(), NoTls).await?;
    tokio::spawn(connection);
    let version: String = client.query_one("SHOW server_version", &[]).await?.get(0);
    println!("db    postgres {version} at {}:{}", db.host(), db.port());

    let mut redis = redis::Client::open(cache.url())?
        .get_multiplexed_async_connection()
        .await?;
    let greeting = "hello from the host";
    let _: () = redis.set("greeting", greeting).await?;
    println!("cache greeting set at {}:{}", cache.host(), cache.port());

    for path in ["/", "/app", "/app"] {
        let response = reqwest::get(format!("{}{path}", web.url())).await?;
        let status = response.status();
        let body = response.text().await?;
        println!("GET {path:<4} -> {status}\n{}", indent(&body));
        if path == "/app" && !body.contains(&format!("greeting={greeting}\n")) {
            return Err("the app's answer lacks the greeting the host put in redis".into());
        }
    }
    Ok(())
}

fn indent(body: &str) -> String {
    body.lines().map(|line| format!("    {line}\n")).collect()
}
