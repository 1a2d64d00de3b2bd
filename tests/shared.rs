//! Shared fixtures: one start for every test that uses a `static`, whatever
//! runtime it runs on, one error for all if that start fails, and nothing
//! left once the process has exited.

#![allow(
    clippy::result_large_err,
    reason = "the callers hand dockhand's errors back as they are"
)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::{busybox, containers_labelled, session_resources, within, ChildTest};
use dockhand::{Container, ContainerRequest, Error, ExecCommand, Network, Shared, Wait};

/// Tells this binary's fixtures apart from each other's containers.
const FIXTURE_LABEL: &str = "dockhand.test.fixture";

fn sleeper(fixture: &str) -> ContainerRequest {
    busybox("echo up; exec sleep 600")
        .label(FIXTURE_LABEL, fixture)
        .wait_for(Wait::log("up"))
}

/// How often each fixture below was started.
static SERVER_STARTS: AtomicUsize = AtomicUsize::new(0);
static BROKEN_STARTS: AtomicUsize = AtomicUsize::new(0);

static SERVER: Shared<Container> = Shared::new(|| {
    SERVER_STARTS.fetch_add(1, Ordering::SeqCst);
    Box::pin(sleeper("server").start())
});

static BROKEN: Shared<Container> = Shared::new(|| {
    BROKEN_STARTS.fetch_add(1, Ordering::SeqCst);
    Box::pin(
        busybox("echo giving up; exit 3")
            .label(FIXTURE_LABEL, "broken")
            .wait_for(Wait::log("never said"))
            .start(),
    )
});

/// A value of several handles, started by an `async` block.
static NETWORKED: Shared<(Network, Container)> = Shared::new(|| {
    Box::pin(async {
        let network = Network::builder().create().await?;
        let container = sleeper("networked").network(&network).start().await?;
        Ok((network, container))
    })
});

/// The containers of this process's `fixture`.
fn fixture_containers(fixture: &str) -> Vec<String> {
    let session = format!("dockhand.session={}", dockhand::session::session_id());
    containers_labelled(&[&format!("{FIXTURE_LABEL}={fixture}"), &session])
}

/// How long a background removal may take here.
const REMOVAL_LIMIT: Duration = Duration::from_secs(30);

/// Runs `get` for `threads` callers at once, each on a runtime of its own
/// (current-thread, multi-thread) or none (`get_blocking`), all of which
/// are gone when this returns.
fn from_many_runtimes<T, R>(
    shared: &'static Shared<T>,
    threads: usize,
    seen: fn(&T) -> R,
) -> Vec<dockhand::Result<R>>
where
    T: Send + Sync + 'static,
    R: Send + 'static,
{
    let barrier = Arc::new(Barrier::new(threads));
    let callers: Vec<_> = (0..threads)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let runtime = match i % 3 {
                    0 => tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build(),
                    1 => tokio::runtime::Builder::new_multi_thread()
                        .enable_all()
                        .build(),
                    _ => {
                        barrier.wait();
                        return shared.get_blocking().map(seen);
                    }
                }
                .unwrap();
                barrier.wait();
                runtime.block_on(shared.get()).map(seen)
            })
        })
        .collect();
    callers
        .into_iter()
        .map(|caller| caller.join().unwrap())
        .collect()
}

#[test]
fn eight_tests_on_different_runtimes_share_one_container() {
    let ids = from_many_runtimes(&SERVER, 8, |server| server.id().to_string());
    let ids: Vec<String> = ids.into_iter().map(Result::unwrap).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one container: {ids:?}");
    assert_eq!(SERVER_STARTS.load(Ordering::SeqCst), 1);
    assert_eq!(
        fixture_containers("server"),
        vec![ids[0].clone()],
        "exactly one container was created"
    );

    // Every runtime that asked for it is gone; it still answers.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let said = runtime.block_on(async {
        let server = SERVER.get().await.unwrap();
        server
            .exec(ExecCommand::new(["echo", "still here"]))
            .await
            .unwrap()
    });
    assert_eq!(said.stdout, "still here\n");
}

#[test]
fn a_failed_start_gives_every_test_its_error_and_leaves_nothing() {
    let outcomes = from_many_runtimes(&BROKEN, 4, |_| ());
    let later = BROKEN.get_blocking().map(|_| ());
    for outcome in outcomes.into_iter().chain([later]) {
        let error = outcome.unwrap_err();
        let Error::SharedFixture {
            declared_at,
            source,
        } = &error
        else {
            panic!("not a shared fixture's error: {error}");
        };
        assert!(declared_at.starts_with("tests/shared.rs:"), "{declared_at}");
        assert!(
            matches!(**source, Error::ContainerExited { exit_code: 3, .. }),
            "{source}"
        );
        let message = error.to_string();
        assert!(message.contains("failed to start"), "{message}");
        assert!(message.contains("giving up"), "the start's logs: {message}");
    }
    assert_eq!(
        BROKEN_STARTS.load(Ordering::SeqCst),
        1,
        "started once, not retried"
    );
    assert!(within(REMOVAL_LIMIT, || fixture_containers("broken").is_empty()));
}

/// The child's body: not a test of its own (it is ignored unless the test
/// below runs it), but a process whose statics hold fixtures when it ends.
#[tokio::test]
#[ignore = "run as a child process by a_process_with_shared_fixtures_leaves_nothing"]
async fn child_holds_shared_fixtures() {
    SERVER.get().await.unwrap();
    NETWORKED.get().await.unwrap();
    println!("SESSION={}", dockhand::session::session_id());
    // Until the parent has counted them.
    std::io::stdin().read_line(&mut String::new()).unwrap();
}

#[test]
fn a_process_with_shared_fixtures_leaves_nothing() {
    // Without the reaper, only the exit hook can remove what statics hold.
    let mut child = ChildTest::spawn("child_holds_shared_fixtures", &[("DOCKHAND_REAPER", "off")]);
    let session = child.read("SESSION");
    assert_eq!(session_resources(&session), 3, "two containers, a network");
    assert!(child.finish().success());
    assert_eq!(session_resources(&session), 0);
}
