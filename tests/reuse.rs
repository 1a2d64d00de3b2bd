//! Reuse across runs: child test processes stand for successive `cargo
//! test` runs. With `DOCKHAND_REUSE=1` the second finds the first's
//! container, which no exit hook, reaper or sweep removed; a changed
//! request gets its own; without the variable nothing is reused.
//!
//! Every test marks its containers with a token of its own and removes
//! them at its end.

mod common;

use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use common::{
    busybox, container_exists, container_labels, containers_labelled, inspect, reaper_runs_for,
    unique, within, ChildTest,
};
use dockhand::{ContainerRequest, Wait};

/// One child at a time: `remove_all` takes every test's containers.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// The label that carries a test's token.
const TOKEN_LABEL: &str = "dockhand.test.token";
/// How long a background removal may take here.
const REMOVAL_LIMIT: Duration = Duration::from_secs(30);

fn sleeper(token: &str) -> ContainerRequest {
    busybox("echo up; exec sleep 600")
        .label(TOKEN_LABEL, token)
        .wait_for(Wait::log("up"))
}

/// The child's body: a run of the tests that starts a reusable container
/// (its request varies with `DOCKHAND_TEST_VALUE`) and, beside it, an
/// ordinary one, then waits for its parent.
#[tokio::test]
#[ignore = "run as a child process by the reuse tests"]
async fn child_run() {
    let token = std::env::var("DOCKHAND_TEST_TOKEN").expect("run by a reuse test");
    let value = std::env::var("DOCKHAND_TEST_VALUE").expect("run by a reuse test");
    let reusable = sleeper(&token)
        .env("VALUE", value)
        .reuse()
        .start()
        .await
        .unwrap();
    let ordinary = sleeper(&token).start().await.unwrap();
    println!("ORDINARY={}", ordinary.id());
    println!("REUSABLE={}", reusable.id());
    println!("SESSION={}", dockhand::session::session_id());
    std::io::stdin().read_line(&mut String::new()).unwrap();
}

/// A child run and what it printed.
struct Run {
    child: ChildTest,
    ordinary: String,
    reusable: String,
    session: String,
}

/// Starts a child run with `DOCKHAND_REUSE` set to `reuse` and more `env`.
fn spawn_run(token: &str, value: &str, reuse: &str, env: &[(&str, &str)]) -> ChildTest {
    let mut all = vec![
        ("DOCKHAND_TEST_TOKEN", token),
        ("DOCKHAND_TEST_VALUE", value),
        ("DOCKHAND_REUSE", reuse),
    ];
    all.extend_from_slice(env);
    ChildTest::spawn("child_run", &all)
}

/// What a child run prints once its containers are ready.
fn started(mut child: ChildTest) -> Run {
    Run {
        ordinary: child.read("ORDINARY"),
        reusable: child.read("REUSABLE"),
        session: child.read("SESSION"),
        child,
    }
}

fn run(token: &str, value: &str, reuse: &str, env: &[(&str, &str)]) -> Run {
    started(spawn_run(token, value, reuse, env))
}

/// A child run that ends normally; the reusable container's id.
fn finished_run(token: &str, value: &str, reuse: &str) -> String {
    let run = run(token, value, reuse, &[]);
    assert!(run.child.finish().success());
    run.reusable
}

/// A token for one test, and the removal of its containers at its end.
struct Token(String);

impl Token {
    fn new(test: &str) -> Token {
        Token(unique(test))
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        let ids = containers_labelled(&[&format!("{TOKEN_LABEL}={}", self.0)]);
        if !ids.is_empty() {
            Command::new("docker")
                .args(["rm", "-fv"])
                .args(ids)
                .output()
                .unwrap();
        }
    }
}

fn running(id: &str) -> bool {
    inspect(id, "{{.State.Running}}") == "true"
}

#[test]
fn a_second_run_adopts_the_container_that_exit_and_reaper_left() {
    let _one = one_at_a_time();
    let token = Token::new("adopt");
    let first = run(&token.0, "a", "1", &[]);
    let labels = container_labels(&first.reusable);
    assert!(labels.contains("dockhand.managed=true\n"), "{labels}");
    assert!(labels.contains("dockhand.reuse="), "{labels}");
    assert!(
        !labels.contains("dockhand.session"),
        "of no session: {labels}"
    );
    assert!(first.child.finish().success());

    // The exit hook removed the ordinary container, then the reaper went
    // over the session and ended.
    assert!(!container_exists(&first.ordinary));
    assert!(within(REMOVAL_LIMIT, || !reaper_runs_for(&first.session)));
    assert!(running(&first.reusable));

    let second = finished_run(&token.0, "a", "1");
    assert_eq!(second, first.reusable, "the same container");
    assert_eq!(
        containers_labelled(&[&format!("{TOKEN_LABEL}={}", token.0)]),
        vec![first.reusable.clone()],
        "no other container is left"
    );
    assert!(running(&second));
}

#[test]
fn the_stale_sweep_leaves_a_reusable_container_alone() {
    let _one = one_at_a_time();
    let token = Token::new("sweep");
    // Killed with no reaper: both of its containers stay, for now.
    let mut killed = run(&token.0, "a", "1", &[("DOCKHAND_REAPER", "off")]);
    killed.child.process.kill().unwrap();
    killed.child.finish();
    assert!(container_exists(&killed.ordinary) && container_exists(&killed.reusable));

    // The next session on this host sweeps what the dead one left.
    let next = run(&token.0, "b", "1", &[]);
    assert!(within(REMOVAL_LIMIT, || !container_exists(
        &killed.ordinary
    )));
    assert!(next.child.finish().success());
    assert!(running(&killed.reusable));
}

#[test]
fn a_changed_request_gets_a_container_of_its_own() {
    let _one = one_at_a_time();
    let token = Token::new("changed");
    let a = finished_run(&token.0, "a", "1");
    let b = finished_run(&token.0, "b", "1");
    assert_ne!(a, b, "another environment, another container");
    assert_eq!(finished_run(&token.0, "a", "1"), a);
    assert!(running(&a) && running(&b));
}

#[test]
fn two_runs_at_once_share_one_container() {
    let _one = one_at_a_time();
    let token = Token::new("at-once");
    let children: Vec<_> = (0..2).map(|_| spawn_run(&token.0, "a", "1", &[])).collect();
    let runs: Vec<Run> = children.into_iter().map(started).collect();
    assert_eq!(runs[0].reusable, runs[1].reusable, "the same container");
    for run in runs {
        assert!(run.child.finish().success());
    }
}

#[test]
fn without_dockhand_reuse_nothing_is_reused() {
    let _one = one_at_a_time();
    let token = Token::new("off");
    let first = finished_run(&token.0, "a", "0");
    assert!(!container_exists(&first), "removed at exit");
    let second = finished_run(&token.0, "a", "0");
    assert_ne!(first, second);
    assert!(containers_labelled(&[&format!("{TOKEN_LABEL}={}", token.0)]).is_empty());
}

#[test]
fn remove_all_removes_every_reusable_container() {
    let _one = one_at_a_time();
    let token = Token::new("remove-all");
    let id = finished_run(&token.0, "a", "1");
    assert!(running(&id));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let removed = runtime.block_on(dockhand::reuse::remove_all()).unwrap();
    assert!(removed >= 1);
    assert!(!container_exists(&id));
    assert!(containers_labelled(&["dockhand.reuse"]).is_empty());
}
