//! Stop, start, restart, pause, signals and exit codes, each checked from
//! outside the container: the engine's own view through the `docker`
//! command line, and real HTTP requests to the published port.

mod common;

use std::future::Future;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake};
use std::time::{Duration, Instant};

use common::{busybox, docker, exchange, inspect, sh, BUSYBOX};
use dockhand::{Container, ContainerRequest, LogsRequest, Wait};

/// A busybox web server on port 80 that stops at once on SIGTERM.
async fn web_server() -> Container {
    busybox(
        "trap 'exit 0' TERM; mkdir -p /www && echo 'hello from httpd' > /www/index.html \
         && httpd -p 80 -h /www && echo serving; sleep 3600 & wait",
    )
    .expose(80)
    .wait_for(Wait::log("serving"))
    .start()
    .await
    .unwrap()
}

const GET: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

/// The answer to `GET /` on the container's published port 80. httpd is
/// given a few seconds to listen: the test checks where it is reached.
fn get(container: &Container) -> String {
    let port = container.host_port(80).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = exchange(container.host(), port, GET, "hello from httpd");
        if answer.contains("hello from httpd") || Instant::now() > deadline {
            return answer;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The host port on which the engine says it publishes the container's port 80.
fn engine_port(container: &Container) -> u16 {
    let published = docker(&["port", container.name(), "80/tcp"]);
    let first = published.lines().next().unwrap_or_default();
    first.rsplit(':').next().unwrap().parse().unwrap()
}

fn state(container: &Container, field: &str) -> String {
    inspect(container.name(), &format!("{{{{.State.{field}}}}}"))
}

#[tokio::test]
async fn a_started_again_container_is_reached_on_its_new_port() {
    let server = web_server().await;
    assert!(get(&server).contains("hello from httpd"));

    server.stop(Duration::from_secs(10)).await.unwrap();
    assert_eq!(state(&server, "Status"), "exited");
    server.start().await.unwrap();

    assert_eq!(state(&server, "Status"), "running");
    assert_eq!(server.host_port(80).unwrap(), engine_port(&server));
    let answer = get(&server);
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("hello from httpd"), "{answer}");
}

#[tokio::test]
async fn a_restart_starts_the_container_anew_and_it_answers_again() {
    let server = web_server().await;
    let started_at = state(&server, "StartedAt");

    server.restart(Duration::from_secs(10)).await.unwrap();

    assert_ne!(state(&server, "StartedAt"), started_at);
    assert_eq!(state(&server, "Status"), "running");
    assert_eq!(server.host_port(80).unwrap(), engine_port(&server));
    assert!(get(&server).contains("hello from httpd"));
}

#[tokio::test]
async fn a_paused_container_answers_nothing_until_unpaused() {
    let server = web_server().await;
    assert!(get(&server).contains("hello from httpd"));

    server.pause().await.unwrap();
    assert_eq!(state(&server, "Status"), "paused");
    let refused = server.exec(sh("true")).await;
    assert!(refused.is_err(), "exec in a paused container: {refused:?}");
    // The kernel still accepts the connection; httpd, frozen, never reads it.
    let mut connection =
        TcpStream::connect((server.host(), server.host_port(80).unwrap())).unwrap();
    connection.write_all(GET).unwrap();
    connection
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut buf = [0u8; 4096];
    match connection.read(&mut buf) {
        Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!("a paused container answered: {other:?}"),
    }

    server.unpause().await.unwrap();
    assert_eq!(state(&server, "Status"), "running");
    connection
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    connection.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.contains("hello from httpd"), "{answer}");
    let output = server.exec(sh("echo alive")).await.unwrap();
    assert_eq!(output.stdout, "alive\n");
}

