//! The redis module against the real engine: password, config, image
//! override, and a container on a network under an alias.

mod common;

use std::time::Duration;

use dockhand::{ContainerRequest, ExecCommand, Network};
use dockhand_modules::{Error, Redis};

#[tokio::test]
async fn the_password_is_required_and_config_applied() {
    let builder = Redis::new()
        .password("open sesame")
        .config("maxmemory", "12mb");
    assert!(!format!("{builder:?}").contains("open sesame"));
    let redis = builder.start().await.unwrap();
    assert!(!format!("{redis:?}").contains("open sesame"));
    assert_eq!(redis.password(), Some("open sesame"));

    let mut connection = common::redis(&redis.url()).await.unwrap();
    let pong: String = redis::cmd("PING")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(pong, "PONG");
    let (_, maxmemory): (String, u64) = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(maxmemory, 12 * 1024 * 1024);

    let anonymous = format!("redis://{}:{}/0", redis.host(), redis.port());
    let mut anonymous = common::redis(&anonymous).await.unwrap();
    let refused = redis::cmd("PING")
        .query_async::<String>(&mut anonymous)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("NOAUTH"), "{refused}");

    let wrong = redis.url().replace("open%20sesame", "guess");
    let refused = common::redis(&wrong).await.unwrap_err();
    assert_eq!(
        refused.kind(),
        redis::ErrorKind::AuthenticationFailed,
        "{refused}"
    );
}

#[tokio::test]
async fn joins_a_network_under_an_alias_and_runs_another_image_name() {
    let network = Network::builder().create().await.unwrap();
    let redis = Redis::new().image("dockhand-standin/redis");
    let container = redis
        .request()
        .network(&network)
        .network_alias("cache")
        .start()
        .await
        .unwrap();
    let redis = redis.adopt(container).await.unwrap();
    assert!(redis
        .container()
        .image()
        .starts_with("dockhand-standin/redis:7"));

    let neighbour = ContainerRequest::new(common::BUSYBOX)
        .cmd(["sleep", "3600"])
        .network(&network)
        .start()
        .await
        .unwrap();
    let answer = neighbour
        .exec(ExecCommand::new([
            "sh",
            "-c",
            "printf 'PING\\r\\nQUIT\\r\\n' | nc cache 6379",
        ]))
        .await
        .unwrap();
    assert!(answer.stdout.starts_with("+PONG"), "{answer:?}");
}

#[tokio::test]
async fn a_server_that_refuses_the_client_is_not_ready() {
    let without_password = Redis::new().request().start().await.unwrap();
    let name = without_password.name().to_string();
    let error = Redis::new()
        .password("expected")
        .startup_timeout(Duration::from_secs(1))
        .adopt(without_password)
        .await
        .unwrap_err();
    match &error {
        Error::NoAnswer {
            service,
            container,
            last_error,
            ..
        } => {
            assert_eq!((*service, container.as_str()), ("redis", name.as_str()));
            assert!(
                last_error.to_lowercase().contains("authentication"),
                "{last_error}"
            );
        }
        other => panic!("expected NoAnswer, got {other}"),
    }
}
