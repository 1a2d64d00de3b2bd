//! Resources, security and the container's own settings, each checked from
//! inside the container (or by the engine's inspect), and bad options
//! refused before the engine sees them.

mod common;

use std::time::{Duration, Instant};

use common::{busybox, inspect, sh_in, BUSYBOX};
use dockhand::{
    Container, ContainerRequest, Error, Mount, Network, Resources, RestartPolicy, Security,
};

const MIB: u64 = 1024 * 1024;
/// CAP_SYS_ADMIN's bit in /proc/PID/status's CapEff.
const CAP_SYS_ADMIN: u64 = 1 << 21;

/// A busybox container that runs until it is removed.
fn idle() -> ContainerRequest {
    ContainerRequest::new(BUSYBOX).cmd(["sleep", "3600"])
}

async fn started(request: ContainerRequest) -> Container {
    request.start().await.unwrap()
}

/// The value of `field` in the status of the container's main process.
async fn status_of_pid_1(container: &Container, field: &str) -> String {
    let (code, said) = sh_in(container, &format!("grep '^{field}:' /proc/1/status")).await;
    assert_eq!(code, 0, "{said}");
    said.split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

async fn effective_capabilities(container: &Container) -> u64 {
    u64::from_str_radix(&status_of_pid_1(container, "CapEff").await, 16).unwrap()
}

#[tokio::test]
async fn resource_limits_hold_inside_the_container() {
    let container = started(
        idle().resources(
            Resources::new()
                .memory(64 * MIB)
                .swap(32 * MIB)
                .cpu_quota(Duration::from_millis(50), Duration::from_millis(100))
                .cpuset("0")
                .shm_size(16 * MIB)
                .ulimit("nofile", 1024, 2048)
                .pids(64),
        ),
    )
    .await;
    // Limits of the main process: this engine sometimes starts exec'd
    // processes with the soft open-files limit raised to the hard one.
    let (code, said) = sh_in(
        &container,
        "cd /sys/fs/cgroup; cat memory/memory.limit_in_bytes memory/memory.memsw.limit_in_bytes \
         cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpuset/cpuset.cpus pids/pids.max; \
         nproc; df -k /dev/shm | tail -1 | awk '{print $2}'; awk '/open files/ {print $4; print $5}' /proc/1/limits",
    )
    .await;
    let expected = [
        64 * MIB,
        96 * MIB,
        50_000,
        100_000,
        0,
        64,
        1,
        16 * 1024,
        1024,
        2048,
    ]
    .map(|value| value.to_string())
    .join("\n");
    assert_eq!((code, said.trim()), (0, expected.as_str()));
}

#[tokio::test]
async fn processes_run_as_the_user_asked_for() {
    let container = started(idle().security(Security::new().user("1234:5678"))).await;
    assert_eq!(status_of_pid_1(&container, "Uid").await, "1234");
    assert_eq!(status_of_pid_1(&container, "Gid").await, "5678");
    assert_eq!(sh_in(&container, "id -u").await, (0, "1234\n".into()));
}

#[tokio::test]
async fn a_read_only_root_refuses_writes_but_its_tmpfs_takes_them() {
    let container = started(
        idle()
            .security(Security::new().read_only_root())
            .mount(Mount::tmpfs("/tmp")),
    )
    .await;
    let (code, said) = sh_in(&container, "touch /written").await;
    assert_ne!(code, 0, "the root took a write");
    assert!(said.contains("Read-only file system"), "{said}");
    assert_eq!(sh_in(&container, "touch /tmp/written").await.0, 0);
}

#[tokio::test]
async fn capabilities_are_dropped_and_added() {
    let container =
        started(idle().security(Security::new().cap_drop("ALL").cap_add("NET_BIND_SERVICE"))).await;
    // CAP_NET_BIND_SERVICE is bit 10, and nothing else is left.
    assert_eq!(effective_capabilities(&container).await, 1 << 10);
    assert_eq!(status_of_pid_1(&container, "NoNewPrivs").await, "0");
}

#[tokio::test]
async fn no_new_privileges_reaches_the_processes() {
    let container = started(idle().security(Security::new().no_new_privileges())).await;
    assert_eq!(status_of_pid_1(&container, "NoNewPrivs").await, "1");
}

#[tokio::test]
async fn a_container_is_privileged_only_when_asked() {
    let mount = "mount -t tmpfs none /mnt";
    let plain = started(idle()).await;
    assert_eq!(effective_capabilities(&plain).await & CAP_SYS_ADMIN, 0);
    assert_ne!(
        sh_in(&plain, mount).await.0,
        0,
        "mounted without privileges"
    );

    match idle().security(Security::new().privileged()).start().await {
        Ok(privileged) => {
            assert_ne!(effective_capabilities(&privileged).await & CAP_SYS_ADMIN, 0);
            assert_eq!(sh_in(&privileged, mount).await, (0, String::new()));
        }
        // An engine that itself lacks a capability (as in some sandboxes)
        // cannot give them all: its refusal shows that all were asked for.
        Err(Error::Engine { source, .. })
            if source.to_string().contains("unable to apply caps") => {}
        Err(error) => panic!("{error}"),
    }
}

#[tokio::test]
async fn a_failing_process_is_restarted_as_the_policy_says() {
    let container =
        started(busybox("echo run; exit 3").restart(RestartPolicy::OnFailure { max_retries: 2 }))
            .await;
    let settled = "2 exited 3";
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut state = String::new();
    while Instant::now() < deadline {
        state = inspect(
            container.name(),
            "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}",
        );
        if state == settled {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(state, settled);
}

#[tokio::test]
async fn the_hostname_is_the_one_asked_for() {
    let container = started(idle().hostname("db-primary")).await;
    assert_eq!(
        sh_in(&container, "hostname").await,
        (0, "db-primary\n".into())
    );
}

#[tokio::test]
async fn extra_hosts_are_in_etc_hosts() {
    let container = started(idle().extra_host("legacy.internal", "10.1.2.3")).await;
    let (code, hosts) = sh_in(&container, "cat /etc/hosts").await;
    assert_eq!(code, 0, "{hosts}");
    assert!(hosts.contains("10.1.2.3\tlegacy.internal\n"), "{hosts}");
}

#[tokio::test]
async fn the_command_starts_in_the_working_dir() {
    let container = started(idle().working_dir("/srv/app")).await;
    let cwd = sh_in(&container, "readlink /proc/1/cwd").await;
    assert_eq!(cwd, (0, "/srv/app\n".into()));
}

#[tokio::test]
async fn bad_options_are_errors_naming_the_value_before_any_engine_call() {
    // The image does not exist: reaching the engine would fail differently.
    let absent = || ContainerRequest::new("dockhand-test/absent:1").cmd(["true"]);
    let requests = [
        (absent().mount(Mount::bind("data", "/data")), "`data`"),
        (absent().mount(Mount::tmpfs("tmp")), "`tmp`"),
        (absent().resources(Resources::new().cpuset("x")), "`x`"),
        (
            absent().resources(Resources::new().ulimit("nofile", 10, 5)),
            "`nofile=10:5`",
        ),
        (
            absent().resources(Resources::new().swap(MIB)),
            "needs a memory limit",
        ),
        (absent().extra_host("db", "not-an-ip"), "`not-an-ip`"),
        (absent().network_alias("db"), "`db`"),
    ];
    for (request, named) in requests {
        match request.start().await {
            Err(error @ Error::InvalidOption { .. }) => {
                assert!(error.to_string().contains(named), "{error}");
            }
            other => panic!("expected an invalid option naming {named}, got {other:?}"),
        }
    }

    for (network, named) in [
        (Network::builder().subnet("10.0.0.0/33"), "`10.0.0.0/33`"),
        (
            Network::builder().subnet("10.9.0.0/24").gateway("10.8.0.1"),
            "`10.8.0.1`",
        ),
    ] {
        match network.create().await {
            Err(error @ Error::InvalidOption { .. }) => {
                assert!(error.to_string().contains(named), "{error}");
            }
            other => panic!("expected an invalid option naming {named}, got {other:?}"),
        }
    }
}
