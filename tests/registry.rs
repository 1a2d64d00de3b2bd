//! Images through a real registry on loopback, with credentials: build,
//! tag, push, pull back, wrong credentials, missing tags, the pull policy
//! `Always`, and a registry mirror as substitution prefix. Each test starts
//! a registry of its own (`common::registry`).

mod common;

use std::os::unix::fs::PermissionsExt;

use common::registry::Registry;
use common::{
    image_id, let_variant, local_image, remove_images, unique, ChildTest, Scratch, Traced, BUSYBOX,
};
use dockhand::{
    ContainerRequest, DockerConfig, Engine, Error, ExecCommand, ImageBuild, PullPolicy,
};

/// Builds a small image whose `/token` holds `token`; removed at exit.
async fn build_app(token: &str) -> String {
    let tag = format!("dockhand-test/app:{}", unique("build"));
    ImageBuild::new(&tag)
        .file(
            "Dockerfile",
            format!("FROM {}\nCOPY token /token\n", local_image(BUSYBOX)),
            0o644,
        )
        .file("token", token, 0o644)
        .remove_at_exit()
        .build()
        .await
        .unwrap();
    tag
}

/// What `/token` says in a container of `request`.
async fn token_in(request: ContainerRequest) -> String {
    let container = request.cmd(["sleep", "60"]).start().await.unwrap();
    let output = container
        .exec(ExecCommand::new(["cat", "/token"]))
        .await
        .unwrap();
    container.remove().await.unwrap();
    output.stdout
}

