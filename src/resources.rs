//! Resource limits: what a container may use of the machine.
//!
//! Limits make a test meet the constraints production has (a service that
//! must run in 256 MiB, a worker pinned to one CPU) and keep one runaway
//! container from starving the other tests on a shared machine. They are
//! gathered in one [`Resources`] value, given to
//! [`ContainerRequest::resources`](crate::ContainerRequest::resources).

use std::time::Duration;

use bollard::models::{HostConfig, ResourcesUlimits};

use crate::error::{Error, Result};
use crate::mount::saturating_i64;

/// The resource names [`Resources::ulimit`] knows, as `ulimit` and the
/// engine name them.
const ULIMITS: &[&str] = &[
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

/// Limits on memory, CPU, shared memory, processes and per-process
/// resources; unset ones are the engine's defaults (no limit).
///
/// ```
/// use std::time::Duration;
/// use dockhand::{ContainerRequest, Resources};
///
/// const MIB: u64 = 1024 * 1024;
/// let request = ContainerRequest::new("redis:7").resources(
///     Resources::new()
///         .memory(256 * MIB)
///         .swap(0)
///         .cpu_quota(Duration::from_millis(50), Duration::from_millis(100))
///         .cpuset("0")
///         .shm_size(64 * MIB)
///         .ulimit("nofile", 1024, 4096)
///         .pids(128),
/// );
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "limits do nothing until passed to ContainerRequest::resources"]
pub struct Resources {
    memory: Option<u64>,
    swap: Option<u64>,
    cpu_quota: Option<(Duration, Duration)>,
    cpuset: Option<String>,
    shm_size: Option<u64>,
    ulimits: Vec<(String, u64, u64)>,
    pids: Option<u32>,
}

impl Resources {
    /// No limits yet.
    pub fn new() -> Resources {
        Resources::default()
    }

    /// At most `bytes` of memory; beyond that the kernel reclaims or the
    /// container's processes are killed.
    pub fn memory(mut self, bytes: u64) -> Resources {
        self.memory = Some(bytes);
        self
    }

    /// At most `bytes` of swap on top of [`memory`](Self::memory) (`0`: no
    /// swap at all). Needs a memory limit.
    pub fn swap(mut self, bytes: u64) -> Resources {
        self.swap = Some(bytes);
        self
    }

    /// At most `quota` of CPU time in every `period`: 50 ms per 100 ms is
    /// half a CPU. The engine accepts periods from 1 ms to 1 s.
    pub fn cpu_quota(mut self, quota: Duration, period: Duration) -> Resources {
        self.cpu_quota = Some((quota, period));
        self
    }

    /// Runs only on these CPUs, e.g. `"0"`, `"0-1"` or `"0,2"`.
    pub fn cpuset(mut self, cpus: impl Into<String>) -> Resources {
        self.cpuset = Some(cpus.into());
        self
    }

    /// The size of `/dev/shm` (the engine's default is 64 MiB).
    pub fn shm_size(mut self, bytes: u64) -> Resources {
        self.shm_size = Some(bytes);
        self
    }

    /// Sets a per-process limit as `ulimit` does, e.g. `("nofile", 1024,
    /// 4096)` for open files; `u64::MAX` is unlimited. `soft` may not
    /// exceed `hard`.
    pub fn ulimit(mut self, name: impl Into<String>, soft: u64, hard: u64) -> Resources {
        let name = name.into();
        self.ulimits.retain(|(existing, _, _)| *existing != name);
        self.ulimits.push((name, soft, hard));
        self
    }

    /// At most `max` processes and threads at once.
    pub fn pids(mut self, max: u32) -> Resources {
        self.pids = Some(max);
        self
    }

