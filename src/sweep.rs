//! The stale sweep: leftovers of dead sessions go at the next session.
//!
//! A machine that crashes takes the reaper down with the tests. Every
//! resource carries the host name and process id of its session, so the
//! first time a process uses an engine it removes, in the background, what
//! sessions of this host whose process is gone have left. Resources of live
//! processes, of other hosts, kept ones (`DOCKHAND_KEEP`), reusable ones
//! (which belong to no session, see [`reuse`](crate::reuse)) and those
//! without `dockhand.managed=true` are never touched.

use std::collections::HashSet;

use crate::engine::Engine;
use crate::janitor;
use crate::session::{self, HOST_LABEL, KEEP_LABEL, MANAGED_LABEL, PID_LABEL, SESSION_LABEL};

/// Removes the resources of this host's sessions whose process is dead.
pub(crate) async fn stale_sessions(engine: Engine) {
    let dead = match dead_sessions(&engine).await {
        Ok(dead) => dead,
        Err(error) => return eprintln!("dockhand: stale sweep skipped: {error}"),
    };
    for session in dead {
        if let Err(error) = janitor::remove_labelled(&engine, SESSION_LABEL, &session).await {
            eprintln!("dockhand: stale sweep of session {session}: {error}");
        }
    }
}

/// Sessions of this host that have resources on the engine and no process.
async fn dead_sessions(engine: &Engine) -> crate::Result<HashSet<String>> {
    let filters = [
        format!("{MANAGED_LABEL}=true"),
        format!("{HOST_LABEL}={}", session::host_name()),
    ];
    let dead = janitor::list_labelled(engine, &filters)
        .await?
        .into_iter()
        .map(|(_, labels)| labels)
        .filter(|labels| !labels.contains_key(KEEP_LABEL))
        .filter(|labels| !labels.get(PID_LABEL).is_some_and(|pid| process_alive(pid)))
        .filter_map(|labels| labels.get(SESSION_LABEL).cloned())
        .filter(|id| id != session::session_id())
        .collect();
    Ok(dead)
}

fn process_alive(pid: &str) -> bool {
    pid.parse::<u32>()
        .is_ok_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists())
}
