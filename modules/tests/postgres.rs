//! The postgres module against the real engine: credentials, init scripts,
//! server settings, data on tmpfs and overrides, each checked by a real
//! client or inside the container.

mod common;

use dockhand::ExecCommand;
use dockhand_modules::{Postgres, PostgresContainer};

/// Whether the container's data folder is a tmpfs, from its own mounts.
async fn data_on_tmpfs(postgres: &PostgresContainer) -> bool {
    let mounts = postgres
        .container()
        .exec(ExecCommand::new(["cat", "/proc/mounts"]))
        .await
        .unwrap()
        .stdout;
    mounts
        .lines()
        .any(|line| line.contains(" /var/lib/postgresql/data tmpfs "))
}

async fn show(client: &tokio_postgres::Client, setting: &str) -> String {
    let row = client
        .query_one(&format!("SHOW {setting}"), &[])
        .await
        .unwrap();
    row.get(0)
}

#[tokio::test]
async fn credentials_init_scripts_and_settings_are_honoured() {
    let dir = common::scratch_dir("init-file");
    let seed = dir.join("seed.sql");
    std::fs::write(&seed, "INSERT INTO steps VALUES (3, 'from a host file');").unwrap();
    let postgres = Postgres::new()
        .user("app")
        .password("pa ss@word/1")
        .database("shop")
        .init_sql("CREATE TABLE steps (n int PRIMARY KEY, what text);")
        .init_sql("INSERT INTO steps VALUES (1, 'from an SQL string');")
        .init_shell(
            "psql -v ON_ERROR_STOP=1 --username \"$POSTGRES_USER\" --dbname \"$POSTGRES_DB\" \
             -c \"INSERT INTO steps VALUES (2, 'from a shell script')\"",
        )
        .init_file(&seed)
        .unwrap()
        .setting("work_mem", "7MB")
        .start()
        .await
        .unwrap();

    assert!(postgres
        .connection_string()
        .starts_with("postgres://app:pa%20ss%40word%2F1@"));
    let client = common::postgres(&postgres.connection_string())
        .await
        .unwrap();
    let row = client
        .query_one("SELECT current_user::text, current_database()::text", &[])
        .await
        .unwrap();
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, String>(1)),
        ("app".to_string(), "shop".to_string())
    );

    let steps: Vec<(i32, String)> = client
        .query("SELECT n, what FROM steps ORDER BY n", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(
        steps,
        [
            (1, "from an SQL string".to_string()),
            (2, "from a shell script".to_string()),
            (3, "from a host file".to_string()),
        ]
    );

    assert_eq!(show(&client, "work_mem").await, "7MB");
    assert_eq!(show(&client, "fsync").await, "off");
    assert!(data_on_tmpfs(&postgres).await);

    let wrong = postgres
        .connection_string()
        .replace("pa%20ss%40word%2F1", "not-it");
    let refused = common::postgres(&wrong).await.unwrap_err();
    assert_eq!(
        refused.as_db_error().map(|error| error.code().code()),
        Some("28P01"),
        "a wrong password is refused as such: {refused:?}"
    );
}

#[tokio::test]
async fn the_default_password_is_random_and_never_printed() {
    let builder = Postgres::new();
    let printed_builder = format!("{builder:?}");
    let postgres = builder.start().await.unwrap();
    let password = postgres.password().to_string();

    assert_eq!(password.len(), 24);
    for printed in [printed_builder, format!("{postgres:?}")] {
        assert!(!printed.contains(&password), "{printed}");
        assert!(printed.contains("<redacted>"), "{printed}");
    }
    let client = common::postgres(&postgres.connection_string())
        .await
        .unwrap();
    let row = client
        .query_one("SELECT current_user::text, current_database()::text", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "postgres");
    assert_eq!(row.get::<_, String>(1), "postgres");
}

#[tokio::test]
async fn defaults_can_be_undone_and_the_environment_overridden() {
    let postgres = Postgres::new()
        .data_on_disk()
        .setting("fsync", "on")
        .env("POSTGRES_INITDB_ARGS", "--data-checksums")
        .start()
        .await
        .unwrap();
    let client = common::postgres(&postgres.connection_string())
        .await
        .unwrap();

    assert_eq!(show(&client, "fsync").await, "on");
    assert_eq!(show(&client, "data_checksums").await, "on");
    assert!(!data_on_tmpfs(&postgres).await);
}

#[test]
fn a_missing_init_file_is_named() {
    let error = Postgres::new()
        .init_file("/no/such/schema.sql")
        .unwrap_err();
    assert!(
        matches!(&error, dockhand_modules::Error::HostFile { path, .. } if path.ends_with("schema.sql")),
        "{error}"
    );
    assert!(error.to_string().contains("/no/such/schema.sql"));
}
