//! The nginx module against the real engine: content from strings, files
//! and folders, a custom config, and the image's own page, each fetched
//! with a real HTTP client; readiness by HTTP in the request itself.

mod common;

use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use dockhand_modules::Nginx;

async fn fetch(url: &str) -> (u16, Vec<u8>) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn serves_custom_content_and_config() {
    let dir = common::scratch_dir("site");
    std::fs::create_dir_all(dir.join("assets/img")).unwrap();
    // Every byte value, a few MiB of them.
    let binary: Vec<u8> = (0..=255u8).cycle().take(3 << 20).collect();
    std::fs::write(dir.join("assets/img/logo.bin"), &binary).unwrap();
    std::fs::write(dir.join("about.html"), "about us").unwrap();
    // Private on the host, yet served by nginx's unprivileged workers.
    std::fs::set_permissions(dir.join("about.html"), Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(dir.join("assets"), Permissions::from_mode(0o700)).unwrap();
    let single = common::scratch_dir("single").join("robots.txt");
    std::fs::write(&single, "User-agent: *").unwrap();

    let site = Nginx::new()
        .content("index.html", "<h1>hello from a string</h1>")
        .content_dir(&dir)
        .unwrap()
        .content_file(&single)
        .unwrap()
        .config(
            "server {\n\
             listen 80;\n\
             location / { root /usr/share/nginx/html; }\n\
             location = /teapot { return 418 'from the config'; }\n\
             }\n",
        )
        .start()
        .await
        .unwrap();
    let url = site.url();

    assert_eq!(
        fetch(&format!("{url}/index.html")).await,
        (200, b"<h1>hello from a string</h1>".to_vec())
    );
    assert_eq!(
        fetch(&format!("{url}/about.html")).await,
        (200, b"about us".to_vec())
    );
    assert_eq!(
        fetch(&format!("{url}/robots.txt")).await,
        (200, b"User-agent: *".to_vec())
    );
    assert_eq!(
        fetch(&format!("{url}/assets/img/logo.bin")).await,
        (200, binary)
    );
    assert_eq!(
        fetch(&format!("{url}/teapot")).await,
        (418, b"from the config".to_vec())
    );
}

#[tokio::test]
async fn serves_the_image_page_without_content() {
    let site = Nginx::new().start().await.unwrap();
    let (status, body) = fetch(&format!("{}/", site.url())).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("Welcome to nginx"));
}

#[tokio::test]
async fn its_request_is_ready_only_when_root_answers_200() {
    let request = Nginx::new()
        .config("server { listen 80; location / { return 503; } }")
        .startup_timeout(Duration::from_secs(2))
        .request();
    let error = request.start().await.unwrap_err();
    match &error {
        dockhand::Error::WaitTimeout {
            waiting_for,
            last_seen,
            ..
        } => {
            assert!(waiting_for.starts_with("HTTP GET / on port 80"), "{error}");
            assert_eq!(last_seen, "HTTP 503", "{error}");
        }
        other => panic!("expected a wait timeout, got {other}"),
    }
}

#[test]
fn a_missing_content_folder_is_named() {
    let error = Nginx::new().content_dir("/no/such/site").unwrap_err();
    assert!(
        matches!(&error, dockhand_modules::Error::HostFile { path, .. } if path.ends_with("site")),
        "{error}"
    );
}
