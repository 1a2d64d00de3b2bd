//! Teardown that cannot leak: a child test process creates containers, a
//! network and a volume, then ends every way a test process ends; nothing of
//! its session may remain.
//!
//! The child is this test binary run again with `--ignored --exact
//! child_session`, told by `DOCKHAND_TEST_CHILD` what to do.

mod common;

use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use common::{
    busybox, container_exists, reaper_runs_for, session_left_after, session_resources, within,
    ChildTest,
};
use dockhand::{ContainerRequest, Network, Volume, Wait};

/// Child sessions run one at a time: a starting session sweeps the
/// leftovers of dead ones, which would race with the checks below.
static ONE_CHILD_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Holds [`ONE_CHILD_AT_A_TIME`], also after another test failed holding it.
fn one_child_at_a_time() -> MutexGuard<'static, ()> {
    ONE_CHILD_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// How long a removal by the reaper or the sweep may take here.
const REMOVAL_LIMIT: Duration = Duration::from_secs(30);

fn sleeper() -> ContainerRequest {
    busybox("echo up; exec sleep 600").wait_for(Wait::log("up"))
}

/// The child's body: not a test of its own (it is ignored unless a parent
/// test runs it), but the process the tests below watch.
#[tokio::test]
#[ignore = "run as a child process by the teardown tests"]
async fn child_session() {
    let mode = std::env::var("DOCKHAND_TEST_CHILD").expect("run by a teardown test");
    let count: usize = std::env::var("DOCKHAND_TEST_CONTAINERS").map_or(2, |n| n.parse().unwrap());
    let network = Network::builder().create().await.unwrap();
    let volume = Volume::builder().create().await.unwrap();
    let starts = (0..count).map(|_| {
        sleeper()
            .network(&network)
            .volume(&volume, "/data")
            .expose(8080)
            .start()
    });
    let containers: Vec<_> = futures_util::future::try_join_all(starts).await.unwrap();
    for container in &containers {
        println!("PORT={}", container.host_port(8080).unwrap());
    }
    println!("SESSION={}", dockhand::session::session_id());
    match mode.as_str() {
        "exit" => {}
        "panic" => panic!("the child test fails with its resources alive"),
        "hang" => tokio::time::sleep(Duration::from_secs(600)).await,
        other => panic!("unknown child mode {other}"),
    }
}

/// A running child and what it printed before it acted.
struct ChildSession {
    child: ChildTest,
    session: String,
    ports: Vec<u16>,
}

fn spawn_child(mode: &str, env: &[(&str, &str)]) -> ChildSession {
    let env: Vec<_> = [("DOCKHAND_TEST_CHILD", mode)]
        .into_iter()
        .chain(env.iter().copied())
        .collect();
    let mut child = ChildTest::spawn("child_session", &env);
    let (before, session) = child.read_until("SESSION");
    let ports = before
        .iter()
        .filter_map(|line| Some(line.split_once("PORT=")?.1.parse().unwrap()))
        .collect();
    ChildSession {
        child,
        session,
        ports,
    }
}

fn signal(child: &ChildSession, signal: &str) {
    let pid = child.child.process.id().to_string();
    assert!(Command::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap()
        .success());
}

/// Removes a kept session by hand when dropped, also if the test fails.
struct RemoveByHand(String);

impl Drop for RemoveByHand {
    fn drop(&mut self) {
        remove_session_by_hand(&self.0);
    }
}

fn remove_session_by_hand(session: &str) {
    let filter = format!("label=dockhand.session={session}");
    let script = format!(
        "docker rm -fv $(docker ps -aq --filter {filter}) ; \
         docker network rm $(docker network ls -q --filter {filter}) ; \
         docker volume rm $(docker volume ls -q --filter {filter})"
    );
    Command::new("sh").args(["-c", &script]).output().unwrap();
}

#[test]
fn a_child_that_exits_normally_has_removed_everything_when_it_is_gone() {
    let _one = one_child_at_a_time();
    // Without the reaper, only the exit flush can have removed them.
    let child = spawn_child("exit", &[("DOCKHAND_REAPER", "off")]);
    assert_eq!(
        session_resources(&child.session),
        4,
        "2 containers, a network, a volume"
    );
    assert!(child.child.finish().success());
    assert_eq!(session_resources(&child.session), 0);
}