#[tokio::test]
async fn kill_delivers_the_signal_to_the_main_process() {
    let container = busybox(
        "trap 'echo got USR1; echo USR1 > /tmp/signalled' USR1; \
         echo waiting; while true; do sleep 1; done",
    )
    .wait_for(Wait::log("waiting"))
    .start()
    .await
    .unwrap();

    container.kill("SIGUSR1").await.unwrap();

    // The shell runs its handler once the current `sleep 1` ends.
    let deadline = Instant::now() + Duration::from_secs(10);
    let written = loop {
        let output = container.exec(sh("cat /tmp/signalled")).await.unwrap();
        if output.exit_code == 0 || Instant::now() > deadline {
            break output.stdout;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(written, "USR1\n");
    let logs = container.logs(LogsRequest::new()).await.unwrap();
    assert!(logs.stdout.contains("got USR1"), "{logs:?}");
    assert_eq!(state(&container, "Status"), "running");
}

#[tokio::test]
async fn wait_for_exit_returns_the_exit_code() {
    let job = busybox("sleep 0.2; exit 7").start().await.unwrap();

    assert_eq!(job.wait_for_exit().await.unwrap(), 7);
    assert_eq!(state(&job, "Status"), "exited");
    assert_eq!(state(&job, "ExitCode"), "7");
    // A stopped container answers at once, with the same code.
    assert_eq!(job.wait_for_exit().await.unwrap(), 7);
}

#[test]
fn stop_kills_a_process_that_ignores_sigterm_after_the_timeout() {
    let stubborn = busybox("trap '' TERM; echo ignoring; while true; do sleep 1; done")
        .wait_for(Wait::log("ignoring"))
        .start_blocking()
        .unwrap();

    stubborn.stop_blocking(Duration::from_secs(1)).unwrap();

    assert_eq!(stubborn.wait_for_exit_blocking().unwrap(), 137);
    assert_eq!(state(&stubborn, "ExitCode"), "137");
    assert_eq!(state(&stubborn, "Status"), "exited");
}

#[tokio::test]
async fn actions_the_engine_refuses_name_the_container() {
    let container = ContainerRequest::new(BUSYBOX)
        .cmd(["sleep", "3600"])
        .start()
        .await
        .unwrap();
    container.kill("SIGKILL").await.unwrap();
    assert_eq!(container.wait_for_exit().await.unwrap(), 137);

    let error = container.pause().await.unwrap_err().to_string();
    assert!(
        error.starts_with(&format!("pause container {}", container.name())),
        "{error}"
    );
}

/// Runs `future` to its end on this thread with a bare waker: no Tokio
/// runtime in sight, as under another async runtime.
fn block_on_without_tokio<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::park();
    }
}

#[test]
fn lifecycle_calls_work_from_any_executor() {
    let tokio_runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let server = tokio_runtime().block_on(web_server());
    // Each runtime is gone before the next call.
    let started_at = state(&server, "StartedAt");
    tokio_runtime()
        .block_on(server.restart(Duration::from_secs(10)))
        .unwrap();
    assert_ne!(state(&server, "StartedAt"), started_at);

    block_on_without_tokio(server.pause()).unwrap();
    assert_eq!(state(&server, "Status"), "paused");
    block_on_without_tokio(server.unpause()).unwrap();
    let started_at = state(&server, "StartedAt");
    block_on_without_tokio(server.restart(Duration::from_secs(10))).unwrap();
    assert_ne!(state(&server, "StartedAt"), started_at);
    assert!(get(&server).contains("hello from httpd"));
}

#[tokio::test]
async fn start_waits_for_the_wait_strategy_again() {
    let container = busybox("trap 'exit 0' TERM; sleep 1; echo ready; sleep 3600 & wait")
        .wait_for(Wait::log("ready"))
        .start()
        .await
        .unwrap();
    container.stop(Duration::from_secs(10)).await.unwrap();

    container.start().await.unwrap();

    let logs = container.logs(LogsRequest::new()).await.unwrap();
    assert_eq!(logs.stdout.matches("ready").count(), 2, "{logs:?}");
}
