//! A running container's resource usage, as `docker stats` shows it.
//!
//! Tests of a service's footprint (a cache that must not grow without
//! bound, a worker that must idle, a client that must not resend) read
//! what the engine measures: [`Container::stats`] takes one reading,
//! [`Container::stats_stream`] one about every second while the container
//! runs. A [`Stats`] holds the CPU use in percent, computed as
//! `docker stats` does, the memory in use and its limit, and the bytes
//! received and sent over all the container's network interfaces.
//!
//! CPU use is a rate: the engine's first reading of a request has nothing
//! earlier to compare to. Neither call hands that reading out, so each
//! [`Stats`] has a real CPU figure, and the first one takes about a second.

use bollard::models::{ContainerCpuStats, ContainerMemoryStats, ContainerStatsResponse};
use bollard::query_parameters::StatsOptionsBuilder;
use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;

use crate::container::Container;
use crate::error::{Error, Result};
use crate::runtime;

/// One reading of a container's resource usage; see [`Container::stats`].
///
/// ```no_run
/// use dockhand::{ContainerRequest, ExecCommand};
/// use futures_util::StreamExt;
///
/// # async fn demo() -> dockhand::Result<()> {
/// let container = ContainerRequest::new("busybox:1.36")
///     .cmd(["sleep", "3600"])
///     .start()
///     .await?;
/// let before = container.stats().await?;
/// container
///     .exec(ExecCommand::new(["sh", "-c", "head -c 32m /dev/zero > /dev/shm/fill"]))
///     .await?;
/// let after = container.stats().await?;
/// assert!(after.memory_usage > before.memory_usage);
///
/// let mut readings = container.stats_stream();
/// while let Some(stats) = readings.next().await {
///     println!("{:.1} % CPU", stats?.cpu_percent);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Stats {
    /// CPU time used since the engine's previous reading (about a second
    /// earlier), in percent of one CPU: 200.0 is two CPUs kept busy.
    pub cpu_percent: f64,
    /// Memory in use, in bytes, without the file cache the kernel may drop
    /// (inactive files), as `docker stats` counts it. Files in a tmpfs such
    /// as `/dev/shm` count.
    pub memory_usage: u64,
    /// The container's memory limit in bytes; the host's memory if it has
    /// none.
    pub memory_limit: u64,
    /// Bytes received over all its network interfaces since its latest start.
    pub network_rx_bytes: u64,
    /// Bytes sent over all its network interfaces since its latest start.
    pub network_tx_bytes: u64,
}

impl Container {
    /// One reading of the container's resource usage. Takes about a second,
    /// the engine's sampling interval, so that the CPU figure is real. A
    /// container that is not running gives [`Error::NotRunning`].
    pub async fn stats(&self) -> Result<Stats> {
        self.stats_stream()
            .next()
            .await
            .unwrap_or_else(|| Err(self.not_running("read the stats of")))
    }

    /// [`stats`](Self::stats) for code without an async runtime.
    pub fn stats_blocking(&self) -> Result<Stats> {
        runtime::block_on_borrowed(self.stats())
    }

    /// A reading about every second, the first about a second from now, read
    /// on dockhand's background runtime and handed over as the stream is
    /// polled. It ends when the container stops (at once if it is not
    /// running), after an engine error (handed out as the last item), or
    /// when dropped. Readings wait until polled: a stream left alone for a
    /// while hands out the older ones first.
    pub fn stats_stream(&self) -> impl Stream<Item = Result<Stats>> + Send + Unpin + 'static {
        let (engine, id) = (self.engine().clone(), self.id().to_string());
        let action = self.action("read the stats of");
        let (readings, mut received) = mpsc::channel(1);
        runtime::spawn(async move {
            let options = StatsOptionsBuilder::default().stream(true).build();
            let mut frames = engine.docker().stats(&id, Some(options));
            loop {
                let frame = tokio::select! {
                    () = readings.closed() => return,
                    frame = frames.next() => frame,
                };
                let reading = match frame {
                    None => return,
                    Some(Err(error)) => Err(Error::engine(action.clone())(error)),
                    Some(Ok(frame)) => match Frame::of(&frame) {
                        Frame::Stopped => return,
                        Frame::First => continue,
                        Frame::Reading(stats) => Ok(stats),
                    },
                };
                let failed = reading.is_err();
                if readings.send(reading).await.is_err() || failed {
                    return;
                }
            }
        });
        futures_util::stream::poll_fn(move |context| received.poll_recv(context))
    }

    fn not_running(&self, action: &str) -> Error {
        Error::NotRunning {
            container: self.name().to_string(),
            image: self.image().to_string(),
            action: action.to_string(),
        }
    }
}

/// What one of the engine's frames holds.
#[derive(Debug, PartialEq)]
enum Frame {
    /// No reading: the container is not running.
    Stopped,
    /// A reading with no earlier one to compare CPU time to.
    First,
    /// A whole reading.
    Reading(Stats),
}

