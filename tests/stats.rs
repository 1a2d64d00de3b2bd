//! Resource usage readings, each checked against something the test made
//! the container do: allocate memory, receive bytes, keep a CPU busy.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use common::{busybox, docker, BUSYBOX};
use dockhand::{Container, ContainerRequest, Error, ExecCommand};
use futures_util::StreamExt;

const MIB: u64 = 1 << 20;

async fn running(script: &str) -> Container {
    busybox(script).start().await.unwrap()
}

/// Sends `bytes` zero bytes to a `wc -c` server and returns its count, or
/// `None` if it was not listening yet.
fn count_sent(host: &str, port: u16, bytes: usize) -> Option<u64> {
    let mut stream = TcpStream::connect((host, port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(&vec![0u8; bytes]).ok()?;
    stream.shutdown(Shutdown::Write).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.trim().parse().ok()
}

#[tokio::test]
async fn memory_usage_rises_with_what_the_container_allocates_up_to_its_limit() {
    let container = running("sleep 3600").await;
    docker(&[
        "update",
        "--memory",
        "256m",
        "--memory-swap",
        "512m",
        container.name(),
    ]);
    let before = container.stats().await.unwrap();

    let filled = container
        .exec(ExecCommand::new([
            "dd",
            "if=/dev/zero",
            "of=/dev/shm/fill",
            "bs=1M",
            "count=48",
        ]))
        .await
        .unwrap();
    assert_eq!(filled.exit_code, 0, "{filled:?}");
    let after = container.stats().await.unwrap();

    assert_eq!(before.memory_limit, 256 * MIB);
    assert_eq!(after.memory_limit, 256 * MIB);
    assert!(
        after.memory_usage >= before.memory_usage + 40 * MIB,
        "{before:?} then {after:?}"
    );
}

#[tokio::test]
async fn received_bytes_grow_with_what_is_sent_to_the_container() {
    let container = ContainerRequest::new(BUSYBOX)
        .cmd(["nc", "-ll", "-p", "9000", "-e", "wc", "-c"])
        .expose(9000)
        .start()
        .await
        .unwrap();
    let port = container.host_port(9000).unwrap();
    // nc listens a moment after the container starts.
    let deadline = Instant::now() + Duration::from_secs(10);
    while count_sent(container.host(), port, 1).is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let before = container.stats().await.unwrap();

    let sent = (2 * MIB) as usize;
    assert_eq!(count_sent(container.host(), port, sent), Some(2 * MIB));
    let after = container.stats().await.unwrap();

    assert!(
        after.network_rx_bytes >= before.network_rx_bytes + 2 * MIB,
        "{before:?} then {after:?}"
    );
    // It acknowledged what it received, and answered.
    assert!(
        after.network_tx_bytes > before.network_tx_bytes,
        "{before:?} then {after:?}"
    );
}

#[test]
fn a_busy_loop_shows_as_cpu_use() {
    let container = busybox("while true; do :; done").start_blocking().unwrap();
    let stats = container.stats_blocking().unwrap();
    assert!(stats.cpu_percent > 0.0, "{stats:?}");
}

#[tokio::test]
async fn the_stream_yields_readings_until_the_container_stops() {
    let container = running("while true; do :; done").await;
    let mut readings = container.stats_stream();
    for _ in 0..3 {
        let stats = readings.next().await.unwrap().unwrap();
        assert!(stats.cpu_percent > 0.0, "{stats:?}");
        assert!(stats.memory_usage > 0, "{stats:?}");
    }

    container.kill("SIGKILL").await.unwrap();
    // A bound only so that a broken stream fails instead of hanging.
    let end = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(reading) = readings.next().await {
            reading.unwrap();
        }
    })
    .await;
    assert!(
        end.is_ok(),
        "the stream went on after the container stopped"
    );
}

#[tokio::test]
async fn a_stopped_container_has_no_stats() {
    let container = running("exit 0").await;
    assert_eq!(container.wait_for_exit().await.unwrap(), 0);
    match container.stats().await {
        Err(Error::NotRunning {
            container: name,
            action,
            ..
        }) => {
            assert_eq!(name, container.name());
            assert_eq!(action, "read the stats of");
        }
        other => panic!("stats of a stopped container: {other:?}"),
    }
}
