//! dockhand's demo: start Redis in a container, talk to it, tear it down.
//!
//! Run it with `cargo xtask demo` (which first makes the images where no
//! registry can be reached), or `cargo run --example demo` once they exist.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Instant;

use dockhand::{ContainerRequest, Wait};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let redis = ContainerRequest::new("redis:7")
        .expose(6379)
        .wait_for(Wait::log("Ready to accept connections"))
        .start()
        .await?;
    let port = redis.host_port(6379)?;
    println!(
        "started {} ({}) in {:.0?}, listening on {}:{port}",
        redis.name(),
        redis.image(),
        started.elapsed(),
        redis.host()
    );

    // Plain RESP over TCP: no client library needed to prove it answers.
    let mut stream = TcpStream::connect((redis.host(), port))?;
    let mut replies = BufReader::new(stream.try_clone()?);
    for command in ["PING", "SET greeting hello-from-dockhand", "GET greeting"] {
        let words: Vec<&str> = command.split(' ').collect();
        let mut request = format!("*{}\r\n", words.len());
        for word in &words {
            request.push_str(&format!("${}\r\n{word}\r\n", word.len()));
        }
        stream.write_all(request.as_bytes())?;
        let mut reply = String::new();
        replies.read_line(&mut reply)?;
        if reply.starts_with('$') {
            reply.clear();
            replies.read_line(&mut reply)?;
        }
        println!("{command:<36} -> {}", reply.trim_end());
    }

    let name = redis.name().to_string();
    let removing = Instant::now();
    redis.remove().await?;
    println!("removed {name} in {:.0?}", removing.elapsed());
    Ok(())
}
