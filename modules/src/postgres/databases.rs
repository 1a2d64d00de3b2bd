//! Per-test databases on one shared postgres server.

use std::sync::Arc;

use super::admin::{quoted, Admin};
use super::database::PostgresDatabase;
use super::owned_database::OwnedDatabase;
use super::server::{failed, Server};
use crate::error::Result;
use crate::secret::random_token;

/// A template on a shared postgres server from which each test gets a
/// fresh database of its own. Cheap to clone.
///
/// A container per test costs seconds; a database per test on a running
/// server costs milliseconds. [`PostgresContainer::databases`] makes a
/// template once (the schema and seed data applied to it a single time),
/// and each test then takes a fresh copy of it with
/// [`PostgresDatabases::database`] (`CREATE DATABASE … TEMPLATE …`). A test
/// sees only its own database's rows; when its [`PostgresDatabase`] drops,
/// the database is dropped in the background.
///
/// Keep the server and the template in [`Shared`](dockhand::Shared)
/// statics: the first test that asks starts them, every test of the
/// binary uses them, and they are removed when the test process exits.
///
/// ```no_run
/// use dockhand::Shared;
/// use dockhand_modules::{Postgres, PostgresContainer, PostgresDatabases};
/// use tokio_postgres::NoTls;
///
/// // One server per test binary …
/// static SERVER: Shared<PostgresContainer> =
///     Shared::new(|| Box::pin(async { Ok(Postgres::new().start().await?) }));
///
/// // … and on it one template, its schema and seed data applied once.
/// static USERS: Shared<PostgresDatabases> = Shared::new(|| {
///     Box::pin(async {
///         let schema = "CREATE TABLE users (name text); INSERT INTO users VALUES ('seed');";
///         Ok(SERVER.get().await?.databases(schema).await?)
///     })
/// });
///
/// #[tokio::test]
/// async fn signs_up() -> Result<(), Box<dyn std::error::Error>> {
///     let database = USERS.get().await?.database().await?; // a fresh copy
///     let (client, connection) = tokio_postgres::connect(&database.connection_string(), NoTls).await?;
///     tokio::spawn(connection);
///     client.execute("INSERT INTO users VALUES ('ada')", &[]).await?;
///     Ok(())
/// } // the database is dropped here, in the background
/// ```
///
/// [`PostgresContainer::databases`]: crate::PostgresContainer::databases
#[derive(Debug, Clone)]
pub struct PostgresDatabases {
    template: Arc<Template>,
}

/// The template database; dropped with the last handle that uses it.
#[derive(Debug)]
struct Template {
    name: String,
    admin: Arc<Admin>,
}

impl PostgresDatabases {
    /// Makes a template on `server` and runs `setup_sql` in it, once.
    pub(crate) async fn create(server: Server, setup_sql: &str) -> Result<PostgresDatabases> {
        let admin = Arc::new(Admin::connect(server).await?);
        let name = format!("dockhand_template_{}", random_token(10));
        admin
            .run(
                &name,
                "create the template",
                &format!("CREATE DATABASE {}", quoted(&name)),
            )
            .await?;
        // From here on an error drops the template with `Template`.
        let template = Template { name, admin };
        template.set_up(setup_sql).await?;
        Ok(PostgresDatabases {
            template: Arc::new(template),
        })
    }

    /// A fresh database: a copy of the template, for one test. Dropped in
    /// the background when the handle drops.
    pub async fn database(&self) -> Result<PostgresDatabase> {
        let name = format!("dockhand_test_{}", random_token(10));
        let copy = OwnedDatabase::copy(&self.template.admin, &self.template.name, name).await?;
        Ok(PostgresDatabase::new(copy))
    }

    /// The template's name.
    pub fn template(&self) -> &str {
        &self.template.name
    }
}

impl Template {
    /// Runs the set-up in the template, then closes it to connections: a
    /// database can be copied only while no one is connected to it.
    async fn set_up(&self, setup_sql: &str) -> Result<()> {
        if !setup_sql.trim().is_empty() {
            let client = self
                .admin
                .server()
                .connect(&self.name)
                .await
                .map_err(failed(&self.name, "log in to the template"))?;
            client
                .batch_execute(setup_sql)
                .await
                .map_err(failed(&self.name, "run the set-up SQL in the template"))?;
        }
        let statement = format!(
            "ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
            quoted(&self.name)
        );
        self.admin
            .run(&self.name, "mark it as a template", &statement)
            .await
    }
}

impl Drop for Template {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        dockhand::runtime::spawn(async move {
            let statement = format!("ALTER DATABASE {} WITH IS_TEMPLATE false", quoted(&name));
            if admin
                .run(&name, "unmark the template", &statement)
                .await
                .is_ok()
            {
                let _ = admin.drop_database(&name).await;
            }
        });
    }
}
