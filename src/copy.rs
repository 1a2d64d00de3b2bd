//! Copying files into and out of a running container, as `docker cp` does.
//!
//! Tests put fixtures where a service expects them (a config file, a script,
//! a folder of seed data) and take back what it wrote (a dump, a report).
//! Four calls cover it, each naming its target exactly:
//!
//! - [`Container::copy_bytes_in`] writes bytes as a file with a given mode;
//! - [`Container::copy_in`] copies a host file or directory to a path;
//! - [`Container::copy_bytes_out`] reads a file's contents;
//! - [`Container::copy_out`] copies a file or directory to a host path.
//!
//! [`ContainerRequest::copy_bytes_in`] and [`ContainerRequest::copy_in`]
//! put files in before the container starts (between the engine's create
//! and start), so that its entrypoint finds them.
//!
//! [`ContainerRequest::copy_bytes_in`]: crate::ContainerRequest::copy_bytes_in
//! [`ContainerRequest::copy_in`]: crate::ContainerRequest::copy_in
//!
//! Paths in the container are taken from its root (`tmp/x` is `/tmp/x`), and
//! missing parent directories are created; a file never replaces a
//! directory there, or the other way round. What is copied in is owned by
//! root, with the host's permission bits and times, like `docker cp`. A path
//! that does not exist, or that the engine or the host refuses, is an
//! [`Error::CopyFailed`] naming the container and the path. Archives are
//! held in memory, which suits test fixtures, not gigabytes.

use std::fmt::Display;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use bollard::query_parameters::{
    DownloadFromContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};
use futures_util::StreamExt;

use crate::container::Container;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::runtime;
use crate::session;

impl Container {
    /// Writes `bytes` to the file `container_path` with permission bits
    /// `mode` (e.g. `0o755` for a script), replacing a file there, never a
    /// directory.
    ///
    /// ```no_run
    /// use dockhand::{ContainerRequest, ExecCommand};
    ///
    /// # async fn demo() -> dockhand::Result<()> {
    /// let container = ContainerRequest::new("busybox:1.36")
    ///     .cmd(["sleep", "3600"])
    ///     .start()
    ///     .await?;
    /// container
    ///     .copy_bytes_in("/opt/hello.sh", "#!/bin/sh\necho hi > /tmp/said\n", 0o755)
    ///     .await?;
    /// container.exec(ExecCommand::new(["/opt/hello.sh"])).await?;
    /// assert_eq!(container.copy_bytes_out("/tmp/said").await?, b"hi\n");
    /// # Ok(()) }
    /// ```
    pub async fn copy_bytes_in(
        &self,
        container_path: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
        mode: u32,
    ) -> Result<()> {
        let copy = CopyIn::bytes(container_path.into(), bytes.into(), mode);
        let transfer = self.transfer(&copy.path);
        runtime::run(async move { copy.upload(&transfer).await }).await
    }

    /// Copies the host file or directory `host_path` (recursively) so that
    /// `container_path` becomes its copy. Files already there are replaced;
    /// a directory's other files stay; a file never replaces a directory,
    /// nor a directory a file. Symbolic links inside a directory are
    /// copied as links; a `host_path` that is one is followed.
    pub async fn copy_in(
        &self,
        host_path: impl AsRef<Path>,
        container_path: impl Into<String>,
    ) -> Result<()> {
        let copy = CopyIn::host(host_path.as_ref().to_path_buf(), container_path.into());
        let transfer = self.transfer(&copy.path);
        runtime::run(async move { copy.upload(&transfer).await }).await
    }

    /// Uploads `copy`, for a start on the background runtime: a created
    /// container takes copies before it runs.
    pub(crate) async fn put(&self, copy: &CopyIn) -> Result<()> {
        copy.upload(&self.transfer(&copy.path)).await
    }

    /// The contents of the file `container_path`.
    pub async fn copy_bytes_out(&self, container_path: impl Into<String>) -> Result<Vec<u8>> {
        let transfer = self.transfer(&container_path.into());
        runtime::run(async move {
            let archive = transfer.download().await?;
            file_in_archive(&archive).map_err(|reason| transfer.failed(reason))
        })
        .await
    }

    /// Copies the file or directory `container_path` (recursively) so that
    /// `host_path` becomes its copy; missing parent directories are created.
    /// A file there is replaced by a file, an empty directory by a
    /// directory; anything else there fails the copy.
    pub async fn copy_out(
        &self,
        container_path: impl Into<String>,
        host_path: impl AsRef<Path>,
    ) -> Result<()> {
        let transfer = self.transfer(&container_path.into());
        let host_path = host_path.as_ref().to_path_buf();
        runtime::run(async move {
            let archive = transfer.download().await?;
            let unpack = move |target: &Path| unpack_as(&archive, target);
            transfer.on_host("writing", &host_path, unpack).await
        })
        .await
    }

