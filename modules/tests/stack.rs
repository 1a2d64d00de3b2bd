//! The modules in a stack, as in the `stack` example: postgres, redis and
//! nginx from their `request()`, an app (busybox httpd running
//! `examples/stack-app/app.cgi`) between them, each reached by its member
//! name. Each module is ready by its own rule before the members that
//! depend on it start; the adopted handles work from the host; nginx's
//! answer carries what the app got from redis and postgres.

mod common;
#[path = "../examples/stack-app/stack.rs"]
mod stack_app;

use dockhand::LogsRequest;
use dockhand_modules::{Nginx, Postgres, Redis};
use redis::AsyncCommands;

use stack_app::APP_FILES;

#[tokio::test]
async fn nginx_answers_with_what_the_app_got_from_its_neighbours_by_name() {
    let (postgres, redis) = (Postgres::new(), Redis::new());
    let front = Nginx::new()
        .config_file(format!("{APP_FILES}/front.conf"))
        .unwrap();
    let stack = stack_app::stack(&postgres, &redis, &front)
        .start()
        .await
        .unwrap();

    // The request's own wait was the module's: the real server's ready
    // line, not the temporary init server's, came before the stack went on.
    let logs = stack
        .container("db")
        .unwrap()
        .logs(LogsRequest::new())
        .await
        .unwrap();
    let ready_lines = format!("{}{}", logs.stdout, logs.stderr)
        .matches("database system is ready to accept connections")
        .count();
    assert_eq!(ready_lines, 2, "{logs:?}");

    let db = postgres
        .adopt(stack.container("db").unwrap())
        .await
        .unwrap();
    let cache = redis
        .adopt(stack.container("cache").unwrap())
        .await
        .unwrap();
    let web = front.adopt(stack.container("web").unwrap()).unwrap();
    assert_eq!(db.container().name(), stack.container("db").unwrap().name());

    let greeting = format!("hello from test process {}", std::process::id());
    let mut from_host = common::redis(&cache.url()).await.unwrap();
    let _: () = from_host.set("greeting", &greeting).await.unwrap();
    let client = common::postgres(&db.connection_string()).await.unwrap();
    client.simple_query("SELECT 1").await.unwrap();

    for visit in 1..=2 {
        let response = reqwest::get(format!("{}/app", web.url())).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.text().await.unwrap(),
            format!("visits={visit}\ngreeting={greeting}\ndb=N\n"),
            "nginx reached `app`, which reached `cache` and `db`"
        );
    }
    let visits: i64 = from_host.get("visits").await.unwrap();
    assert_eq!(visits, 2, "the app counted in the redis the host sees");
}
