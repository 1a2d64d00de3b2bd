//! Postgres: the official `postgres:15` image, ready when a client logs in.
//!
//! ```no_run
//! use dockhand_modules::Postgres;
//! use tokio_postgres::NoTls;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let postgres = Postgres::new()
//!     .user("app")
//!     .database("shop")
//!     .init_sql("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);")
//!     .start()
//!     .await?;
//! let (client, connection) = tokio_postgres::connect(&postgres.connection_string(), NoTls).await?;
//! tokio::spawn(connection);
//! client.execute("INSERT INTO items VALUES (1, 'pen')", &[]).await?;
//! # Ok(()) }
//! ```
//!
//! - **Credentials**: user `postgres` and database `postgres` unless set, as
//!   in the official image; the password is random unless set, and a
//!   `Debug` print of the builder or the handle shows `<redacted>`.
//! - **Init scripts** (`.sql`, `.sql.gz`, `.sh`) run once, in the order
//!   declared, when the server first starts, as the official image runs
//!   `/docker-entrypoint-initdb.d`: the request copies them there, numbered,
//!   before the container starts.
//! - **Fast by default**: the data folder is a tmpfs (memory, gone with the
//!   container) and the server runs with `-c fsync=off`. On this project's
//!   machines that makes the server ready 2.5 times sooner and a clone of a
//!   database nearly free. [`Postgres::data_on_disk`] and
//!   `.setting("fsync", "on")` undo either.
//! - **Ready** when the official image's second `database system is ready
//!   to accept connections` line is logged (the first comes from the
//!   temporary server that runs the init scripts): the request's own wait,
//!   so a [`Stack`](dockhand::Stack) starts the members that depend on it
//!   only then. [`start`](Postgres::start) and [`adopt`](Postgres::adopt)
//!   then also wait until a real client has logged in and run `SELECT 1`.
//! - **Networks and stacks**: [`Postgres::request`] is a plain
//!   [`ContainerRequest`] to add a network and alias to, or to hand to a
//!   stack; [`Postgres::adopt`] turns the started container (or a stack's
//!   borrowed member) into a [`PostgresContainer`].
//! - **Per-test databases** on one shared server:
//!   [`PostgresContainer::databases`].

mod admin;
mod container;
mod database;
mod databases;
mod owned_database;
mod server;
mod snapshot;

use std::borrow::Borrow;
use std::path::Path;

use dockhand::{Container, ContainerRequest, Mount, Wait};

pub use container::PostgresContainer;
pub use database::PostgresDatabase;
pub use databases::PostgresDatabases;
pub(crate) use server::describe;
pub use snapshot::PostgresSnapshot;

use crate::answer;
use crate::error::Result;
use crate::overrides::{override_methods, Overrides};
use crate::secret::Secret;
use crate::startup_files::{self, StartupFiles};
use server::Server;

/// The official image's data folder.
const PGDATA: &str = "/var/lib/postgresql/data";
/// Where the official image looks for init scripts.
const INITDB_DIR: &str = "/docker-entrypoint-initdb.d";
/// Logged once by the temporary init server and once by the real one.
const READY_LINE: &str = "database system is ready to accept connections";

/// A postgres container to start; see the [module docs](self).
#[derive(Debug, Clone)]
#[must_use = "a module does nothing until it is started"]
pub struct Postgres {
    overrides: Overrides,
    user: String,
    password: Secret,
    database: String,
    init_scripts: StartupFiles,
    settings: Vec<(String, String)>,
    data_on_tmpfs: bool,
}

impl Default for Postgres {
    fn default() -> Self {
        Postgres {
            overrides: Overrides::new("postgres", "15"),
            user: "postgres".to_string(),
            password: Secret::random(),
            database: "postgres".to_string(),
            init_scripts: StartupFiles::default(),
            settings: vec![("fsync".to_string(), "off".to_string())],
            data_on_tmpfs: true,
        }
    }
}

impl Postgres {
    /// The port postgres listens on inside the container.
    pub const PORT: u16 = 5432;

    /// `postgres:15` with a random password, data on tmpfs and `fsync=off`.
    pub fn new() -> Self {
        Self::default()
    }

    override_methods!();

