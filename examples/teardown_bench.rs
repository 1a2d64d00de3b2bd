//! Teardown benchmark: how long a test waits in `drop`, and how long until
//! the container is really gone, for a Redis container.
//!
//! `cargo run --release --example teardown_bench [ROUNDS]` (default 20).
//! For comparison it also times `remove().await`, which waits for the
//! engine as a synchronous drop would: both figures come from one run,
//! since this machine is noisy.

use std::process::Command;
use std::time::{Duration, Instant};

use dockhand::{ContainerRequest, Wait};

fn redis() -> ContainerRequest {
    ContainerRequest::new("redis:7")
        .expose(6379)
        .wait_for(Wait::log("Ready to accept connections"))
}

fn exists(name: &str) -> bool {
    let status = Command::new("docker")
        .args(["container", "inspect", "--format", "{{.Id}}", name])
        .output()
        .expect("the docker command line runs");
    status.status.success()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(20, |n| n.parse().expect("ROUNDS is a number"));
    let (mut in_drop, mut until_gone, mut in_remove) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let container = redis().start().await?;
        let name = container.name().to_string();
        let dropped = Instant::now();
        drop(container);
        in_drop.push(dropped.elapsed());
        while exists(&name) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        until_gone.push(dropped.elapsed());

        let container = redis().start().await?;
        let removing = Instant::now();
        container.remove().await?;
        in_remove.push(removing.elapsed());
    }
    let (in_drop, until_gone, in_remove) = (median(in_drop), median(until_gone), median(in_remove));
    println!("rounds: {rounds} (medians)");
    println!("time inside drop:              {in_drop:?}");
    println!("drop until gone from engine:   {until_gone:?} (polled with `docker inspect`)");
    println!("remove().await (waits):        {in_remove:?}");
    println!(
        "a test waits {:.0}x less in drop than in a synchronous removal",
        in_remove.as_secs_f64() / in_drop.as_secs_f64().max(1e-9)
    );
    Ok(())
}