#[test]
fn a_child_that_panics_has_removed_everything_when_it_is_gone() {
    let _one = one_child_at_a_time();
    let child = spawn_child("panic", &[("DOCKHAND_REAPER", "off")]);
    assert_eq!(child.child.finish().code(), Some(101));
    assert_eq!(session_resources(&child.session), 0);
}

#[test]
fn a_child_stopped_by_sigint_is_reaped() {
    let _one = one_child_at_a_time();
    let child = spawn_child("hang", &[]);
    assert_eq!(session_resources(&child.session), 4);
    signal(&child, "-INT");
    assert!(!child.child.finish().success());
    assert_eq!(session_left_after(&child.session, REMOVAL_LIMIT), 0);
}

#[test]
fn a_child_killed_by_sigkill_is_reaped() {
    let _one = one_child_at_a_time();
    let child = spawn_child("hang", &[]);
    assert!(reaper_runs_for(&child.session));
    signal(&child, "-KILL");
    child.child.finish();
    assert_eq!(session_left_after(&child.session, REMOVAL_LIMIT), 0);
}

#[test]
fn without_the_reaper_a_killed_session_is_left_to_the_next_sessions_sweep() {
    let _one = one_child_at_a_time();
    let killed = spawn_child("hang", &[("DOCKHAND_REAPER", "off")]);
    assert!(
        !reaper_runs_for(&killed.session),
        "DOCKHAND_REAPER=off starts none"
    );
    signal(&killed, "-KILL");
    killed.child.finish();

    // The next session on this host (here, or any other dockhand process
    // that starts meanwhile) sweeps what dead sessions left.
    let next = spawn_child("exit", &[]);
    assert!(next.child.finish().success());
    assert_eq!(session_left_after(&killed.session, REMOVAL_LIMIT), 0);
}

#[test]
fn keep_leaves_everything_for_debugging_and_no_sweep_takes_it() {
    let _one = one_child_at_a_time();
    let kept = spawn_child("exit", &[("DOCKHAND_KEEP", "1")]);
    let _cleanup = RemoveByHand(kept.session.clone());
    assert!(kept.child.finish().success());
    // A later session's sweep leaves kept resources alone too.
    let next = spawn_child("exit", &[]);
    assert!(next.child.finish().success());
    assert_eq!(session_resources(&kept.session), 4);
}

#[test]
fn fifty_containers_from_four_processes_at_once_get_distinct_ports_and_go() {
    let _one = one_child_at_a_time();
    let children: Vec<_> = ["12", "12", "13", "13"]
        .iter()
        .map(|count| spawn_child("exit", &[("DOCKHAND_TEST_CONTAINERS", count)]))
        .collect();
    let mut ports: Vec<u16> = children
        .iter()
        .flat_map(|child| child.ports.clone())
        .collect();
    assert_eq!(ports.len(), 50, "every container became ready");
    ports.sort();
    ports.dedup();
    assert_eq!(ports.len(), 50, "host ports are distinct");
    for child in children {
        assert!(child.child.finish().success());
        assert_eq!(session_resources(&child.session), 0);
    }
}

#[test]
fn fifty_containers_from_one_process_get_distinct_ports_and_go() {
    // This process's first container sweeps dead sessions: not while a
    // killed child's leftovers are being counted.
    let _one = one_child_at_a_time();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let containers = runtime.block_on(async {
        let starts = (0..50).map(|_| tokio::spawn(sleeper().expose(8080).start()));
        let mut containers = Vec::new();
        for started in futures_util::future::join_all(starts).await {
            containers.push(started.unwrap().unwrap());
        }
        containers
    });
    let mut ports: Vec<u16> = containers
        .iter()
        .map(|c| c.host_port(8080).unwrap())
        .collect();
    ports.sort();
    ports.dedup();
    assert_eq!(ports.len(), 50, "host ports are distinct");
    let names: Vec<String> = containers.iter().map(|c| c.name().to_string()).collect();
    drop(containers);
    for name in names {
        assert!(
            within(REMOVAL_LIMIT, || !container_exists(&name)),
            "{name} is still there"
        );
    }
}
