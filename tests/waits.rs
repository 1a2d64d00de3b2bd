//! Every wait strategy against the real engine. Each server here becomes
//! ready only some time after it starts, and each test checks, right after
//! `start` returns, that it really is ready (a real request, a file made at
//! the moment of readiness, the engine's own view), so that a strategy that
//! returned early would fail the test.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{assert_gone, busybox, exchange, inspect, let_variant, local_image, BUSYBOX};
use dockhand::{Container, ContainerRequest, Error, ExecCommand, Healthcheck, ImageBuild, Wait};

/// A web server on port 8080 that starts listening after two seconds.
fn late_web_server() -> ContainerRequest {
    busybox(
        "echo configured; sleep 2; mkdir /www && echo up > /www/index.html \
         && exec httpd -f -p 8080 -h /www",
    )
    .expose(8080)
}

/// A web server on port 8080 whose `/cgi-bin/health` runs the shell
/// script `cgi` (which prints a `Status:` line, a blank line and a body).
fn cgi_server(cgi: &str) -> ContainerRequest {
    busybox(
        "mkdir -p /www/cgi-bin && printf '#!/bin/sh\\n%s' \"$CGI\" > /www/cgi-bin/health \
         && chmod +x /www/cgi-bin/health && exec httpd -f -p 8080 -h /www",
    )
    .env("CGI", cgi)
    .expose(8080)
}

/// `/cgi-bin/health` answers 503 `starting` for two seconds from the first
/// request, then 200 `warming` for two more, then 200 `ready`.
fn phased_health_server() -> ContainerRequest {
    cgi_server(
        r#"[ -f /tmp/first ] || { touch /tmp/first; (sleep 2; touch /tmp/up; sleep 2; touch /tmp/ready) >/dev/null 2>&1 & }
if [ -f /tmp/ready ]; then printf 'Status: 200 OK\r\n\r\nready\n'
elif [ -f /tmp/up ]; then printf 'Status: 200 OK\r\n\r\nwarming\n'
else printf 'Status: 503 Service Unavailable\r\n\r\nstarting\n'; fi
"#,
    )
}

fn get(container: &Container, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.0\r\n\r\n");
    let port = container.host_port(8080).unwrap();
    exchange(container.host(), port, request.as_bytes(), "\n\n")
}

/// A container that makes `/tmp/ready` after two seconds.
fn late_marker() -> ContainerRequest {
    busybox("sleep 2; touch /tmp/ready; exec sleep 3600")
}

/// Whether the container has made `/tmp/ready`, asked through the `docker`
/// command line.
fn marked_ready(container: &Container) -> bool {
    Command::new("docker")
        .args(["exec", container.name(), "test", "-f", "/tmp/ready"])
        .status()
        .expect("the docker command line runs")
        .success()
}

#[tokio::test]
async fn a_port_wait_returns_only_once_the_server_accepts() {
    let server = late_web_server()
        .wait_for(Wait::listening())
        .start()
        .await
        .unwrap();
    // The engine's port forwarding accepts even with nothing behind it, so
    // only a real answer proves the server was listening.
    let answer = get(&server, "/");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    assert!(answer.ends_with("up\n"), "{answer:?}");
}

#[tokio::test]
async fn a_port_wait_looks_inside_for_a_port_that_is_not_published() {
    let server = busybox(
        "sleep 2; mkdir /www && echo inside > /www/index.html && exec httpd -f -p 9000 -h /www",
    )
    .wait_for(Wait::listening().port(9000))
    .start()
    .await
    .unwrap();
    let fetched = server
        .exec(ExecCommand::new(["wget", "-qO-", "http://127.0.0.1:9000/"]))
        .await
        .unwrap();
    assert_eq!(fetched.stdout, "inside\n", "{fetched:?}");
}

#[tokio::test]
async fn an_http_wait_waits_through_503_until_the_status_it_expects() {
    let server = phased_health_server()
        .wait_for(Wait::http("/cgi-bin/health"))
        .start()
        .await
        .unwrap();
    let answer = get(&server, "/cgi-bin/health");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
}