    fn transfer(&self, path: &str) -> Transfer {
        Transfer {
            engine: self.engine().clone(),
            id: self.id().to_string(),
            container: self.name().to_string(),
            path: format!("/{}", path.trim_matches('/')),
        }
    }
}

/// A file or directory to put into a container, made from bytes or taken
/// from the host when it is uploaded.
#[derive(Debug, Clone)]
pub(crate) struct CopyIn {
    path: String,
    source: CopySource,
}

#[derive(Debug, Clone)]
enum CopySource {
    Bytes { bytes: Vec<u8>, mode: u32 },
    Host(PathBuf),
}

impl CopyIn {
    /// The file `path` with contents `bytes` and permission bits `mode`.
    pub(crate) fn bytes(path: String, bytes: Vec<u8>, mode: u32) -> CopyIn {
        CopyIn {
            path,
            source: CopySource::Bytes { bytes, mode },
        }
    }

    /// A copy of the host file or directory `host_path` at `path`.
    pub(crate) fn host(host_path: PathBuf, path: String) -> CopyIn {
        CopyIn {
            path,
            source: CopySource::Host(host_path),
        }
    }

    /// Feeds what this copy puts into the container to `hash`: the path and
    /// the bytes, or the host tree as an archive (names, modes, times and
    /// contents), so that a changed host file changes a reuse key.
    pub(crate) fn fingerprint(&self, hash: &mut dyn FnMut(&[u8])) {
        hash(self.path.as_bytes());
        match &self.source {
            CopySource::Bytes { bytes, mode } => {
                hash(&mode.to_le_bytes());
                hash(bytes);
            }
            CopySource::Host(host_path) => {
                hash(host_path.as_os_str().as_encoded_bytes());
                // An unreadable tree fails the upload later, with its error.
                if let Ok(archive) = tree_archive(host_path, Path::new(".")) {
                    hash(&archive);
                }
            }
        }
    }

    async fn upload(&self, transfer: &Transfer) -> Result<()> {
        let name = transfer.name_in_archive()?;
        let archive = match &self.source {
            CopySource::Bytes { bytes, mode } => {
                bytes_archive(&name, bytes, *mode).map_err(|error| transfer.failed(error))?
            }
            CopySource::Host(host_path) => {
                let pack = move |host: &Path| tree_archive(host, &name);
                transfer.on_host("reading", host_path, pack).await?
            }
        };
        transfer.upload(archive).await
    }
}

/// One copy: the container, the path in it, and the errors that name both.
struct Transfer {
    engine: Engine,
    id: String,
    container: String,
    /// Absolute, without a trailing slash.
    path: String,
}

impl Transfer {
    fn failed(&self, reason: impl Display) -> Error {
        Error::CopyFailed {
            container: self.container.clone(),
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    /// An engine's refusal (missing path, not a directory) is a failed copy;
    /// a broken connection is an engine error.
    fn refused(&self, error: bollard::errors::Error) -> Error {
        match error {
            bollard::errors::Error::DockerResponseServerError { message, .. } => {
                self.failed(message)
            }
            source => Error::Engine {
                action: format!("copy {} in container {}", self.path, self.container),
                source,
            },
        }
    }

    /// The path as an archive unpacked at the root names it.
    fn name_in_archive(&self) -> Result<PathBuf> {
        match &self.path[1..] {
            "" => Err(self.failed("the root directory cannot be replaced")),
            name => Ok(PathBuf::from(name)),
        }
    }

    /// Runs `work` on `host_path` on a blocking thread, off the background
    /// runtime's few workers; its error fails the copy, saying what it was
    /// `doing` (`reading`, `writing`) where on the host.
    async fn on_host<T: Send + 'static>(
        &self,
        doing: &str,
        host_path: &Path,
        work: impl FnOnce(&Path) -> io::Result<T> + Send + 'static,
    ) -> Result<T> {
        let path = host_path.to_path_buf();
        let worked = match tokio::task::spawn_blocking(move || work(&path)).await {
            Ok(worked) => worked,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        };
        worked.map_err(|error| {
            self.failed(format!(
                "{doing} {} on the host: {error}",
                host_path.display()
            ))
        })
    }

    /// Unpacks `archive` at the container's root.
    async fn upload(&self, archive: Vec<u8>) -> Result<()> {
        // A file must not replace a directory, such as `/tmp`, nor the
        // other way round: the engine would do so silently.
        let options = UploadToContainerOptionsBuilder::default()
            .path("/")
            .no_overwrite_dir_non_dir("true")
            .build();
        self.engine
            .docker()
            .upload_to_container(&self.id, Some(options), bollard::body_full(archive.into()))
            .await
            .map_err(|error| self.refused(error))
    }

    /// The engine's archive of the path: one entry named after its last
    /// component, and for a directory everything below it.
    async fn download(&self) -> Result<Vec<u8>> {
        let options = DownloadFromContainerOptionsBuilder::default()
            .path(&self.path)
            .build();
        let mut chunks = self
            .engine
            .docker()
            .download_from_container(&self.id, Some(options));
        let mut archive = Vec::new();
        while let Some(chunk) = chunks.next().await {
            archive.extend_from_slice(&chunk.map_err(|error| self.refused(error))?);
        }
        Ok(archive)
    }
}

/// An archive of one file, owned by root.
fn bytes_archive(name: &Path, bytes: &[u8], mode: u32) -> io::Result<Vec<u8>> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(bytes.len() as u64);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs()),
    );
    let mut archive = tar::Builder::new(Vec::new());
    archive.append_data(&mut header, name, bytes)?;
    archive.into_inner()
}