    /// The superuser to create (`POSTGRES_USER`, default `postgres`).
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = user.into();
        self
    }

    /// The superuser's password (`POSTGRES_PASSWORD`, default random).
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Secret::from(password.into());
        self
    }

    /// The database to create (`POSTGRES_DB`, default `postgres`).
    pub fn database(mut self, database: impl Into<String>) -> Self {
        self.database = database.into();
        self
    }

    /// An SQL init script, run in the database as the superuser.
    pub fn init_sql(self, sql: impl Into<String>) -> Self {
        self.init_script("init.sql", sql.into().into_bytes())
    }

    /// A shell init script, run by the image's entrypoint (as `postgres`,
    /// with `POSTGRES_USER`, `POSTGRES_DB` and `PGPASSWORD` set, and `psql`
    /// reaching the temporary server).
    pub fn init_shell(self, script: impl Into<String>) -> Self {
        self.init_script("init.sh", script.into().into_bytes())
    }

    /// An init script from a host file, by its extension: `.sql`,
    /// `.sql.gz` or `.sh` (the image ignores others). The file is read now.
    pub fn init_file(self, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let bytes = startup_files::read(path)?;
        Ok(self.init_script(&name, bytes))
    }

    /// Runs the server with `-c name=value`, e.g. `("max_connections",
    /// "200")`; a later value for a name wins, also over the default
    /// `fsync=off`.
    pub fn setting(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.settings.retain(|(existing, _)| *existing != name);
        self.settings.push((name, value.into()));
        self
    }

    /// Keeps the data in the image's volume on disk rather than on tmpfs:
    /// slower, for data larger than memory or tests of the disk itself.
    pub fn data_on_disk(mut self) -> Self {
        self.data_on_tmpfs = false;
        self
    }

    /// The container request: the image, environment, init scripts,
    /// settings and log readiness. Add a network, an alias or anything else
    /// dockhand offers, start it (alone or in a stack), then
    /// [`adopt`](Self::adopt) the container.
    pub fn request(&self) -> ContainerRequest {
        let command = ["postgres".to_string()].into_iter().chain(
            self.settings
                .iter()
                .flat_map(|(name, value)| ["-c".to_string(), format!("{name}={value}")]),
        );
        let mut request = self
            .overrides
            .request()
            .expose(Self::PORT)
            .env("POSTGRES_USER", &self.user)
            .env("POSTGRES_PASSWORD", self.password.reveal())
            .env("POSTGRES_DB", &self.database)
            .cmd(command)
            .wait_for(Wait::log(READY_LINE).times(2));
        if self.data_on_tmpfs {
            request = request.mount(Mount::tmpfs(PGDATA));
        }
        self.overrides.finish(self.init_scripts.apply(request))
    }

    /// Starts the container and waits until a client can log in.
    pub async fn start(self) -> Result<PostgresContainer> {
        let container = self.request().start().await?;
        self.adopt(container).await
    }

    /// A handle for a container started from [`request`](Self::request),
    /// once a client can log in with this builder's credentials. It takes
    /// the container itself, or a borrow of one that something else owns,
    /// such as a [`Stack`](dockhand::Stack)'s member.
    pub async fn adopt<C: Borrow<Container>>(&self, container: C) -> Result<PostgresContainer<C>> {
        let started = container.borrow();
        let server = Server {
            host: started.host().to_string(),
            port: started.host_port(Self::PORT)?,
            user: self.user.clone(),
            password: self.password.clone(),
        };
        let (check, database) = (server.clone(), self.database.clone());
        answer::until_answers(
            "postgres",
            started.name(),
            self.overrides.startup_timeout,
            move || {
                let (server, database) = (check.clone(), database.clone());
                async move { server.select_one(&database).await }
            },
        )
        .await?;
        Ok(PostgresContainer::new(
            container,
            server,
            self.database.clone(),
        ))
    }

    /// Adds an init script that runs after those declared before it.
    fn init_script(mut self, name: &str, bytes: Vec<u8>) -> Self {
        let mode = if name.ends_with(".sh") { 0o755 } else { 0o644 };
        let path = format!("{INITDB_DIR}/{:03}-{name}", self.init_scripts.len());
        self.init_scripts.add(path, bytes, mode);
        self
    }
}
