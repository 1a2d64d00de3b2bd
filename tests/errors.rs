//! Every way a start can fail gives a typed error that names what is at
//! fault, and leaves nothing behind.

mod common;

use std::time::{Duration, Instant};

use common::{assert_gone, busybox, let_variant, BUSYBOX};
use dockhand::{ContainerRequest, Engine, Error, Wait};

#[tokio::test]
async fn a_bad_reference_is_refused_with_the_reason() {
    let error = ContainerRequest::new("Redis:7").start().await.unwrap_err();
    let_variant!(error => Error::InvalidImageRef { reference, reason, .. });
    assert_eq!(reference, "Redis:7");
    assert!(reason.contains("lowercase"), "{reason}");
    assert!(error.to_string().contains("`Redis:7`"), "{error}");
}

#[tokio::test]
async fn a_missing_image_names_the_image_and_the_pull_failure() {
    let error = ContainerRequest::new("dockhand-missing/nothing:1")
        .start()
        .await
        .unwrap_err();
    let_variant!(error => Error::ImageNotFound { image, reason, .. });
    assert_eq!(image, "dockhand-missing/nothing:1");
    assert!(reason.contains("pulling it failed"), "{reason}");
}

#[tokio::test]
async fn an_unreachable_engine_is_named_in_the_error() {
    for address in ["tcp://127.0.0.1:1", "unix:///nonexistent/docker.sock"] {
        let error = Engine::connect(address).await.unwrap_err();
        let_variant!(error => Error::EngineUnreachable { address: tried, .. });
        assert_eq!(tried, address);
        let message = error.to_string();
        assert!(
            message.contains(address) && message.contains("DOCKER_HOST"),
            "{message}"
        );
    }
    let error = Engine::connect("ssh://engine.example").await.unwrap_err();
    assert!(
        error.to_string().contains("unix://, tcp:// or http://"),
        "{error}"
    );
}

#[tokio::test]
async fn an_engine_that_never_answers_fails_within_seconds() {
    // Accepts connections (the kernel does) but never says a word.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("tcp://{}", silent.local_addr().unwrap());
    let started = Instant::now();
    let error = Engine::connect(address.as_str()).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "hung for {:?}",
        started.elapsed()
    );
    let_variant!(error => Error::EngineUnreachable { address: tried, reason, .. });
    assert_eq!(tried, &address);
    assert!(reason.contains("no answer"), "{reason}");
}

#[tokio::test]
async fn a_container_that_exits_early_fails_at_once_with_code_and_logs() {
    let started = Instant::now();
    let error = busybox("echo starting up; echo 'config file missing' >&2; exit 3")
        .wait_for(Wait::log("never printed"))
        .startup_timeout(Duration::from_secs(120))
        .start()
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "waited for the timeout"
    );
    let_variant!(error => Error::ContainerExited {
        image, container, exit_code, waiting_for, logs, ..
    });
    assert_eq!(image, "busybox:1.36 as dockhand-standin/busybox:1.35");
    assert_eq!(*exit_code, 3);
    assert_eq!(waiting_for, "log message \"never printed\"");
    assert!(
        logs.contains("starting up") && logs.contains("config file missing"),
        "{logs}"
    );
    assert_gone(container);
}

#[tokio::test]
async fn a_wait_timeout_reports_state_and_last_logs() {
    let error = busybox("echo still warming up; sleep 60")
        .wait_for(Wait::log("ready"))
        .startup_timeout(Duration::from_secs(2))
        .start()
        .await
        .unwrap_err();
    let_variant!(error => Error::WaitTimeout { container, timeout, state, logs, .. });
    assert_eq!(*timeout, Duration::from_secs(2));
    assert_eq!(state, "running");
    assert!(logs.contains("still warming up"), "{logs}");
    let message = error.to_string();
    assert!(
        message.contains(container.as_str()) && message.contains("busybox:1.36"),
        "{message}"
    );
    assert_gone(container);
}

#[tokio::test]
async fn asking_for_a_port_that_is_not_published_names_the_ports_that_are() {
    let container = ContainerRequest::new(BUSYBOX)
        .cmd(["sleep", "60"])
        .expose(8080)
        .start()
        .await
        .unwrap();
    let error = container.host_port(5432).unwrap_err();
    let_variant!(error => Error::PortNotExposed { port, exposed, .. });
    assert_eq!(port, "5432/tcp");
    assert_eq!(exposed, "8080/tcp");
}
