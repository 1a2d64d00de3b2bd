//! Stacks: members on a network of their own reach each other by name,
//! start in dependency order (and otherwise together), and go with one
//! drop or with a member that fails.

mod common;

use std::time::Duration;

use common::{busybox, container_exists, network_exists, session_left_after, within};
use dockhand::{Container, ContainerRequest, Error, ExecCommand, Stack, Wait};

/// One stack at a time: the failure test counts what the session has left.
static ONE_STACK_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long a background removal may take here.
const REMOVAL_LIMIT: Duration = Duration::from_secs(30);

/// A member that serves `hello from NAME` over HTTP on port 8080 once
/// `first` (a shell command) is done, and is ready once `then` has
/// succeeded after that.
fn server(name: &str, first: &str, then: &str) -> ContainerRequest {
    let script = format!(
        "{first} && mkdir -p /www && echo hello from {name} > /www/index.html \
         && (httpd -f -p 8080 -h /www &) \
         && until wget -q -O /dev/null http://127.0.0.1:8080/; do sleep 0.1; done \
         && {then} && echo serving && exec sleep 600"
    );
    busybox(&script)
        .wait_for(Wait::log("serving"))
        .startup_timeout(Duration::from_secs(30))
}

/// What `url` answers, fetched from inside `from`.
async fn fetch(from: &Container, url: &str) -> String {
    let output = from
        .exec(ExecCommand::new(["wget", "-q", "-O", "-", url]))
        .await
        .unwrap();
    assert_eq!(output.exit_code, 0, "wget {url}: {}", output.stderr);
    output.stdout
}

#[tokio::test]
async fn members_reach_each_other_by_name_and_by_extra_alias() {
    let _one = ONE_STACK_AT_A_TIME.lock().await;
    let stack = Stack::builder()
        .member("web", server("web", "true", "true").network_alias("www"))
        .member("client", server("client", "true", "true"))
        .start()
        .await
        .unwrap();
    let (web, client) = (
        stack.container("web").unwrap(),
        stack.container("client").unwrap(),
    );
    assert_eq!(fetch(client, "http://web:8080/").await, "hello from web\n");
    assert_eq!(fetch(client, "http://www:8080/").await, "hello from web\n");
    assert_eq!(
        fetch(web, "http://client:8080/").await,
        "hello from client\n"
    );

    let error = stack.container("db").unwrap_err().to_string();
    assert!(
        error.contains("`db`") && error.contains("client, web"),
        "{error}"
    );
}

#[tokio::test]
async fn a_member_starts_once_its_dependency_is_ready() {
    let _one = ONE_STACK_AT_A_TIME.lock().await;
    // The app fetches from the db once, at its start, and exits if that
    // fails; the db serves only seconds after it runs.
    let stack = Stack::builder()
        .member(
            "app",
            busybox("wget -q -O /fetched http://db:8080/ && echo fetched && exec sleep 600")
                .wait_for(Wait::log("fetched")),
        )
        .member("db", server("db", "sleep 2", "true"))
        .depends_on("app", ["db"])
        .start()
        .await
        .unwrap();
    let fetched = stack
        .container("app")
        .unwrap()
        .copy_bytes_out("/fetched")
        .await
        .unwrap();
    assert_eq!(fetched, b"hello from db\n");
}

#[tokio::test]
async fn independent_members_start_together() {
    let _one = ONE_STACK_AT_A_TIME.lock().await;
    // Each is ready only once the other answers: started one after the
    // other, the first would never be ready.
    let stack = Stack::builder()
        .member(
            "ping",
            server(
                "ping",
                "true",
                "until wget -q -O /dev/null http://pong:8080/; do sleep 0.1; done",
            ),
        )
        .member(
            "pong",
            server(
                "pong",
                "true",
                "until wget -q -O /dev/null http://ping:8080/; do sleep 0.1; done",
            ),
        )
        .start()
        .await;
    assert!(stack.is_ok(), "{}", stack.unwrap_err());
}

#[tokio::test]
async fn one_drop_removes_the_containers_and_the_network() {
    let _one = ONE_STACK_AT_A_TIME.lock().await;
    let stack = Stack::builder()
        .member("a", server("a", "true", "true"))
        .member("b", server("b", "true", "true"))
        .depends_on("b", ["a"])
        .start()
        .await
        .unwrap();
    let containers: Vec<String> = ["a", "b"]
        .iter()
        .map(|name| stack.container(name).unwrap().name().to_string())
        .collect();
    let network = stack.network().name().to_string();
    assert!(containers.iter().all(|name| container_exists(name)));
    assert!(network_exists(&network));

    drop(stack);
    assert!(within(REMOVAL_LIMIT, || {
        !network_exists(&network) && !containers.iter().any(|name| container_exists(name))
    }));
}

#[tokio::test]
async fn a_failing_member_fails_the_start_naming_it_and_leaves_nothing() {
    let _one = ONE_STACK_AT_A_TIME.lock().await;
    let error = Stack::builder()
        .member("db", server("db", "true", "true"))
        .member("other", server("other", "true", "true"))
        .member(
            "broken",
            busybox("echo cannot go on; exit 3").wait_for(Wait::log("never said")),
        )
        .depends_on("broken", ["db"])
        .start()
        .await
        .unwrap_err();
    let Error::StackMemberFailed { member, source } = &error else {
        panic!("not a member's failure: {error}");
    };
    assert_eq!(member, "broken");
    assert!(
        matches!(**source, Error::ContainerExited { exit_code: 3, .. }),
        "{source}"
    );
    assert!(error
        .to_string()
        .contains("stack member `broken` failed to start"));
    assert!(
        error.to_string().contains("cannot go on"),
        "its logs: {error}"
    );

    // Its containers, the other members and the network: all gone.
    let session = dockhand::session::session_id();
    assert_eq!(session_left_after(session, REMOVAL_LIMIT), 0);
}
