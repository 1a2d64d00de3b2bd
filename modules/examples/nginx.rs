//! nginx serving a test's own page and config, fetched with reqwest.
//!
//! `cargo run -p dockhand-modules --features nginx --example nginx`

use std::time::Instant;

use dockhand_modules::Nginx;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let site = Nginx::new()
        .content("index.html", "<h1>served by dockhand</h1>\n")
        .content("api/status.json", r#"{"status":"ok"}"#)
        .config(
            "server {
                listen 80;
                location / { root /usr/share/nginx/html; }
                location = /health { return 200 'healthy'; }
            }",
        )
        .start()
        .await?;
    println!("nginx ready in {:.0?} at {}", started.elapsed(), site.url());

    for path in ["/", "/api/status.json", "/health", "/missing"] {
        let response = reqwest::get(format!("{}{path}", site.url())).await?;
        let status = response.status();
        let body = response.text().await?;
        let first_line = body.lines().next().unwrap_or_default();
        println!("GET {path:<17} -> {status} {first_line}");
    }
    Ok(())
}