#[tokio::test]
async fn a_built_image_is_pushed_and_pulled_back_with_credentials() {
    let registry = Registry::start();
    let credentials = registry.docker_config(registry.password());
    let config = DockerConfig::at(credentials.dir());
    let engine = Engine::from_env().await.unwrap();
    let token = unique("token");
    let built = build_app(&token).await;
    let remote = registry.image("team/app:1");

    engine.tag(&built, &remote).await.unwrap();
    engine.push_with(&remote, &config).await.unwrap();
    assert!(
        registry.tags("team/app").contains(r#""tags":["1"]"#),
        "{}",
        registry.tags("team/app")
    );

    remove_images(&[&built, &remote]);
    assert_eq!(image_id(&remote), None);
    let traced = Traced::start();
    engine.pull_with(&remote, &config).await.unwrap();
    let progress = traced.output();
    drop(traced);
    assert!(image_id(&remote).is_some());
    // Per-layer events with byte counts, as a long pull would show them.
    assert!(
        progress.contains("pull: Pull complete") && progress.contains("layer="),
        "{progress}"
    );
    assert!(
        progress.contains("bytes=") && progress.contains("total="),
        "{progress}"
    );
    assert!(!progress.contains(registry.password()), "{progress}");

    assert_eq!(token_in(ContainerRequest::new(&remote)).await, token);
}

#[tokio::test]
async fn wrong_or_no_credentials_are_an_auth_error_naming_registry_and_image() {
    let registry = Registry::start();
    let engine = Engine::from_env().await.unwrap();
    let remote = registry.image("team/denied:1");
    engine.tag(&local_image(BUSYBOX), &remote).await.unwrap();
    let wrong = registry.docker_config("not-the-password");
    let empty = Scratch::new("registry");

    for credentials in [&wrong, &empty] {
        let config = DockerConfig::at(credentials.dir());
        let pushed = engine.push_with(&remote, &config).await.unwrap_err();
        let pulled = engine.pull_with(&remote, &config).await.unwrap_err();
        let started = ContainerRequest::new(&remote)
            .docker_config(config)
            .pull_policy(PullPolicy::Always)
            .start()
            .await
            .unwrap_err();
        for error in [pushed, pulled, started] {
            let_variant!(error => Error::RegistryAuth { registry: refused_by, image, reason, .. });
            assert_eq!(refused_by, registry.address());
            assert_eq!(image, &remote);
            assert!(
                reason.contains(&credentials.dir().display().to_string()),
                "{reason}"
            );
            let message = error.to_string();
            assert!(!message.contains(registry.password()), "{message}");
            assert!(!message.contains("not-the-password"), "{message}");
        }
    }
}

#[tokio::test]
async fn a_tag_the_registry_does_not_have_is_not_found() {
    let registry = Registry::start();
    let credentials = registry.docker_config(registry.password());
    let config = DockerConfig::at(credentials.dir());
    let engine = Engine::from_env().await.unwrap();
    engine
        .tag(&local_image(BUSYBOX), &registry.image("team/app:1"))
        .await
        .unwrap();
    engine
        .push_with(&registry.image("team/app:1"), &config)
        .await
        .unwrap();

    let missing = registry.image("team/app:no-such-tag");
    let error = engine.pull_with(&missing, &config).await.unwrap_err();
    let_variant!(error => Error::ImageNotFound { image, reason, .. });
    assert_eq!(image, &missing);
    assert!(reason.contains("not found"), "{reason}");
}

#[tokio::test]
async fn pull_policy_always_runs_the_registry_s_newer_image_if_missing_the_local_one() {
    let registry = Registry::start();
    let credentials = registry.docker_config(registry.password());
    let config = DockerConfig::at(credentials.dir());
    let engine = Engine::from_env().await.unwrap();
    let (old_token, new_token) = (unique("old"), unique("new"));
    let (old, new) = (build_app(&old_token).await, build_app(&new_token).await);
    let remote = registry.image("team/app:main");

    // The registry gets the new build; the engine keeps the old one under the same name.
    engine.tag(&new, &remote).await.unwrap();
    engine.push_with(&remote, &config).await.unwrap();
    engine.tag(&old, &remote).await.unwrap();
    assert_eq!(image_id(&remote), image_id(&old));

    let request = ContainerRequest::new(&remote).docker_config(config);
    assert_eq!(token_in(request.clone()).await, old_token);
    assert_eq!(image_id(&remote), image_id(&old));

    let always = request.pull_policy(PullPolicy::Always);
    assert_eq!(token_in(always).await, new_token);
    assert_eq!(image_id(&remote), image_id(&new));
}

/// Runs in a process of its own (see the test below), whose substitution
/// file has only a registry prefix and whose Docker config names a
/// credential helper.
#[tokio::test]
#[ignore = "run as a child process by the mirror test"]
async fn child_starts_busybox_through_the_mirror() {
    let container = ContainerRequest::new(BUSYBOX)
        .cmd(["sleep", "60"])
        .start()
        .await
        .unwrap();
    println!("IMAGE={}", container.image());
    let output = container
        .exec(ExecCommand::new(["echo", "from the mirror"]))
        .await
        .unwrap();
    assert_eq!(output.stdout, "from the mirror\n");
    container.remove().await.unwrap();
}

#[tokio::test]
async fn a_registry_prefix_pulls_unqualified_images_from_the_mirror() {
    let registry = Registry::start();
    let engine = Engine::from_env().await.unwrap();
    let prefix = registry.image("hub");
    let mirrored = format!("{prefix}/library/{}", BUSYBOX);
    let files = Scratch::new("registry");

    // The mirror serves busybox; the engine has it only by its own name.
    let credentials = registry.docker_config(registry.password());
    engine.tag(&local_image(BUSYBOX), &mirrored).await.unwrap();
    engine
        .push_with(&mirrored, &DockerConfig::at(credentials.dir()))
        .await
        .unwrap();
    remove_images(&[&mirrored]);

    // The child's credentials come from a credential helper on its PATH.
    let helper = files.dir().join("docker-credential-dockhand-test");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\ncat >/dev/null\n\
             echo '{{\"Username\":\"{}\",\"Secret\":\"{}\"}}'\n",
            common::registry::USER,
            registry.password()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let docker_config = serde_json::json!({
        "credHelpers": { registry.address(): "dockhand-test" }
    });
    std::fs::write(files.dir().join("config.json"), docker_config.to_string()).unwrap();
    let substitutions = files.dir().join("substitutions.json");
    let rule = serde_json::json!({ "registry_prefix": prefix });
    std::fs::write(&substitutions, rule.to_string()).unwrap();

    let path = format!(
        "{}:{}",
        files.dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = ChildTest::run(
        "child_starts_busybox_through_the_mirror",
        &[
            ("DOCKHAND_SUBSTITUTIONS", substitutions.to_str().unwrap()),
            ("DOCKER_CONFIG", files.dir().to_str().unwrap()),
            ("PATH", &path),
        ],
    );
    assert!(
        output.contains(&format!("IMAGE={} as {mirrored}", BUSYBOX)),
        "{output}"
    );
    assert_eq!(image_id(&mirrored), image_id(&local_image(BUSYBOX)));
}
