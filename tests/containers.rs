//! One generic container from start to teardown, against the real engine.

mod common;

use std::time::Duration;

use common::{assert_gone, busybox, container_exists, container_labels, docker, exchange};
use dockhand::{ContainerRequest, LogStream, Wait};

/// A busybox web server, ready once it listens. (A log line written before
/// `httpd` starts would come before it listens: a test's request could
/// arrive in between.)
fn web_server() -> ContainerRequest {
    busybox(
        "mkdir /www && echo \"hello from $GREETING\" > /www/index.html \
         && exec httpd -f -p 8080 -h /www",
    )
    .env("GREETING", "dockhand")
    .expose(8080)
    .wait_for(Wait::listening())
}

#[tokio::test]
async fn a_started_container_serves_on_its_published_port() {
    let server = web_server().start().await.unwrap();
    let port = server.host_port(8080).unwrap();
    assert_eq!(server.host(), "127.0.0.1");
    let answer = exchange(server.host(), port, b"GET / HTTP/1.0\r\n\r\n", "dockhand\n");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("hello from dockhand"), "{answer}");
}

#[tokio::test]
async fn published_ports_are_bound_to_loopback_only() {
    let server = web_server().start().await.unwrap();
    let bindings = docker(&["port", server.name(), "8080/tcp"]);
    assert!(bindings.starts_with("127.0.0.1:"), "{bindings}");
    assert!(!bindings.contains("0.0.0.0"), "{bindings}");
}

#[tokio::test]
async fn redis_answers_a_real_client_through_substitution() {
    let redis = ContainerRequest::new("redis:7")
        .expose(6379)
        .wait_for(Wait::log("Ready to accept connections"))
        .start()
        .await
        .unwrap();
    let port = redis.host_port(6379).unwrap();
    let answer = exchange(redis.host(), port, b"PING\r\n", "\r\n");
    assert_eq!(answer, "+PONG\r\n");
}

#[tokio::test]
async fn log_waits_count_occurrences_on_the_chosen_stream() {
    // `ready` goes to stderr twice, with a pause, and never to stdout.
    let script = "echo ready >&2; sleep 1; echo ready >&2; echo done; sleep 60";
    let started = std::time::Instant::now();
    let container = busybox(script)
        .wait_for(Wait::log("ready").times(2).on(LogStream::Stderr))
        .start()
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "returned before the second line"
    );
    drop(container);

    let on_stdout = busybox(script)
        .wait_for(Wait::log("ready").on(LogStream::Stdout))
        .startup_timeout(Duration::from_secs(3))
        .start()
        .await;
    assert!(
        matches!(on_stdout, Err(dockhand::Error::WaitTimeout { .. })),
        "{on_stdout:?}"
    );
}

#[tokio::test]
async fn containers_carry_the_session_labels_and_unique_names() {
    let a = web_server()
        .label("team", "payments")
        .start()
        .await
        .unwrap();
    let b = web_server().start().await.unwrap();
    assert_ne!(a.name(), b.name());
    assert!(a.name().starts_with("dockhand-busybox-"), "{}", a.name());
    assert_ne!(a.host_port(8080).unwrap(), b.host_port(8080).unwrap());
    let labels = container_labels(a.name());
    assert!(labels.contains("dockhand.managed=true\n"), "{labels}");
    assert!(
        labels.contains(&format!(
            "dockhand.session={}\n",
            dockhand::session::session_id()
        )),
        "{labels}"
    );
    assert!(
        labels.contains(&format!("dockhand.session.pid={}\n", std::process::id())),
        "{labels}"
    );
    assert!(labels.contains("team=payments\n"), "{labels}");
}

#[tokio::test(flavor = "current_thread")]
async fn drop_removes_the_container_on_a_current_thread_runtime() {
    let container = web_server().start().await.unwrap();
    let name = container.name().to_string();
    assert!(container_exists(&name));
    drop(container);
    assert_gone(&name);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_removes_the_container_on_a_multi_thread_runtime() {
    let container = web_server().start().await.unwrap();
    let name = container.name().to_string();
    drop(container);
    assert_gone(&name);
}

#[test]
fn drop_removes_the_container_in_blocking_use() {
    let container = web_server().start_blocking().unwrap();
    let name = container.name().to_string();
    let answer = exchange(
        container.host(),
        container.host_port(8080).unwrap(),
        b"GET / HTTP/1.0\r\n\r\n",
        "dockhand\n",
    );
    assert!(answer.contains("hello from dockhand"), "{answer}");
    drop(container);
    assert_gone(&name);
}

#[tokio::test]
async fn remove_is_done_when_it_returns() {
    let container = web_server().start().await.unwrap();
    let name = container.name().to_string();
    container.remove().await.unwrap();
    assert!(!container_exists(&name));

    let blocking = web_server().start_blocking().unwrap();
    let name = blocking.name().to_string();
    blocking.remove_blocking().unwrap();
    assert!(!container_exists(&name));
}

#[tokio::test]
async fn a_test_that_panics_leaves_no_container() {
    let (name_tx, name_rx) = std::sync::mpsc::channel();
    let test = tokio::spawn(async move {
        let container = web_server().start().await.unwrap();
        name_tx.send(container.name().to_string()).unwrap();
        panic!("the test body fails while the container runs");
    });
    assert!(test.await.unwrap_err().is_panic());
    let name = name_rx.recv().unwrap();
    assert_gone(&name);
}

#[test]
fn a_blocking_test_that_panics_leaves_no_container() {
    let (name_tx, name_rx) = std::sync::mpsc::channel();
    let test = std::thread::spawn(move || {
        let container = web_server().start_blocking().unwrap();
        name_tx.send(container.name().to_string()).unwrap();
        panic!("the test body fails while the container runs");
    });
    assert!(test.join().is_err());
    let name = name_rx.recv().unwrap();
    assert_gone(&name);
}
