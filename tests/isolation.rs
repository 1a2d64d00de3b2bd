//! Per-test isolation: networks, volumes, mounts, copies before start and
//! the way back to the test's own host, each checked from inside the
//! containers.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

use common::{busybox, docker, inspect, sh_in, Scratch, BUSYBOX};
use dockhand::{Container, ContainerRequest, Error, Mount, Network, Volume, Wait, HOST_INTERNAL};

/// A busybox container that runs until it is removed.
fn idle() -> ContainerRequest {
    ContainerRequest::new(BUSYBOX).cmd(["sleep", "3600"])
}

/// A busybox web server whose page says `page`.
fn web_server(page: &str) -> ContainerRequest {
    let script = format!(
        "mkdir /www && echo {page} > /www/index.html && echo serving && exec httpd -f -p 8080 -h /www"
    );
    busybox(&script).wait_for(Wait::log("serving"))
}

/// Fetches `url` from inside `container`, a few tries while the server
/// starts: the page, or the last error.
async fn fetch(container: &Container, url: &str) -> (i64, String) {
    let script =
        format!("for try in 1 2 3 4 5; do wget -qO- {url} && exit 0; sleep 0.2; done; exit 1");
    sh_in(container, &script).await
}

/// Tries `url` once from inside `container`, giving up after 3 seconds.
async fn try_once(container: &Container, url: &str) -> (i64, String) {
    sh_in(container, &format!("timeout 3 wget -qO- {url}")).await
}

/// The container's address on `network`.
fn address_on(container: &Container, network: &Network) -> String {
    inspect(
        container.name(),
        &format!(
            "{{{{(index .NetworkSettings.Networks \"{}\").IPAddress}}}}",
            network.name()
        ),
    )
}

// --- networks -------------------------------------------------------------

#[tokio::test]
async fn containers_on_a_network_reach_each_other_by_alias_and_no_one_else_does() {
    let (ours, theirs) =
        tokio::try_join!(Network::builder().create(), Network::builder().create()).unwrap();
    let (web, peer, outsider) = tokio::try_join!(
        web_server("web-page")
            .network(&ours)
            .network_alias("web")
            .start(),
        web_server("peer-page")
            .network(&ours)
            .network_alias("peer")
            .start(),
        idle().network(&theirs).start(),
    )
    .unwrap();

    assert_eq!(
        fetch(&web, "http://peer:8080/").await,
        (0, "peer-page\n".into())
    );
    assert_eq!(
        fetch(&peer, "http://web:8080/").await,
        (0, "web-page\n".into())
    );
    let web_address = address_on(&web, &ours);
    let by_address = format!("http://{web_address}:8080/");
    assert_eq!(fetch(&peer, &by_address).await, (0, "web-page\n".into()));

    let (code, said) = try_once(&outsider, "http://web:8080/").await;
    assert_ne!(code, 0, "{said}");
    assert!(said.contains("bad address"), "{said}");
    let (code, said) = try_once(&outsider, &by_address).await;
    assert_ne!(code, 0, "{said}");
    assert!(!said.contains("web-page"), "{said}");
}

#[tokio::test]
async fn a_container_on_two_networks_has_an_alias_on_each() {
    let (a, b) =
        tokio::try_join!(Network::builder().create(), Network::builder().create()).unwrap();
    let (_hub, on_a, on_b) = tokio::try_join!(
        web_server("hub-page")
            .network(&a)
            .network_alias("hub-a")
            .network(&b)
            .network_alias("hub-b")
            .start(),
        idle().network(&a).start(),
        idle().network(&b).start(),
    )
    .unwrap();

    assert_eq!(
        fetch(&on_a, "http://hub-a:8080/").await,
        (0, "hub-page\n".into())
    );
    assert_eq!(
        fetch(&on_b, "http://hub-b:8080/").await,
        (0, "hub-page\n".into())
    );
    let (code, said) = try_once(&on_a, "http://hub-b:8080/").await;
    assert_ne!(code, 0, "an alias on b resolved on a: {said}");
}