    /// Writes the limits into the engine's host config; bad values are
    /// errors naming them.
    pub(crate) fn apply(&self, host: &mut HostConfig) -> Result<()> {
        if let Some(swap) = self.swap {
            let Some(memory) = self.memory else {
                return Err(Error::invalid(
                    "swap limit",
                    swap.to_string(),
                    "needs a memory limit (Resources::memory)",
                ));
            };
            // The engine's `MemorySwap` is memory and swap together.
            host.memory_swap = Some(saturating_i64(memory.saturating_add(swap)));
        }
        host.memory = self.memory.map(saturating_i64);
        if let Some((quota, period)) = self.cpu_quota {
            host.cpu_quota = Some(micros(quota));
            host.cpu_period = Some(micros(period));
        }
        if let Some(cpus) = &self.cpuset {
            check_cpuset(cpus)?;
            host.cpuset_cpus = Some(cpus.clone());
        }
        host.shm_size = self.shm_size.map(saturating_i64);
        host.pids_limit = self.pids.map(i64::from);
        if !self.ulimits.is_empty() {
            let ulimits = self.ulimits.iter().map(|(name, soft, hard)| {
                check_ulimit(name, *soft, *hard)?;
                Ok(ResourcesUlimits {
                    name: Some(name.clone()),
                    soft: Some(ulimit_value(*soft)),
                    hard: Some(ulimit_value(*hard)),
                })
            });
            host.ulimits = Some(ulimits.collect::<Result<_>>()?);
        }
        Ok(())
    }
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

/// The engine's form of a ulimit value: -1 is unlimited.
fn ulimit_value(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(-1)
}

/// A CPU list as the kernel reads it: numbers and ranges, comma separated.
fn check_cpuset(cpus: &str) -> Result<()> {
    let valid = cpus.split(',').all(|part| {
        let (first, last) = part.split_once('-').unwrap_or((part, part));
        match (first.parse::<u32>(), last.parse::<u32>()) {
            (Ok(first), Ok(last)) => first <= last,
            _ => false,
        }
    });
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            "cpuset",
            cpus,
            "expected CPU numbers and ranges such as `0`, `0-3` or `0,2`",
        ))
    }
}

fn check_ulimit(name: &str, soft: u64, hard: u64) -> Result<()> {
    if !ULIMITS.contains(&name) {
        return Err(Error::invalid(
            "ulimit",
            name,
            format!("unknown resource; one of {}", ULIMITS.join(", ")),
        ));
    }
    if soft > hard {
        return Err(Error::invalid(
            "ulimit",
            format!("{name}={soft}:{hard}"),
            "the soft limit exceeds the hard limit",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpusets_are_numbers_and_ranges() {
        for good in ["0", "0-3", "0,2", "1-1,3-5"] {
            assert!(check_cpuset(good).is_ok(), "{good}");
        }
        for bad in ["x", "", "1-", "3-1", "0,,1", "-1"] {
            let error = check_cpuset(bad).unwrap_err().to_string();
            assert!(error.contains(&format!("`{bad}`")), "{error}");
        }
    }

    #[test]
    fn swap_needs_memory_and_adds_to_it() {
        let mut host = HostConfig::default();
        let error = Resources::new().swap(1).apply(&mut host).unwrap_err();
        assert!(matches!(error, Error::InvalidOption { .. }), "{error}");
        Resources::new()
            .memory(100)
            .swap(50)
            .apply(&mut host)
            .unwrap();
        assert_eq!((host.memory, host.memory_swap), (Some(100), Some(150)));
    }

    #[test]
    fn ulimits_are_checked_by_name_and_order() {
        let mut host = HostConfig::default();
        let unknown = Resources::new().ulimit("files", 1, 2).apply(&mut host);
        assert!(unknown.unwrap_err().to_string().contains("`files`"));
        let inverted = Resources::new().ulimit("nofile", 9, 2).apply(&mut host);
        assert!(inverted.unwrap_err().to_string().contains("nofile=9:2"));
        Resources::new()
            .ulimit("core", u64::MAX, u64::MAX)
            .apply(&mut host)
            .unwrap();
        assert_eq!(host.ulimits.unwrap()[0].hard, Some(-1));
    }
}
