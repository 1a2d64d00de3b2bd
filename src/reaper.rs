//! The reaper: removes a session's resources when its process dies, by any
//! means.
//!
//! A test process that is killed (Ctrl-C in an IDE, a CI time-out, nextest's
//! slow-test kill, SIGKILL) runs no `Drop` and no exit hook. So the first
//! time a process creates a resource on an engine, dockhand starts a watcher:
//! the same executable run again, which a constructor recognises before
//! `main` and turns into the reaper, so no extra image or binary is needed.
//! The watcher holds the read end of a pipe whose write end only the test
//! process has. When that process ends, however it ends, the pipe closes;
//! the reaper then removes everything labelled with the session's id, on the
//! same engine (address and TLS material), and exits. It runs in a process
//! group of its own, so the Ctrl-C that stops the tests does not stop it.
//! [Reusable](crate::reuse) containers belong to no session, so it leaves
//! them alone.
//!
//! `DOCKHAND_REAPER=off` disables it (resources of a killed process then
//! stay until the stale sweep of the next session on this host).

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Mutex;

use once_cell::sync::Lazy;

use crate::engine::Engine;
use crate::janitor;
use crate::runtime;
use crate::session;
use crate::sweep;

/// The environment variable that disables the reaper when set to `off`.
pub const REAPER_ENV: &str = "DOCKHAND_REAPER";
/// Tells a re-run executable that it is a reaper, and for which session.
const REAPER_SESSION_ENV: &str = "DOCKHAND_REAPER_SESSION";

/// The write ends of the watchers' pipes, by engine address: held open for
/// the life of the process, never written to.
static WATCHERS: Lazy<Mutex<HashMap<String, Option<ChildStdin>>>> = Lazy::new(Default::default);

/// Makes sure a reaper watches this process for `engine`, and sweeps the
/// engine of dead sessions' leftovers the first time.
pub(crate) fn watch(engine: &Engine) {
    let mut watchers = WATCHERS.lock().unwrap_or_else(|e| e.into_inner());
    if watchers.contains_key(engine.address()) {
        return;
    }
    runtime::spawn(sweep::stale_sessions(engine.clone()));
    let pipe = if disabled() || janitor::keep() {
        None
    } else {
        start_reaper(engine)
            .inspect_err(|error| {
                eprintln!(
                    "dockhand: could not start the reaper ({error}); resources of this \
                     process will leak if it is killed"
                )
            })
            .ok()
    };
    watchers.insert(engine.address().to_string(), pipe);
}

fn disabled() -> bool {
    std::env::var(REAPER_ENV).is_ok_and(|value| value == "off")
}

fn start_reaper(engine: &Engine) -> std::io::Result<ChildStdin> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .env(REAPER_SESSION_ENV, session::session_id())
        .env("DOCKER_HOST", engine.address());
    match engine.cert_path() {
        Some(cert_path) => command
            .env("DOCKER_TLS_VERIFY", "1")
            .env("DOCKER_CERT_PATH", cert_path),
        None => command.env_remove("DOCKER_TLS_VERIFY"),
    };
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .process_group(0)
        .spawn()?;
    Ok(child.stdin.take().expect("stdin is piped"))
}

/// Before `main`: in a reaper, wait for the test process to end, remove its
/// session's resources, and exit without running the program.
#[ctor::ctor]
fn run_as_reaper_if_asked() {
    let Ok(session) = std::env::var(REAPER_SESSION_ENV) else {
        return;
    };
    let mut stdin = std::io::stdin();
    let mut buffer = [0u8; 64];
    while matches!(stdin.read(&mut buffer), Ok(n) if n > 0) {}
    let removed = runtime::block_on(async move {
        let engine = Engine::from_env().await?;
        janitor::remove_labelled(&engine, session::SESSION_LABEL, &session).await
    });
    if let Err(error) = removed {
        eprintln!("dockhand reaper: {error}");
    }
    std::process::exit(0);
}
