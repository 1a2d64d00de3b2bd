//! Waiting until TCP ports accept connections.
//!
//! Two views, because neither is enough alone. From the host, a connection
//! to the published port proves the port is reachable from the test; but
//! the engine's port forwarding accepts a connection even when nothing
//! listens behind it, and then closes it at once, so a connection that is
//! closed straight away counts as "not listening". Inside the container,
//! where the image has a shell, the kernel's socket tables
//! (`/proc/net/tcp`, `/proc/net/tcp6`) say whether the service listens,
//! also on a port that is not published.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::net::TcpStream;

use super::poll::{
    engine_said, patience_builders, poll, still_waiting, Check, Deadline, NotReady, Patience,
};
use crate::container::Container;
use crate::exec::ExecCommand;

/// How long a connection through the engine's port forwarding must stay
/// open, with nothing said, to count as accepted by a listener: the
/// forwarding closes one it cannot pass on within a millisecond or so.
const FORWARDING_CLOSE_WINDOW: Duration = Duration::from_millis(100);

/// Exit codes of a command the engine could not start (no `sh` in the image).
const CANNOT_RUN: [i64; 2] = [126, 127];

/// Waits until TCP ports listen; see [`Wait::listening`].
///
/// ```
/// use std::time::Duration;
///
/// use dockhand::Wait;
///
/// let wait = Wait::listening().port(5432).port(8080).timeout(Duration::from_secs(10));
/// ```
///
/// [`Wait::listening`]: crate::Wait::listening
#[derive(Debug, Clone)]
#[must_use = "a wait does nothing until it is passed to ContainerRequest::wait_for"]
pub struct PortWait {
    ports: Vec<u16>,
    patience: Patience,
}

impl PortWait {
    pub(super) fn new() -> PortWait {
        PortWait {
            ports: Vec::new(),
            patience: Patience::default(),
        }
    }

    /// Waits for this container port (TCP) instead of every exposed one;
    /// call again to wait for several.
    pub fn port(mut self, port: u16) -> Self {
        if !self.ports.contains(&port) {
            self.ports.push(port);
        }
        self
    }

    pub(super) async fn until_ready(
        &self,
        container: &Container,
        deadline: Deadline,
    ) -> Result<(), NotReady> {
        let shell = AtomicBool::new(true);
        poll(self, self.patience, deadline, |_| {
            self.look(container, &shell)
        })
        .await
    }

    /// Checks each port; `shell` turns false once the image proves to
    /// have none, so that later looks check from the host only.
    async fn look(&self, container: &Container, shell: &AtomicBool) -> Check {
        let ports = if self.ports.is_empty() {
            container.tcp_ports()
        } else {
            self.ports.clone()
        };
        if ports.is_empty() {
            return Check::Failed(
                "the container publishes no TCP port: name one with PortWait::port".to_string(),
            );
        }
        for port in ports {
            let published = container.host_port(port).ok();
            if let Some(host_port) = published {
                if let Err(seen) = accepts(container.host(), host_port).await {
                    return still_waiting(container, format!("port {port}: {seen}")).await;
                }
            }
            if shell.load(Ordering::Relaxed) {
                match listening_inside(container, port).await {
                    Inside::Listening => {}
                    Inside::NoShell => shell.store(false, Ordering::Relaxed),
                    Inside::Not(seen) => {
                        return still_waiting(container, format!("port {port}: {seen}")).await;
                    }
                }
            }
            if published.is_none() && !shell.load(Ordering::Relaxed) {
                return Check::Failed(format!(
                    "port {port} is not published, and the image has no shell to check it inside"
                ));
            }
        }
        Check::Ready
    }
}

patience_builders!(PortWait);

/// Whether a listener accepts a connection on `host:port`; if not, what
/// the connection attempt saw.
async fn accepts(host: &str, port: u16) -> Result<(), String> {
    let stream = TcpStream::connect((host, port))
        .await
        .map_err(|error| error.to_string())?;
    let mut byte = [0u8; 1];
    match tokio::time::timeout(FORWARDING_CLOSE_WINDOW, stream.peek(&mut byte)).await {
        Ok(Ok(0)) => {
            Err("connection closed at once (nothing listens behind the published port)".to_string())
        }
        Ok(Err(error)) => Err(error.to_string()),
        // Either it greeted us or it waits for us to speak: a listener.
        Ok(Ok(_)) | Err(_) => Ok(()),
    }
}

/// What the container's socket tables say of a port.
enum Inside {
    Listening,
    /// Not listening, or the look failed: what was seen.
    Not(String),
    /// The image has no `sh` to look with.
    NoShell,
}

async fn listening_inside(container: &Container, port: u16) -> Inside {
    let look = ExecCommand::new(["sh", "-c", &listening_script(port)]);
    match container.exec(look).await.map(|output| output.exit_code) {
        Ok(0) => Inside::Listening,
        Ok(code) if CANNOT_RUN.contains(&code) => Inside::NoShell,
        Ok(_) => Inside::Not("nothing listens on it inside the container".to_string()),
        Err(error) => Inside::Not(format!("cannot look inside: {}", engine_said(&error))),
    }
}

/// A shell script that exits 0 if something listens on TCP `port`, over
/// IPv4 or IPv6, in the container's network; 1 if not. Plain `sh`, no
/// other tool: a socket table line reads `sl local_address rem_address st
/// …`, with the port in hex and `0A` for LISTEN.
fn listening_script(port: u16) -> String {
    format!(
        "for table in /proc/net/tcp /proc/net/tcp6; do \
           [ -r $table ] || continue; \
           while read -r _ local _ state _; do \
             case $local:$state in *:{port:04X}:0A) exit 0;; esac; \
           done < $table; \
         done; exit 1"
    )
}

impl fmt::Display for PortWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ports.as_slice() {
            [] => f.write_str("every exposed TCP port listening"),
            [port] => write!(f, "port {port} listening"),
            ports => {
                let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
                write!(f, "ports {} listening", ports.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_looks_for_the_port_in_hex_in_listen_state() {
        let script = listening_script(8080);
        assert!(script.contains("*:1F90:0A)"), "{script}");
    }

    #[test]
    fn descriptions_name_the_ports() {
        assert_eq!(
            PortWait::new().to_string(),
            "every exposed TCP port listening"
        );
        assert_eq!(PortWait::new().port(80).to_string(), "port 80 listening");
        assert_eq!(
            PortWait::new().port(80).port(443).to_string(),
            "ports 80, 443 listening"
        );
    }
}