#[tokio::test]
async fn an_http_wait_can_require_a_body() {
    let server = phased_health_server()
        .wait_for(Wait::http("/cgi-bin/health").body_matches(|body| body.trim() == "ready"))
        .start()
        .await
        .unwrap();
    let answer = get(&server, "/cgi-bin/health");
    assert!(answer.ends_with("\r\n\r\nready\n"), "{answer:?}");
}

/// An nginx that serves HTTPS on port 443 with `cert` and `key` (PEM),
/// starting a second after the container.
fn https_server(cert: &str, key: &str) -> ContainerRequest {
    ContainerRequest::new("nginx:1.22")
        .cmd([
            "sh",
            "-c",
            "sleep 1; printf '%s' \"$CERT\" > /etc/nginx/cert.pem \
             && printf '%s' \"$KEY\" > /etc/nginx/key.pem \
             && printf 'server { listen 443 ssl; ssl_certificate /etc/nginx/cert.pem; \
                ssl_certificate_key /etc/nginx/key.pem; \
                location / { root /usr/share/nginx/html; } }' > /etc/nginx/conf.d/tls.conf \
             && exec nginx -g 'daemon off;'",
        ])
        .env("CERT", cert)
        .env("KEY", key)
        .expose(443)
}

#[tokio::test]
async fn https_waits_accept_a_self_signed_certificate_only_when_told() {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (certified.cert.pem(), certified.signing_key.serialize_pem());
    let (accepting, verifying) = tokio::join!(
        https_server(&cert, &key)
            .wait_for(Wait::http("/").accept_self_signed())
            .start(),
        https_server(&cert, &key)
            .wait_for(Wait::http("/").tls().timeout(Duration::from_secs(4)))
            .start(),
    );
    let server = accepting.unwrap();
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .no_proxy()
        .build()
        .unwrap();
    let url = format!(
        "https://{}:{}/",
        server.host(),
        server.host_port(443).unwrap()
    );
    let page = client.get(url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Welcome to nginx!"), "{page}");

    let error = verifying.unwrap_err();
    let_variant!(error => Error::WaitTimeout { waiting_for, last_seen, .. });
    assert_eq!(waiting_for, "HTTPS GET / answering 200");
    assert!(last_seen.contains("certificate"), "{last_seen}");
}

#[tokio::test]
async fn https_waits_verify_against_a_given_root() {
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca, rcgen::KeyPair::generate().unwrap()).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let server = https_server(&cert.pem(), &key.serialize_pem())
        .wait_for(Wait::http("/").tls().root_certificate(ca.pem()))
        .start()
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap())
        .no_proxy()
        .build()
        .unwrap();
    let url = format!(
        "https://{}:{}/",
        server.host(),
        server.host_port(443).unwrap()
    );
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_log_regex_waits_for_a_matching_line() {
    let container = busybox(
        "echo 'listening on port soon'; sleep 2; touch /tmp/ready; \
         echo 'listening on port 8080'; exec sleep 3600",
    )
    .wait_for(Wait::log_matching(r"listening on port \d+"))
    .start()
    .await
    .unwrap();
    assert!(marked_ready(&container));

    let error = busybox("sleep 3600")
        .wait_for(Wait::log_matching("(unclosed"))
        .start()
        .await
        .unwrap_err();
    let_variant!(error => Error::WaitFailed { last_seen, .. });
    assert!(
        last_seen.starts_with("invalid regular expression"),
        "{last_seen}"
    );
}

#[tokio::test]
async fn a_health_wait_returns_once_the_declared_check_passes() {
    let container = late_marker()
        .healthcheck(
            Healthcheck::shell("test -f /tmp/ready")
                .interval(Duration::from_millis(200))
                .start_period(Duration::from_secs(30)),
        )
        .wait_for(Wait::healthy())
        .start()
        .await
        .unwrap();
    let health = inspect(container.name(), "{{.State.Health.Status}}");
    assert_eq!(health, "healthy");
}

