//! A remote engine reached over TLS: what a test does on the local engine,
//! done on a second engine named by `DOCKER_HOST=tcp://127.0.0.1:PORT`,
//! `DOCKER_TLS_VERIFY=1` and `DOCKER_CERT_PATH`, as on a CI machine whose
//! containers run elsewhere. The `docker` command line of `common` reads the
//! same variables, so its checks look at that engine too.
//!
//! These tests need that engine, so they are ignored unless asked for:
//! `cargo xtask test` starts one (`xtask/src/tls_engine.rs`), runs them with
//! `--ignored --skip child_process` and its environment, and stops it. By
//! hand: `cargo xtask tls-engine` prints the environment to export. Asked
//! for without that environment, they fail and say so.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{container_exists, container_labels, exchange, within, ChildTest, Scratch, BUSYBOX};
use dockhand::{ContainerRequest, Engine, Error, ExecCommand, Network, Volume, Wait};

/// How long a background removal may take here.
const REMOVAL_LIMIT: Duration = Duration::from_secs(30);

/// The TLS engine named by the environment.
struct TlsEngine {
    address: String,
    cert_path: PathBuf,
}

fn tls_engine() -> TlsEngine {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!(
                "{name} is not set: these tests need the TLS engine; run `cargo xtask test`, \
                 or `cargo xtask tls-engine` and export what it prints"
            )
        })
    };
    let address = var("DOCKER_HOST");
    assert!(address.starts_with("tcp://"), "DOCKER_HOST={address}");
    var("DOCKER_TLS_VERIFY");
    TlsEngine {
        address,
        cert_path: var("DOCKER_CERT_PATH").into(),
    }
}

/// Whether the TLS engine has a network or volume of this name.
fn tls_engine_has(kind: &str, name: &str) -> bool {
    Command::new("docker")
        .args([kind, "inspect", name])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the docker command line runs")
        .success()
}

/// Whether the main engine (the default one, with no TLS variables) has a
/// container of this name.
fn main_engine_has_container(name: &str) -> bool {
    Command::new("docker")
        .args(["container", "inspect", name])
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the docker command line runs")
        .success()
}

fn sleeper() -> ContainerRequest {
    ContainerRequest::new(BUSYBOX)
        .cmd(["sh", "-c", "echo up; exec sleep 600"])
        .wait_for(Wait::log("up"))
}

#[tokio::test]
#[ignore = "needs the TLS engine of `cargo xtask test` (see the file's docs)"]
async fn a_container_runs_on_the_tls_engine_and_serves_on_its_host() {
    let tls = tls_engine();
    let engine = Engine::from_env().await.unwrap();
    assert_eq!(engine.address(), tls.address);
    assert_eq!(
        engine.host(),
        "127.0.0.1",
        "the host of tcp://127.0.0.1:PORT"
    );

    let server = ContainerRequest::new(BUSYBOX)
        .cmd([
            "sh",
            "-c",
            "mkdir /www && echo serving && exec httpd -f -p 8080 -h /www",
        ])
        .expose(8080)
        .wait_for(Wait::log("serving"))
        .start()
        .await
        .unwrap();
    // The page exec writes is the one the published port serves.
    let wrote = server
        .exec(ExecCommand::new([
            "sh",
            "-c",
            "echo \"written in $(hostname)\" | tee /www/index.html",
        ]))
        .await
        .unwrap();
    assert_eq!(wrote.exit_code, 0, "{wrote:?}");
    let page = wrote.stdout.trim();
    let port = server.host_port(8080).unwrap();
    let answer = exchange(server.host(), port, b"GET / HTTP/1.0\r\n\r\n", page);
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains(page), "{answer}");

    let labels = container_labels(server.name());
    let session = format!("dockhand.session={}", dockhand::session::session_id());
    assert!(labels.contains("dockhand.managed=true"), "{labels}");
    assert!(labels.contains(&session), "{labels}");
    assert!(
        !main_engine_has_container(server.name()),
        "the container is on the main engine"
    );

    let name = server.name().to_string();
    server.remove().await.unwrap();
    assert!(!container_exists(&name));
}

#[tokio::test]
#[ignore = "needs the TLS engine of `cargo xtask test` (see the file's docs)"]
async fn networks_and_volumes_work_there_and_leave_nothing_when_dropped() {
    tls_engine();
    let network = Network::builder().create().await.unwrap();
    let volume = Volume::builder().create().await.unwrap();
    let web = ContainerRequest::new(BUSYBOX)
        .cmd([
            "sh",
            "-c",
            "mkdir /www && echo 'over the network' > /www/index.html \
             && echo serving && exec httpd -f -p 80 -h /www",
        ])
        .network(&network)
        .network_alias("web")
        .wait_for(Wait::log("serving"))
        .start()
        .await
        .unwrap();
    let client = sleeper()
        .network(&network)
        .volume(&volume, "/data")
        .start()
        .await
        .unwrap();
    let fetched = client
        .exec(ExecCommand::new([
            "sh",
            "-c",
            "wget -qO- http://web/ > /data/page && cat /data/page",
        ]))
        .await
        .unwrap();
    assert_eq!(fetched.stdout, "over the network\n", "{fetched:?}");

    let containers = [web.name().to_string(), client.name().to_string()];
    let (network_name, volume_name) = (network.name().to_string(), volume.name().to_string());
    drop((web, client, network, volume));
    for container in &containers {
        assert!(
            within(REMOVAL_LIMIT, || !container_exists(container)),
            "{container} is left"
        );
    }
    within(REMOVAL_LIMIT, || {
        !tls_engine_has("network", &network_name) && !tls_engine_has("volume", &volume_name)
    });
    assert!(!tls_engine_has("network", &network_name), "network left");
    assert!(!tls_engine_has("volume", &volume_name), "volume left");
}