impl Frame {
    fn of(frame: &ContainerStatsResponse) -> Frame {
        let (Some(now), Some(before)) = (&frame.cpu_stats, &frame.precpu_stats) else {
            return Frame::Stopped;
        };
        // The engine leaves the system's CPU time out of an empty reading.
        if now.system_cpu_usage.unwrap_or(0) == 0 {
            return Frame::Stopped;
        }
        if before.system_cpu_usage.unwrap_or(0) == 0 {
            return Frame::First;
        }
        let memory = frame.memory_stats.as_ref();
        let networks = frame.networks.iter().flat_map(|networks| networks.values());
        let (rx, tx) = networks.fold((0, 0), |(rx, tx), network| {
            (
                rx + network.rx_bytes.unwrap_or(0),
                tx + network.tx_bytes.unwrap_or(0),
            )
        });
        Frame::Reading(Stats {
            cpu_percent: cpu_percent(now, before),
            memory_usage: memory.map_or(0, memory_usage),
            memory_limit: memory.and_then(|memory| memory.limit).unwrap_or(0),
            network_rx_bytes: rx,
            network_tx_bytes: tx,
        })
    }
}

/// The container's share of the CPU time all CPUs had between two readings,
/// times the number of CPUs, in percent: `docker stats`' formula.
fn cpu_percent(now: &ContainerCpuStats, before: &ContainerCpuStats) -> f64 {
    let used = |cpu: &ContainerCpuStats| {
        cpu.cpu_usage
            .as_ref()
            .and_then(|usage| usage.total_usage)
            .unwrap_or(0)
    };
    let container = used(now).saturating_sub(used(before)) as f64;
    let system = now
        .system_cpu_usage
        .unwrap_or(0)
        .saturating_sub(before.system_cpu_usage.unwrap_or(0)) as f64;
    let cpus = match now.online_cpus {
        Some(cpus) if cpus > 0 => f64::from(cpus),
        _ => now
            .cpu_usage
            .as_ref()
            .and_then(|usage| usage.percpu_usage.as_ref())
            .map_or(0.0, |per_cpu| per_cpu.len() as f64),
    };
    if container > 0.0 && system > 0.0 {
        container / system * cpus * 100.0
    } else {
        0.0
    }
}

/// Usage without inactive file cache, as `docker stats` counts it; cgroup
/// v1 names that `total_inactive_file`, v2 `inactive_file`.
fn memory_usage(memory: &ContainerMemoryStats) -> u64 {
    let usage = memory.usage.unwrap_or(0);
    let inactive = ["total_inactive_file", "inactive_file"]
        .iter()
        .filter_map(|name| memory.stats.as_ref()?.get(*name).copied())
        .find(|&inactive| inactive < usage);
    usage - inactive.unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use bollard::models::{ContainerCpuUsage, ContainerNetworkStats};

    use super::*;

    fn cpu(total: u64, system: u64) -> ContainerCpuStats {
        ContainerCpuStats {
            cpu_usage: Some(ContainerCpuUsage {
                total_usage: Some(total),
                ..Default::default()
            }),
            system_cpu_usage: (system > 0).then_some(system),
            online_cpus: Some(2),
            ..Default::default()
        }
    }

    fn frame(now: ContainerCpuStats, before: ContainerCpuStats) -> ContainerStatsResponse {
        let network = |rx, tx| ContainerNetworkStats {
            rx_bytes: Some(rx),
            tx_bytes: Some(tx),
            ..Default::default()
        };
        ContainerStatsResponse {
            cpu_stats: Some(now),
            precpu_stats: Some(before),
            memory_stats: Some(ContainerMemoryStats {
                usage: Some(10_000),
                limit: Some(1 << 20),
                stats: Some(HashMap::from([
                    ("total_inactive_file".to_string(), 4_000),
                    ("inactive_file".to_string(), 1_000),
                ])),
                ..Default::default()
            }),
            networks: Some(HashMap::from([
                ("eth0".to_string(), network(100, 10)),
                ("eth1".to_string(), network(50, 5)),
            ])),
            ..Default::default()
        }
    }

    #[test]
    fn a_reading_is_computed_as_docker_stats_does() {
        // 0.5 s of the container's CPU time in 2 s of both CPUs' time.
        let reading = Frame::of(&frame(
            cpu(1_500_000_000, 12_000_000_000),
            cpu(1_000_000_000, 10_000_000_000),
        ));
        assert_eq!(
            reading,
            Frame::Reading(Stats {
                cpu_percent: 50.0,
                memory_usage: 6_000,
                memory_limit: 1 << 20,
                network_rx_bytes: 150,
                network_tx_bytes: 15,
            })
        );
    }

    #[test]
    fn the_first_reading_has_nothing_to_compare_to() {
        let first = frame(cpu(1_500_000_000, 12_000_000_000), cpu(0, 0));
        assert_eq!(Frame::of(&first), Frame::First);
    }

    #[test]
    fn an_empty_reading_means_the_container_stopped() {
        let empty = frame(cpu(0, 0), cpu(1_500_000_000, 12_000_000_000));
        assert_eq!(Frame::of(&empty), Frame::Stopped);
        assert_eq!(
            Frame::of(&ContainerStatsResponse::default()),
            Frame::Stopped
        );
    }

    #[test]
    fn idle_time_is_zero_percent() {
        let idle = cpu(1_000_000_000, 12_000_000_000);
        assert_eq!(cpu_percent(&idle, &cpu(1_000_000_000, 10_000_000_000)), 0.0);
    }

    #[test]
    fn cgroup_v2_counts_inactive_file() {
        let memory = ContainerMemoryStats {
            usage: Some(10_000),
            stats: Some(HashMap::from([("inactive_file".to_string(), 3_000)])),
            ..Default::default()
        };
        assert_eq!(memory_usage(&memory), 7_000);
    }
}
