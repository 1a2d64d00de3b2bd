//! Teardown that cannot leak: a child test process creates containers, a
//! network and a volume, then ends every way a test process ends; nothing of
//! its session may remain.
//!
//! The child is this test binary run again with `--ignored --exact
//! child_session`, told by `DOCKHAND_TEST_CHILD` what to do.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use common::{session_left_after, session_resources, BUSYBOX};
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
    ContainerRequest::new(BUSYBOX)
        .cmd(["sh", "-c", "echo up; exec sleep 600"])
        .wait_for(Wait::log("up"))
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
    process: Child,
    session: String,
    ports: Vec<u16>,
}

fn spawn_child(mode: &str, env: &[(&str, &str)]) -> ChildSession {
    let exe = std::env::current_exe().unwrap();
    let mut process = Command::new(&exe)
        .args([
            "child_session",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("DOCKHAND_TEST_CHILD", mode)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", exe.display()));
    let mut ports = Vec::new();
    let mut lines = BufReader::new(process.stdout.take().unwrap()).lines();
    // libtest may print `test child_session ... ` before the first line.
    while let Some(line) = lines.next() {
        let line = line.unwrap();
        if let Some((_, port)) = line.split_once("PORT=") {
            ports.push(port.parse().unwrap());
        }
        if let Some((_, session)) = line.split_once("SESSION=") {
            let session = session.to_string();
            // Drain the rest, so the child's last words meet no closed pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return ChildSession {
                process,
                session,
                ports,
            };
        }
    }
    panic!(
        "the child ended before it had started its containers: {:?}",
        process.wait()
    );
}

fn signal(child: &ChildSession, signal: &str) {
    let pid = child.process.id().to_string();
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
    let mut child = spawn_child("exit", &[("DOCKHAND_REAPER", "off")]);
    assert_eq!(
        session_resources(&child.session),
        4,
        "2 containers, a network, a volume"
    );
    assert!(child.process.wait().unwrap().success());
    assert_eq!(session_resources(&child.session), 0);
}

#[test]
fn a_child_that_panics_has_removed_everything_when_it_is_gone() {
    let _one = one_child_at_a_time();
    let mut child = spawn_child("panic", &[("DOCKHAND_REAPER", "off")]);
    assert_eq!(child.process.wait().unwrap().code(), Some(101));
    assert_eq!(session_resources(&child.session), 0);
}

#[test]
fn a_child_stopped_by_sigint_is_reaped() {
    let _one = one_child_at_a_time();
    let mut child = spawn_child("hang", &[]);
    assert_eq!(session_resources(&child.session), 4);
    signal(&child, "-INT");
    assert!(!child.process.wait().unwrap().success());
    assert_eq!(session_left_after(&child.session, REMOVAL_LIMIT), 0);
}

#[test]
fn a_child_killed_by_sigkill_is_reaped() {
    let _one = one_child_at_a_time();
    let mut child = spawn_child("hang", &[]);
    assert!(reaper_runs_for(&child.session));
    signal(&child, "-KILL");
    child.process.wait().unwrap();
    assert_eq!(session_left_after(&child.session, REMOVAL_LIMIT), 0);
}

#[test]
fn without_the_reaper_a_killed_session_is_left_to_the_next_sessions_sweep() {
    let _one = one_child_at_a_time();
    let mut killed = spawn_child("hang", &[("DOCKHAND_REAPER", "off")]);
    assert!(
        !reaper_runs_for(&killed.session),
        "DOCKHAND_REAPER=off starts none"
    );
    signal(&killed, "-KILL");
    killed.process.wait().unwrap();

    // The next session on this host (here, or any other dockhand process
    // that starts meanwhile) sweeps what dead sessions left.
    let mut next = spawn_child("exit", &[]);
    assert!(next.process.wait().unwrap().success());
    assert_eq!(session_left_after(&killed.session, REMOVAL_LIMIT), 0);
}

/// Whether a reaper process watches `session`: its environment says so.
fn reaper_runs_for(session: &str) -> bool {
    let marker = format!("DOCKHAND_REAPER_SESSION={session}");
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        std::fs::read(entry.path().join("environ")).is_ok_and(|environ| {
            environ
                .split(|&b| b == 0)
                .any(|var| var == marker.as_bytes())
        })
    })
}

#[test]
fn keep_leaves_everything_for_debugging_and_no_sweep_takes_it() {
    let _one = one_child_at_a_time();
    let mut kept = spawn_child("exit", &[("DOCKHAND_KEEP", "1")]);
    let _cleanup = RemoveByHand(kept.session.clone());
    assert!(kept.process.wait().unwrap().success());
    // A later session's sweep leaves kept resources alone too.
    let mut next = spawn_child("exit", &[]);
    assert!(next.process.wait().unwrap().success());
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
    for mut child in children {
        assert!(child.process.wait().unwrap().success());
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
            common::gone_within(&name, REMOVAL_LIMIT),
            "{name} is still there"
        );
    }
}
