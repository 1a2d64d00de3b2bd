//! The session: one per test process, named on every resource it creates.
//!
//! Labels are how teardown keeps its promise: the janitor, the exit flush,
//! the reaper and the stale sweep all find what to remove by them, and never
//! touch a resource without `dockhand.managed=true`. A
//! [reusable](crate::reuse) container, made to outlive its session, carries
//! `dockhand.managed=true` and none of the others.

use std::collections::HashMap;

use once_cell::sync::Lazy;
use rand::Rng;

/// Label on every container, network and volume dockhand creates.
pub const MANAGED_LABEL: &str = "dockhand.managed";
/// Label naming the session (test process) that created a resource.
pub const SESSION_LABEL: &str = "dockhand.session";
/// Label with the process id of the session that created a resource.
pub const PID_LABEL: &str = "dockhand.session.pid";
/// Label with the host name of the machine that created a resource.
pub const HOST_LABEL: &str = "dockhand.session.host";
/// Label on resources created while `DOCKHAND_KEEP` was set: no sweep
/// removes them.
pub const KEEP_LABEL: &str = "dockhand.keep";

static SESSION_ID: Lazy<String> = Lazy::new(|| random_suffix(12));

/// This process's session id, as written in the `dockhand.session` label.
pub fn session_id() -> &'static str {
    &SESSION_ID
}

/// The labels every resource of this session carries.
pub(crate) fn labels() -> HashMap<String, String> {
    let mut labels = HashMap::from([
        (MANAGED_LABEL.to_string(), "true".to_string()),
        (SESSION_LABEL.to_string(), session_id().to_string()),
        (PID_LABEL.to_string(), std::process::id().to_string()),
        (HOST_LABEL.to_string(), host_name().to_string()),
    ]);
    if crate::janitor::keep() {
        labels.insert(KEEP_LABEL.to_string(), "true".to_string());
    }
    labels
}

/// A random lowercase alphanumeric string, for resource names.
pub(crate) fn random_suffix(len: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// This machine's host name, read once.
pub(crate) fn host_name() -> &'static str {
    static HOST_NAME: Lazy<String> = Lazy::new(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|name| name.trim().to_string())
            .unwrap_or_else(|_| "unknown".to_string())
    });
    &HOST_NAME
}
