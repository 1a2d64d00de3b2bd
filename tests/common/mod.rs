//! What the integration tests share: an independent view of the engine
//! through the `docker` command line, so that a test of removal does not
//! trust dockhand's own word for it.

#![allow(dead_code, reason = "each test binary uses its own part of this")]

use std::process::Command;
use std::time::{Duration, Instant};

/// The tiny image the generic tests run (sh, sleep, httpd, nc).
pub const BUSYBOX: &str = "busybox:1.36";

/// Whether the engine has a container of this name or id.
pub fn container_exists(name: &str) -> bool {
    let output = Command::new("docker")
        .args(["container", "inspect", "--format", "{{.Id}}", name])
        .output()
        .expect("the docker command line runs");
    output.status.success()
}

/// Waits up to `limit` for the container to be gone; true if it is.
pub fn gone_within(name: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if !container_exists(name) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    !container_exists(name)
}

/// The labels of a container, as `key=value` lines.
pub fn container_labels(name: &str) -> String {
    container_inspect(
        name,
        "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}\n{{end}}",
    )
}

/// What `docker container inspect --format FORMAT` says of a container.
pub fn container_inspect(name: &str, format: &str) -> String {
    let output = Command::new("docker")
        .args(["container", "inspect", "--format", format, name])
        .output()
        .expect("the docker command line runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The local image that runs for `reference`: its substitute from the
/// `DOCKHAND_SUBSTITUTIONS` file, if it has one (for a Dockerfile's `FROM`,
/// which no substitution reaches).
pub fn local_image(reference: &str) -> String {
    let substitutes = std::env::var("DOCKHAND_SUBSTITUTIONS")
        .ok()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
    substitutes
        .as_ref()
        .and_then(|file| file["images"][reference].as_str())
        .unwrap_or(reference)
        .to_string()
}

/// Sends `request` over TCP and reads the answer until the peer closes or
/// `until` appears.
pub fn exchange(host: &str, port: u16, request: &[u8], until: &str) -> String {
    use std::io::{Read, Write};
    let mut stream =
        std::net::TcpStream::connect((host, port)).expect("the published port accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains(until) {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// How many containers, networks and volumes carry the session's label.
pub fn session_resources(session: &str) -> usize {
    let filter = format!("label=dockhand.session={session}");
    [
        vec!["ps", "-aq", "--filter", &filter],
        vec!["network", "ls", "-q", "--filter", &filter],
        vec!["volume", "ls", "-q", "--filter", &filter],
    ]
    .iter()
    .map(|args| {
        let output = Command::new("docker")
            .args(args)
            .output()
            .expect("the docker command line runs");
        String::from_utf8_lossy(&output.stdout).lines().count()
    })
    .sum()
}

/// Waits up to `limit` for the session to have nothing left; returns what is left.
pub fn session_left_after(session: &str, limit: Duration) -> usize {
    let deadline = Instant::now() + limit;
    loop {
        let left = session_resources(session);
        if left == 0 || Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
