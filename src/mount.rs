//! Mounts: what a container sees besides its image's files.
//!
//! A test picks the kind by what the data is for:
//!
//! - [`Mount::volume`]: a per-test [`Volume`], shared between containers
//!   and kept across restarts until the volume is dropped;
//! - [`Mount::anonymous`]: a fresh volume for this container alone, removed
//!   with it (for images that declare a `VOLUME`, or for data that must not
//!   land in the container's writable layer);
//! - [`Mount::bind`]: a directory or file of the engine's host, e.g. test
//!   fixtures, read-only with [`Mount::read_only`];
//! - [`Mount::tmpfs`]: memory, with a size limit and a mode; fast, gone at
//!   stop (e.g. a database's data directory in a test).
//!
//! Paths are checked when the container starts, before any engine call:
//! targets and bind sources must be absolute. A bind source is a path on
//! the engine's host, the same as the test's for a local engine.

use std::path::PathBuf;

use bollard::models::{MountTmpfsOptions, MountType, MountVolumeOptions};

use crate::error::{Error, Result};
use crate::session;
use crate::volume::Volume;

/// A volume ([`Mount::volume`], [`Mount::anonymous`]), host path
/// ([`Mount::bind`]) or tmpfs ([`Mount::tmpfs`]) mounted into a container
/// with [`ContainerRequest::mount`](crate::ContainerRequest::mount).
///
/// ```no_run
/// use dockhand::{ContainerRequest, Mount, Volume};
///
/// # async fn demo() -> dockhand::Result<()> {
/// let data = Volume::builder().create().await?;
/// let db = ContainerRequest::new("postgres:15")
///     .mount(Mount::volume(&data, "/var/lib/postgresql/data"))
///     .mount(Mount::bind("/srv/fixtures", "/fixtures").read_only())
///     .mount(Mount::tmpfs("/tmp").size(64 * 1024 * 1024).mode(0o1777))
///     .start()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a mount does nothing until passed to ContainerRequest::mount"]
pub struct Mount {
    source: Source,
    target: String,
    read_only: bool,
}

#[derive(Debug, Clone)]
enum Source {
    Volume(String),
    Anonymous,
    Bind(PathBuf),
    Tmpfs {
        size: Option<u64>,
        mode: Option<u32>,
    },
}

/// A tmpfs mount, with an optional size limit and mode; see [`Mount::tmpfs`].
///
/// ```
/// use dockhand::{ContainerRequest, Mount};
///
/// // A database whose data never touches the disk.
/// let request = ContainerRequest::new("postgres:15")
///     .env("POSTGRES_PASSWORD", "test")
///     .mount(Mount::tmpfs("/var/lib/postgresql/data").size(256 << 20).mode(0o700));
/// ```
#[derive(Debug, Clone)]
#[must_use = "a mount does nothing until passed to ContainerRequest::mount"]
pub struct Tmpfs {
    target: String,
    size: Option<u64>,
    mode: Option<u32>,
}

impl Mount {
    /// Mounts `volume` at `target`.
    pub fn volume(volume: &Volume, target: impl Into<String>) -> Mount {
        Mount::new(Source::Volume(volume.name().to_string()), target)
    }

    /// Mounts a fresh anonymous volume at `target`, removed with the
    /// container.
    pub fn anonymous(target: impl Into<String>) -> Mount {
        Mount::new(Source::Anonymous, target)
    }

    /// Mounts the host path `source` (absolute, on the engine's host) at
    /// `target`, read-write unless [`read_only`](Self::read_only).
    pub fn bind(source: impl Into<PathBuf>, target: impl Into<String>) -> Mount {
        Mount::new(Source::Bind(source.into()), target)
    }

    /// Mounts a tmpfs (memory) at `target`; see [`Tmpfs::size`] and
    /// [`Tmpfs::mode`].
    pub fn tmpfs(target: impl Into<String>) -> Tmpfs {
        Tmpfs {
            target: target.into(),
            size: None,
            mode: None,
        }
    }

    /// The container sees the mount read-only: writes fail.
    pub fn read_only(mut self) -> Mount {
        self.read_only = true;
        self
    }

    fn new(source: Source, target: impl Into<String>) -> Mount {
        Mount {
            source,
            target: target.into(),
            read_only: false,
        }
    }

    /// The engine's form of the mount; bad paths are errors naming them.
    pub(crate) fn to_engine(&self) -> Result<bollard::models::Mount> {
        if !self.target.starts_with('/') {
            return Err(Error::invalid(
                "mount target",
                &self.target,
                "must be an absolute path in the container",
            ));
        }
        let mut mount = bollard::models::Mount {
            target: Some(self.target.clone()),
            read_only: Some(self.read_only),
            ..Default::default()
        };
        match &self.source {
            Source::Volume(name) => {
                mount.typ = Some(MountType::VOLUME);
                mount.source = Some(name.clone());
            }
            Source::Anonymous => {
                mount.typ = Some(MountType::VOLUME);
                // Labelled so that a reaper or sweep finds it should the
                // container's removal not take it along.
                mount.volume_options = Some(MountVolumeOptions {
                    labels: Some(session::labels()),
                    ..Default::default()
                });
            }
            Source::Bind(path) => {
                if !path.is_absolute() {
                    return Err(Error::invalid(
                        "bind mount source",
                        path.display().to_string(),
                        "must be an absolute path on the engine's host",
                    ));
                }
                mount.typ = Some(MountType::BIND);
                mount.source = Some(path.display().to_string());
            }
            Source::Tmpfs { size, mode } => {
                mount.typ = Some(MountType::TMPFS);
                mount.tmpfs_options = Some(MountTmpfsOptions {
                    size_bytes: size.map(saturating_i64),
                    mode: mode.map(i64::from),
                    ..Default::default()
                });
            }
        }
        Ok(mount)
    }
}

impl Tmpfs {
    /// At most `bytes` of data; a write beyond fails with "no space left".
    pub fn size(mut self, bytes: u64) -> Tmpfs {
        self.size = Some(bytes);
        self
    }

    /// The permission bits of the mount's root, e.g. `0o1777`.
    pub fn mode(mut self, mode: u32) -> Tmpfs {
        self.mode = Some(mode);
        self
    }
}

impl From<Tmpfs> for Mount {
    fn from(tmpfs: Tmpfs) -> Mount {
        let source = Source::Tmpfs {
            size: tmpfs.size,
            mode: tmpfs.mode,
        };
        Mount::new(source, tmpfs.target)
    }
}

/// A byte count for the engine, which takes signed numbers.
pub(crate) fn saturating_i64(bytes: u64) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}