#[tokio::test]
async fn a_network_takes_the_subnet_and_gateway_asked_for() {
    // Another test or process may hold a block: try a few.
    let seed = std::process::id() as usize;
    let mut attempts = (0..5).map(|i| (seed + i * 7919) % 12800);
    let (network, prefix) = loop {
        let n = attempts.next().expect("a free subnet among five tries");
        let prefix = format!("10.{}.{}", 200 + n / 256, n % 256);
        let created = Network::builder()
            .subnet(format!("{prefix}.0/24"))
            .gateway(format!("{prefix}.254"))
            .create()
            .await;
        match created {
            Ok(network) => break (network, prefix),
            Err(error) if error.to_string().contains("overlap") => continue,
            Err(error) => panic!("{error}"),
        }
    };
    let container = idle().network(&network).start().await.unwrap();
    let (code, said) = sh_in(&container, "ip -4 addr show eth0; ip route").await;
    assert_eq!(code, 0, "{said}");
    assert!(said.contains(&format!("inet {prefix}.")), "{said}");
    assert!(
        said.contains(&format!("default via {prefix}.254")),
        "{said}"
    );
}

// --- volumes and mounts ------------------------------------------------------

#[tokio::test]
async fn data_in_a_volume_survives_a_restart_and_reaches_a_second_container() {
    let volume = Volume::builder().create().await.unwrap();
    let writer = idle().volume(&volume, "/data").start().await.unwrap();
    assert_eq!(sh_in(&writer, "echo kept > /data/note").await.0, 0);

    docker(&["restart", "-t", "0", writer.name()]);
    let (code, said) = sh_in(&writer, "cat /data/note; grep -c ' /data ' /proc/mounts").await;
    assert_eq!((code, said.as_str()), (0, "kept\n1\n"));

    let reader = idle()
        .mount(Mount::volume(&volume, "/in").read_only())
        .start()
        .await
        .unwrap();
    assert_eq!(sh_in(&reader, "cat /in/note").await, (0, "kept\n".into()));
    let (code, said) = sh_in(&reader, "touch /in/other").await;
    assert_ne!(code, 0, "a read-only volume took a write");
    assert!(said.contains("Read-only file system"), "{said}");
}

#[tokio::test]
async fn bind_mounts_show_host_files_and_only_read_write_ones_take_writes() {
    let fixtures = Scratch::new("bind-fixtures");
    let out = Scratch::new("bind-out");
    std::fs::write(fixtures.path("greeting"), "hello from the host\n").unwrap();
    let container = idle()
        .mount(Mount::bind(fixtures.path(""), "/fixtures").read_only())
        .mount(Mount::bind(out.path(""), "/out"))
        .start()
        .await
        .unwrap();

    let shown = sh_in(&container, "cat /fixtures/greeting").await;
    assert_eq!(shown, (0, "hello from the host\n".into()));
    let (code, said) = sh_in(&container, "touch /fixtures/new").await;
    assert_ne!(code, 0, "a read-only bind mount took a write");
    assert!(said.contains("Read-only file system"), "{said}");
    assert!(!fixtures.path("new").exists());

    assert_eq!(sh_in(&container, "echo written > /out/result").await.0, 0);
    let result = std::fs::read_to_string(out.path("result")).unwrap();
    assert_eq!(result, "written\n");
}

#[tokio::test]
async fn a_tmpfs_mount_has_its_size_enforced_and_its_mode() {
    let container = idle()
        .mount(Mount::tmpfs("/scratch").size(4 * 1024 * 1024).mode(0o1770))
        .start()
        .await
        .unwrap();
    let (code, said) = sh_in(
        &container,
        "grep ' /scratch ' /proc/mounts | cut -d' ' -f3; stat -c %a /scratch; \
         df -k /scratch | tail -1 | awk '{print $2}'",
    )
    .await;
    assert_eq!((code, said.as_str()), (0, "tmpfs\n1770\n4096\n"));
    let (code, said) = sh_in(
        &container,
        "dd if=/dev/zero of=/scratch/fill bs=1048576 count=5",
    )
    .await;
    assert_ne!(code, 0, "5 MiB fit in a 4 MiB tmpfs: {said}");
    assert!(said.contains("No space left on device"), "{said}");
}

#[tokio::test]
async fn volume_driver_options_reach_the_driver() {
    let volume = Volume::builder()
        .driver("local")
        .driver_opt("type", "tmpfs")
        .driver_opt("device", "tmpfs")
        .driver_opt("o", "size=3m")
        .create()
        .await
        .unwrap();
    let container = idle().volume(&volume, "/v").start().await.unwrap();
    let (code, said) = sh_in(
        &container,
        "grep ' /v ' /proc/mounts | cut -d' ' -f3; df -k /v | tail -1 | awk '{print $2}'",
    )
    .await;
    assert_eq!((code, said.as_str()), (0, "tmpfs\n3072\n"));
}