/// Removes the image it names when dropped.
struct BuiltImage(String);

impl Drop for BuiltImage {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rmi", "-f", &self.0]).output();
    }
}

#[tokio::test]
async fn a_health_wait_uses_the_images_own_healthcheck() {
    let image = BuiltImage(format!("dockhand-test/healthcheck:{}", std::process::id()));
    let dockerfile = format!(
        "FROM {}\n\
         HEALTHCHECK --interval=200ms --start-period=30s CMD test -f /tmp/ready\n\
         CMD [\"sh\", \"-c\", \"sleep 2; touch /tmp/ready; exec sleep 3600\"]\n",
        local_image(BUSYBOX)
    );
    ImageBuild::new(image.0.as_str())
        .file("Dockerfile", dockerfile, 0o644)
        .build()
        .await
        .unwrap();
    let container = ContainerRequest::new(image.0.as_str())
        .wait_for(Wait::healthy())
        .start()
        .await
        .unwrap();
    let health = inspect(container.name(), "{{.State.Health.Status}}");
    assert_eq!(health, "healthy");
    container.remove().await.unwrap();
}

#[tokio::test]
async fn an_unhealthy_container_fails_at_once_naming_the_healthcheck() {
    let error = busybox("exec sleep 3600")
        .healthcheck(
            Healthcheck::shell("echo database not reachable; exit 1")
                .interval(Duration::from_millis(200))
                .retries(2),
        )
        .wait_for(Wait::healthy())
        .start()
        .await
        .unwrap_err();
    let_variant!(error => Error::WaitFailed { container, waiting_for, last_seen, state, .. });
    assert_eq!(waiting_for, "healthcheck reporting healthy");
    assert!(
        last_seen.starts_with("health: unhealthy") && last_seen.contains("database not reachable"),
        "{last_seen}"
    );
    assert_eq!(state, "running");
    assert!(
        error.to_string().contains("healthcheck reporting healthy"),
        "{error}"
    );
    assert_gone(container);
}

#[tokio::test]
async fn an_exec_wait_returns_once_the_command_succeeds() {
    let container = late_marker()
        .wait_for(Wait::exec(ExecCommand::new(["test", "-f", "/tmp/ready"])))
        .start()
        .await
        .unwrap();
    assert!(marked_ready(&container));
}

#[tokio::test]
async fn an_exit_wait_returns_once_the_container_exited_with_its_code() {
    let container = busybox("sleep 1; echo migrated; exit 3")
        .wait_for(Wait::exit(3))
        .start()
        .await
        .unwrap();
    let state = inspect(container.name(), "{{.State.Status}} {{.State.ExitCode}}");
    assert_eq!(state, "exited 3");
}

#[tokio::test]
async fn an_exit_with_another_code_fails_with_the_code_and_the_logs() {
    let error = busybox("echo 'migration 7 failed' >&2; exit 3")
        .wait_for(Wait::exit(0))
        .start()
        .await
        .unwrap_err();
    let_variant!(error => Error::ContainerExited { exit_code, waiting_for, last_seen, logs, .. });
    assert_eq!(*exit_code, 3);
    assert_eq!(waiting_for, "exit with code 0");
    assert_eq!(last_seen, "exit code 3");
    assert!(logs.contains("migration 7 failed"), "{logs}");
}

#[tokio::test]
async fn a_fixed_duration_is_waited_out() {
    let container = busybox("sleep 1; touch /tmp/ready; exec sleep 3600")
        .wait_for(Wait::duration(Duration::from_secs(3)))
        .start()
        .await
        .unwrap();
    assert!(marked_ready(&container));
}

