//! The stack that the `stack` example runs and `tests/stack.rs` checks:
//! postgres `db`, redis `cache`, the app (busybox httpd running `app.cgi`,
//! which needs both) and nginx `web` in front of the app.

use dockhand::{ContainerRequest, StackRequest, Wait};
use dockhand_modules::{Nginx, Postgres, Redis};

/// This folder: the app's script and nginx's config.
pub const APP_FILES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/stack-app");

/// The four members, each started once the members it needs are ready.
pub fn stack(postgres: &Postgres, redis: &Redis, front: &Nginx) -> StackRequest {
    let app = ContainerRequest::new("busybox:1.36")
        .copy_in(format!("{APP_FILES}/app.cgi"), "/www/cgi-bin/app")
        .cmd(["httpd", "-f", "-p", "8080", "-h", "/www"])
        .expose(8080)
        .wait_for(Wait::listening());
    dockhand::Stack::builder()
        .member("db", postgres.request())
        .member("cache", redis.request())
        .member("app", app)
        .member("web", front.request())
        .depends_on("app", ["db", "cache"])
        .depends_on("web", ["app"])
}
