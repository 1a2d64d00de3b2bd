//! nginx: the official `nginx:1.22` image serving a test's own content,
//! ready when it answers HTTP.
//!
//! ```no_run
//! use dockhand_modules::Nginx;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let site = Nginx::new()
//!     .content("index.html", "<h1>hello</h1>")
//!     .content_dir("tests/site")?
//!     .start()
//!     .await?;
//! let body = reqwest::get(format!("{}/index.html", site.url())).await?.text().await?;
//! # Ok(()) }
//! ```
//!
//! - **Content** goes below the image's content root
//!   (`/usr/share/nginx/html`): strings or bytes ([`Nginx::content`]), a
//!   host file ([`Nginx::content_file`]) or a whole host folder
//!   ([`Nginx::content_dir`]).
//! - **Config** replaces the default server
//!   (`/etc/nginx/conf.d/default.conf`, included by the image's
//!   `nginx.conf`): [`Nginx::config`] or [`Nginx::config_file`].
//! - The request copies both in before the container starts, each file
//!   readable by nginx's unprivileged workers whatever its mode on the
//!   host.
//! - **Ready** when `GET /` on port 80 answers `200`, checked from the
//!   host by the request's own wait ([`Wait::http`]); so the same holds in
//!   a [`Stack`](dockhand::Stack), and [`adopt`](Nginx::adopt) has nothing
//!   left to check. A config that serves no `/` needs another wait on
//!   the request:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use dockhand::Wait;
//! use dockhand_modules::Nginx;
//!
//! let nginx = Nginx::new().config("server { listen 80; location = /health { return 204; } }");
//! let container = nginx
//!     .request()
//!     .wait_for(Wait::http("/health").status(204))
//!     .start()
//!     .await?;
//! let site = nginx.adopt(container)?;
//! # Ok(()) }
//! ```

mod container;

use std::borrow::Borrow;
use std::path::Path;

use dockhand::{Container, ContainerRequest, Wait};

pub use container::NginxContainer;

use crate::error::Result;
use crate::overrides::{override_methods, Overrides};
use crate::startup_files::{self, StartupFiles};

/// The official image's content root.
const CONTENT_ROOT: &str = "/usr/share/nginx/html";
/// The official image's default server, which a custom config replaces.
const DEFAULT_SERVER: &str = "/etc/nginx/conf.d/default.conf";
/// Readable by the unprivileged nginx workers.
const FILE_MODE: u32 = 0o644;

/// An nginx container to start; see the [module docs](self).
#[derive(Debug, Clone)]
#[must_use = "a module does nothing until it is started"]
pub struct Nginx {
    overrides: Overrides,
    files: StartupFiles,
}

impl Default for Nginx {
    fn default() -> Self {
        Nginx {
            overrides: Overrides::new("nginx", "1.22"),
            files: StartupFiles::default(),
        }
    }
}

impl Nginx {
    /// The port nginx listens on inside the container.
    pub const PORT: u16 = 80;

    /// `nginx:1.22` with the image's own welcome page.
    pub fn new() -> Self {
        Self::default()
    }

    override_methods!();

    /// Serves `bytes` at `path` below the content root, e.g. `index.html`
    /// or `css/site.css`.
    pub fn content(mut self, path: &str, bytes: impl Into<Vec<u8>>) -> Self {
        let path = format!("{CONTENT_ROOT}/{}", path.trim_start_matches('/'));
        self.files.add(path, bytes.into(), FILE_MODE);
        self
    }

    /// Serves a host file under its own name at the content root. The file
    /// is read now.
    pub fn content_file(self, file: impl AsRef<Path>) -> Result<Self> {
        let file = file.as_ref();
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let bytes = startup_files::read(file)?;
        Ok(self.content(&name, bytes))
    }

    /// Serves everything under a host folder, keeping its layout, at the
    /// content root. The folder is read now.
    pub fn content_dir(mut self, dir: impl AsRef<Path>) -> Result<Self> {
        self.files.add_dir(dir.as_ref(), CONTENT_ROOT, FILE_MODE)?;
        Ok(self)
    }

    /// Replaces the default server's config (`server { … }` blocks, as in
    /// `conf.d/default.conf`).
    pub fn config(mut self, config: impl Into<String>) -> Self {
        let bytes = config.into().into_bytes();
        self.files.add(DEFAULT_SERVER.to_string(), bytes, FILE_MODE);
        self
    }

    /// [`config`](Self::config) from a host file, read now.
    pub fn config_file(self, file: impl AsRef<Path>) -> Result<Self> {
        let bytes = startup_files::read(file.as_ref())?;
        Ok(self.config(String::from_utf8_lossy(&bytes)))
    }

    /// The container request: image, content, config and readiness by
    /// HTTP. Add a network, an alias or anything else dockhand offers,
    /// start it (alone or in a stack), then [`adopt`](Self::adopt) the
    /// container.
    pub fn request(&self) -> ContainerRequest {
        let request = self
            .overrides
            .request()
            .expose(Self::PORT)
            .wait_for(Wait::http("/").port(Self::PORT));
        self.overrides.finish(self.files.apply(request))
    }

    /// Starts the container and waits until it answers HTTP.
    pub async fn start(self) -> Result<NginxContainer> {
        let container = self.request().start().await?;
        self.adopt(container)
    }

    /// A handle for a container started from [`request`](Self::request),
    /// which answered HTTP before its start returned. It takes the
    /// container itself, or a borrow of one that something else owns, such
    /// as a [`Stack`](dockhand::Stack)'s member.
    pub fn adopt<C: Borrow<Container>>(&self, container: C) -> Result<NginxContainer<C>> {
        let port = container.borrow().host_port(Self::PORT)?;
        Ok(NginxContainer::new(container, port))
    }
}