#[tokio::test]
async fn an_all_of_wait_needs_every_member() {
    // The log line comes at once, the port only two seconds later.
    let server = late_web_server()
        .wait_for(Wait::all([
            Wait::log("configured").into(),
            Wait::listening().into(),
        ]))
        .start()
        .await
        .unwrap();
    let answer = get(&server, "/");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");

    let error = busybox("echo configured; exec sleep 3600")
        .expose(8080)
        .wait_for(Wait::all([
            Wait::log("configured").into(),
            Wait::listening().timeout(Duration::from_secs(2)).into(),
        ]))
        .start()
        .await
        .unwrap_err();
    let_variant!(error => Error::WaitTimeout { timeout, waiting_for, .. });
    assert_eq!(*timeout, Duration::from_secs(2));
    assert_eq!(waiting_for, "every exposed TCP port listening");
}

/// The timeout, strategy and last sight of a start that must time out.
async fn timed_out(request: ContainerRequest) -> (Duration, String, String) {
    let error = request.start().await.unwrap_err();
    let_variant!(error => Error::WaitTimeout { timeout, waiting_for, last_seen, state, .. });
    assert_eq!(state, "running");
    (*timeout, waiting_for.clone(), last_seen.clone())
}

#[tokio::test]
async fn timeouts_name_the_strategy_and_what_it_last_saw() {
    let two = Duration::from_secs(2);
    let (http, port, health, exec, duration) = tokio::join!(
        timed_out(
            cgi_server(r"printf 'Status: 503 Busy\r\n\r\n'")
                .wait_for(Wait::http("/cgi-bin/health").timeout(two))
        ),
        // The request's shorter startup timeout wins over the strategy's.
        timed_out(
            busybox("exec sleep 3600")
                .expose(8080)
                .wait_for(Wait::listening().timeout(Duration::from_secs(600)))
                .startup_timeout(two)
        ),
        timed_out(
            busybox("exec sleep 3600")
                .healthcheck(
                    Healthcheck::shell("exit 1")
                        .interval(Duration::from_millis(200))
                        .start_period(Duration::from_secs(600))
                )
                .wait_for(Wait::healthy().timeout(two))
        ),
        timed_out(
            busybox("exec sleep 3600").wait_for(
                Wait::exec(ExecCommand::new([
                    "sh",
                    "-c",
                    "echo no such file >&2; exit 4"
                ]))
                .timeout(two)
            )
        ),
        timed_out(
            busybox("exec sleep 3600")
                .wait_for(Wait::duration(Duration::from_secs(600)))
                .startup_timeout(two)
        ),
    );
    assert_eq!(
        http,
        (
            two,
            "HTTP GET /cgi-bin/health answering 200".to_string(),
            "HTTP 503".to_string()
        )
    );
    let (timeout, waiting_for, last_seen) = port;
    assert_eq!(
        (timeout, waiting_for.as_str()),
        (two, "every exposed TCP port listening")
    );
    assert!(last_seen.starts_with("port 8080: "), "{last_seen}");
    let (timeout, waiting_for, last_seen) = health;
    assert_eq!(
        (timeout, waiting_for.as_str()),
        (two, "healthcheck reporting healthy")
    );
    assert!(last_seen.starts_with("health: starting"), "{last_seen}");
    assert_eq!(
        exec,
        (
            two,
            "command [\"sh\", \"-c\", \"echo no such file >&2; exit 4\"] succeeding".to_string(),
            "exit code 4: no such file".to_string()
        )
    );
    let (timeout, waiting_for, last_seen) = duration;
    assert_eq!((timeout, waiting_for.as_str()), (two, "a fixed 600s"));
    assert!(last_seen.contains("600s"), "{last_seen}");
}

#[tokio::test]
async fn a_container_that_stops_while_waited_for_says_what_the_wait_last_saw() {
    let error = busybox("sleep 1; exit 2")
        .expose(8080)
        .wait_for(Wait::listening())
        .start()
        .await
        .unwrap_err();
    let_variant!(error => Error::ContainerExited { exit_code, waiting_for, last_seen, .. });
    assert_eq!(*exit_code, 2);
    assert_eq!(waiting_for, "every exposed TCP port listening");
    assert!(last_seen.starts_with("port 8080: "), "{last_seen}");
}