#[tokio::test]
async fn an_anonymous_volume_is_labelled_and_goes_with_its_container() {
    let container = idle()
        .mount(Mount::anonymous("/cache"))
        .start()
        .await
        .unwrap();
    assert_eq!(sh_in(&container, "echo cached > /cache/entry").await.0, 0);
    let volume = inspect(
        container.name(),
        "{{range .Mounts}}{{if eq .Destination \"/cache\"}}{{.Name}}{{end}}{{end}}",
    );
    assert!(!volume.is_empty(), "no volume mounted at /cache");
    let session = inspect(&volume, "{{index .Labels \"dockhand.session\"}}");
    assert_eq!(session, dockhand::session::session_id());

    container.remove().await.unwrap();
    let still_there = Command::new("docker")
        .args(["volume", "inspect", &volume])
        .output()
        .unwrap();
    assert!(
        !still_there.status.success(),
        "{volume} outlived its container"
    );
}

// --- copies before start ----------------------------------------------------

#[tokio::test]
async fn files_copied_before_start_are_there_for_the_entrypoint() {
    let config = Scratch::new("copy-before-start");
    std::fs::write(config.path("greeting.txt"), "hello-from-host").unwrap();
    let script = "#!/bin/sh\necho \"entry says $(cat /etc/app/greeting.txt)\"\nexec sleep 3600\n";
    let container = ContainerRequest::new(BUSYBOX)
        .copy_bytes_in("/opt/entry.sh", script, 0o750)
        .copy_in(config.path(""), "/etc/app")
        .entrypoint(["/opt/entry.sh"])
        .wait_for(Wait::log("entry says hello-from-host"))
        .start()
        .await
        .unwrap();
    let mode = sh_in(&container, "stat -c %a /opt/entry.sh").await;
    assert_eq!(mode, (0, "750\n".into()));
}

#[tokio::test]
async fn a_copy_before_start_that_fails_names_the_path() {
    let started = idle()
        .copy_in("/no/such/host/dir", "/etc/app")
        .start()
        .await;
    match started {
        Err(Error::CopyFailed { path, reason, .. }) => {
            assert_eq!(path, "/etc/app");
            assert!(reason.contains("/no/such/host/dir"), "{reason}");
        }
        other => panic!("expected a failed copy, got {other:?}"),
    }
}

// --- the way back to the test ---------------------------------------------------

#[tokio::test]
async fn a_container_reaches_a_server_of_the_test_as_host_docker_internal() {
    let container = idle().host_access().start().await.unwrap();
    // The server must listen where the name leads: the engine's bridge
    // gateway (or every interface), not loopback.
    let (code, hosts) = sh_in(&container, "cat /etc/hosts").await;
    assert_eq!(code, 0, "{hosts}");
    let gateway = hosts
        .lines()
        .find_map(|line| line.strip_suffix(&format!("\t{HOST_INTERNAL}")))
        .unwrap_or_else(|| panic!("no {HOST_INTERNAL} in /etc/hosts:\n{hosts}"))
        .to_string();
    let server = TcpListener::bind((gateway.as_str(), 0)).unwrap();
    let port = server.local_addr().unwrap().port();
    let serving = std::thread::spawn(move || {
        let (mut stream, _) = server.accept().unwrap();
        let mut request = [0u8; 1024];
        let read = stream.read(&mut request).unwrap();
        stream
            .write_all(b"HTTP/1.0 200 OK\r\n\r\nhello from the test\n")
            .unwrap();
        String::from_utf8_lossy(&request[..read]).into_owned()
    });

    let url = format!("http://{HOST_INTERNAL}:{port}/from-the-container");
    let answer = sh_in(&container, &format!("wget -qO- {url}")).await;
    assert_eq!(answer, (0, "hello from the test\n".into()));
    let request = serving.join().unwrap();
    assert!(request.starts_with("GET /from-the-container "), "{request}");

    let on_loopback = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let loopback_url = format!(
        "http://{HOST_INTERNAL}:{}/",
        on_loopback.local_addr().unwrap().port()
    );
    let (code, said) = try_once(&container, &loopback_url).await;
    assert_ne!(code, 0, "a loopback-only server was reached: {said}");
}