/// An archive of the host file or directory `host` under `name`.
fn tree_archive(host: &Path, name: &Path) -> io::Result<Vec<u8>> {
    let mut archive = tar::Builder::new(Vec::new());
    append_tree(&mut archive, host, &fs::metadata(host)?, name)?;
    archive.into_inner()
}

/// Appends `host` and, for a directory, everything below it, owned by root
/// with the host's modes and times.
fn append_tree(
    archive: &mut tar::Builder<Vec<u8>>,
    host: &Path,
    metadata: &fs::Metadata,
    name: &Path,
) -> io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_metadata_in_mode(metadata, tar::HeaderMode::Complete);
    header.set_uid(0);
    header.set_gid(0);
    let kind = metadata.file_type();
    if kind.is_dir() {
        archive.append_data(&mut header, name, io::empty())?;
        for entry in fs::read_dir(host)? {
            let entry = entry?;
            let below = name.join(entry.file_name());
            append_tree(archive, &entry.path(), &entry.metadata()?, &below)?;
        }
        Ok(())
    } else if kind.is_symlink() {
        archive.append_link(&mut header, name, fs::read_link(host)?)
    } else if kind.is_file() {
        archive.append_data(&mut header, name, fs::File::open(host)?)
    } else {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{} is not a file, directory or link", host.display()),
        ))
    }
}

/// The contents of the one file in the engine's archive of a file path.
fn file_in_archive(archive: &[u8]) -> Result<Vec<u8>, String> {
    let mut archive = tar::Archive::new(archive);
    let mut entries = archive.entries().map_err(|error| error.to_string())?;
    let mut entry = match entries.next() {
        Some(entry) => entry.map_err(|error| error.to_string())?,
        None => return Err("the engine sent an empty archive".to_string()),
    };
    let kind = entry.header().entry_type();
    if kind.is_dir() {
        return Err("it is a directory; copy_out copies directories".to_string());
    }
    if kind.is_symlink() {
        let target = entry.link_name().ok().flatten().unwrap_or_default();
        return Err(format!(
            "it is a symbolic link to {}; copy that path",
            target.display()
        ));
    }
    let mut contents = Vec::new();
    entry
        .read_to_end(&mut contents)
        .map_err(|error| error.to_string())?;
    Ok(contents)
}

/// Unpacks the engine's archive of a path so that `target` becomes the copy.
/// It goes to a fresh directory beside `target` first, so that tar's own
/// checks keep every entry inside, then its one top-level entry is renamed.
fn unpack_as(archive: &[u8], target: &Path) -> io::Result<()> {
    let parent = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent)?;
    let staging = parent.join(format!(".dockhand-copy-{}", session::random_suffix(8)));
    fs::create_dir(&staging)?;
    let unpacked = tar::Archive::new(archive).unpack(&staging).and_then(|()| {
        let mut top = fs::read_dir(&staging)?;
        match (top.next(), top.next()) {
            (Some(root), None) => fs::rename(root?.path(), target),
            _ => Err(io::Error::other("the engine's archive has no single root")),
        }
    });
    let cleaned = fs::remove_dir_all(&staging);
    unpacked.and(cleaned)
}