#[tokio::test]
#[ignore = "needs the TLS engine of `cargo xtask test` (see the file's docs)"]
async fn redis_answers_a_real_client_through_the_tls_engine() {
    tls_engine();
    let redis = ContainerRequest::new("redis:7")
        .expose(6379)
        .wait_for(Wait::log("Ready to accept connections"))
        .start()
        .await
        .unwrap();
    let port = redis.host_port(6379).unwrap();
    let set = b"SET engine remote\r\nGET engine\r\n";
    let answer = exchange(redis.host(), port, set, "remote\r\n");
    assert_eq!(answer, "+OK\r\n$6\r\nremote\r\n");
}

#[tokio::test]
#[ignore = "needs the TLS engine of `cargo xtask test` (see the file's docs)"]
async fn a_wrong_ca_or_an_unknown_client_is_a_tls_error_naming_the_engine() {
    let tls = tls_engine();
    let stranger = {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        rcgen::CertifiedIssuer::self_signed(params, rcgen::KeyPair::generate().unwrap()).unwrap()
    };
    let real = |file: &str| std::fs::read_to_string(tls.cert_path.join(file)).unwrap();
    let tls_material = |dir: &Path, ca: &str, cert: &str, key: &str| {
        for (file, text) in [("ca.pem", ca), ("cert.pem", cert), ("key.pem", key)] {
            std::fs::write(dir.join(file), text).unwrap();
        }
    };

    // The engine's certificate is not signed by the CA we trust.
    let wrong_ca = Scratch::new("wrong-ca");
    tls_material(
        wrong_ca.dir(),
        &stranger.pem(),
        &real("cert.pem"),
        &real("key.pem"),
    );
    let reason = tls_error(&tls.address, wrong_ca.dir()).await;
    assert!(reason.contains("UnknownIssuer"), "{reason}");

    // Our certificate is not signed by the CA the engine trusts.
    let unknown_client = Scratch::new("unknown-client");
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, &stranger).unwrap();
    tls_material(
        unknown_client.dir(),
        &real("ca.pem"),
        &cert.pem(),
        &key.serialize_pem(),
    );
    let reason = tls_error(&tls.address, unknown_client.dir()).await;
    assert!(reason.contains("BadCertificate"), "{reason}");
}

/// Connects with the material in `cert_path`, expecting a TLS error naming
/// the engine and that folder; returns its reason.
async fn tls_error(address: &str, cert_path: &Path) -> String {
    match Engine::connect_tls(address, cert_path).await {
        Err(Error::EngineTls {
            address: named,
            cert_path: folder,
            reason,
        }) => {
            assert_eq!(named, address);
            assert_eq!(folder, cert_path.display().to_string());
            reason
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[test]
#[ignore = "needs the TLS engine of `cargo xtask test` (see the file's docs)"]
fn a_docker_context_made_by_the_docker_cli_leads_to_the_tls_engine() {
    let tls = tls_engine();
    let (mut child, _config) = child_through_a_docker_context("context", &tls);
    let output = child.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(
        stdout.contains(&format!("ADDRESS={}\n", tls.address)),
        "{stdout}"
    );
}

/// The child finds the engine through a Docker context, so its reaper has
/// only the address and certificates that dockhand hands it.
#[test]
#[ignore = "needs the TLS engine of `cargo xtask test` (see the file's docs)"]
fn the_reaper_of_a_killed_process_cleans_up_on_the_tls_engine() {
    let tls = tls_engine();
    let (mut child, _config) = child_through_a_docker_context("hang", &tls);
    let mut child = child
        .env("DOCKHAND_REAPER", "on")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let name = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.split_once("NAME=").map(|(_, name)| name.to_string()))
        .expect("the child started its container");
    assert!(container_exists(&name));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        within(REMOVAL_LIMIT, || !container_exists(&name)),
        "{name} outlived its killed process"
    );
}

/// This test binary run again as [`child_process`] in `mode`, with none of
/// the TLS engine's variables but a Docker config (kept while the returned
/// folder lives) whose current context, made by `docker context create`,
/// is that engine.
fn child_through_a_docker_context(mode: &str, tls: &TlsEngine) -> (Command, Scratch) {
    let config = Scratch::new(&format!("docker-config-{mode}"));
    let cert = |file: &str| tls.cert_path.join(file).display().to_string();
    let endpoint = format!(
        "host={},ca={},cert={},key={}",
        tls.address,
        cert("ca.pem"),
        cert("cert.pem"),
        cert("key.pem")
    );
    for args in [
        vec!["context", "create", "dockhand-tls", "--docker", &endpoint],
        vec!["context", "use", "dockhand-tls"],
    ] {
        let output = Command::new("docker")
            .args(args)
            .env("DOCKER_CONFIG", config.dir())
            .env_remove("DOCKER_HOST")
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
    }
    let config_dir = config.dir().to_str().unwrap();
    let mut command = ChildTest::command(
        "child_process",
        &[("DOCKHAND_TEST_CHILD", mode), ("DOCKER_CONFIG", config_dir)],
    );
    command
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH");
    (command, config)
}

/// The body of the child processes above; not a test of its own.
#[tokio::test]
#[ignore = "run as a child process by the tests above"]
async fn child_process() {
    let mode = std::env::var("DOCKHAND_TEST_CHILD").expect("run by a test of this file");
    let engine = Engine::from_env().await.unwrap();
    println!("ADDRESS={}", engine.address());
    if mode == "hang" {
        let container = sleeper().start().await.unwrap();
        println!("NAME={}", container.name());
        tokio::time::sleep(Duration::from_secs(600)).await;
    }
}
