//! Images without a registry: builds (tags, labels, build args, output
//! through `tracing`, a failing step), removal of built images at exit,
//! and the pull policy `Never`.

mod common;

use std::net::TcpListener;

use common::{image_id, inspect, let_variant, local_image, unique, ChildTest, Traced, BUSYBOX};
use dockhand::{ContainerRequest, Error, ImageBuild, PullPolicy};

/// A Dockerfile on the busybox base whose `RUN` echoes `$GREETING`.
fn greeting_dockerfile() -> String {
    format!(
        "FROM {}\nARG GREETING\nRUN echo \"greeting is $GREETING\" > /greeting && cat /greeting\n",
        local_image(BUSYBOX)
    )
}

fn label_of(image: &str, key: &str) -> String {
    inspect(image, &format!("{{{{index .Config.Labels \"{key}\"}}}}"))
}

#[tokio::test]
async fn a_build_tags_and_labels_its_image_and_traces_its_output() {
    let tag = format!("dockhand-test/built:{}", unique("main"));
    let extra = format!("dockhand-test/built-extra:{}", unique("extra"));
    let traced = Traced::start();
    let output = ImageBuild::new(&tag)
        .file("Dockerfile", greeting_dockerfile(), 0o644)
        .build_arg("GREETING", "hello-from-args")
        .label("team", "payments")
        .tag(&extra)
        .remove_at_exit()
        .build()
        .await
        .unwrap();
    let traced = traced.output();

    assert!(output.contains("greeting is hello-from-args"), "{output}");
    assert!(
        traced.contains("greeting is hello-from-args") && traced.contains(&tag),
        "{traced}"
    );
    let id = image_id(&tag).expect("the build's tag names the image");
    assert_eq!(image_id(&extra), Some(id));
    assert_eq!(label_of(&extra, "team"), "payments");
}

#[tokio::test]
async fn a_failing_build_carries_the_failing_step_s_output() {
    let tag = format!("dockhand-test/broken:{}", unique("fail"));
    let error = ImageBuild::new(&tag)
        .file(
            "Dockerfile",
            format!(
                "FROM {}\nRUN echo checking config && echo 'config.toml: no such file' >&2 && exit 3\n",
                local_image(BUSYBOX)
            ),
            0o644,
        )
        .build()
        .await
        .unwrap_err();
    let_variant!(error => Error::BuildFailed { image, message, output, .. });
    assert_eq!(image, &tag);
    assert!(message.contains("returned a non-zero code: 3"), "{message}");
    // The failing step, and what it printed on stdout and stderr. (One step
    // only: the images of steps that succeed would stay behind as cache.)
    assert!(
        output.contains("Step 2/2 : RUN echo checking config"),
        "{output}"
    );
    assert!(
        output.contains("checking config\n") && output.contains("config.toml: no such file"),
        "{output}"
    );
    assert_eq!(image_id(&tag), None);
}

/// Runs in a process of its own (see the test below): builds one image to
/// remove at exit and one to keep, and uses the first.
#[tokio::test]
#[ignore = "run as a child process by the remove-at-exit test"]
async fn child_builds_images() {
    let [removed, kept] = ["DOCKHAND_TEST_REMOVED", "DOCKHAND_TEST_KEPT"]
        .map(|name| std::env::var(name).expect("run by the remove-at-exit test"));
    let dockerfile = format!("FROM {}\nLABEL purpose=test\n", local_image(BUSYBOX));
    ImageBuild::new(&removed)
        .file("Dockerfile", dockerfile.clone(), 0o644)
        .remove_at_exit()
        .build()
        .await
        .unwrap();
    ImageBuild::new(&kept)
        .file("Dockerfile", dockerfile, 0o644)
        .build()
        .await
        .unwrap();
    assert!(image_id(&removed).is_some());
    // A container of the image, dropped: it goes before its image.
    let container = ContainerRequest::new(&removed)
        .cmd(["sleep", "60"])
        .start()
        .await
        .unwrap();
    drop(container);
}

#[tokio::test]
async fn images_built_to_be_removed_at_exit_are_gone_when_the_process_ends() {
    let removed = format!("dockhand-test/at-exit:{}", unique("removed"));
    let kept = format!("dockhand-test/at-exit:{}", unique("kept"));
    ChildTest::run(
        "child_builds_images",
        &[
            ("DOCKHAND_TEST_REMOVED", &removed),
            ("DOCKHAND_TEST_KEPT", &kept),
        ],
    );
    assert_eq!(image_id(&removed), None, "{removed} outlived its process");
    assert!(image_id(&kept).is_some(), "{kept} was removed unasked");
    common::remove_images(&[&kept]);
}

#[tokio::test]
async fn pull_policy_never_runs_local_images_and_never_contacts_a_registry() {
    let registry = TcpListener::bind("127.0.0.1:0").unwrap();
    registry.set_nonblocking(true).unwrap();
    let missing = format!("{}/team/app:1", registry.local_addr().unwrap());

    let error = ContainerRequest::new(&missing)
        .pull_policy(PullPolicy::Never)
        .start()
        .await
        .unwrap_err();
    let_variant!(error => Error::ImageNotFound { image, reason, .. });
    assert_eq!(image, &missing);
    assert!(reason.contains("pull policy is Never"), "{reason}");
    assert!(
        registry.accept().is_err(),
        "the registry address was contacted"
    );

    let local = ContainerRequest::new(BUSYBOX)
        .cmd(["sleep", "60"])
        .pull_policy(PullPolicy::Never)
        .start()
        .await
        .unwrap();
    local.remove().await.unwrap();
}
