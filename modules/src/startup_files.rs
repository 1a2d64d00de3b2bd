//! Files put in place inside a container before its image's entrypoint runs.
//!
//! Official images take their set-up from files: postgres runs the scripts
//! in `/docker-entrypoint-initdb.d` on first start, nginx serves
//! `/usr/share/nginx/html`. The [`ContainerRequest`] carries them
//! ([`ContainerRequest::copy_bytes_in`]: copied between the engine's create
//! and start), so that the same request can be started alone, on a network
//! or in a stack.
//!
//! Host files are read when the module is told about them, so that a
//! missing one is an error at that call, and each file gets the mode the
//! module chooses rather than the host's: a file from a private temporary
//! folder must still be readable by the image's unprivileged workers.

use std::fs;
use std::path::Path;

use dockhand::ContainerRequest;

use crate::error::{Error, Result};

/// Files to copy into a container before it starts.
#[derive(Clone, Default)]
pub(crate) struct StartupFiles {
    files: Vec<StartupFile>,
}

#[derive(Clone)]
struct StartupFile {
    path: String,
    bytes: Vec<u8>,
    mode: u32,
}

impl StartupFiles {
    /// How many files there are.
    #[cfg(feature = "postgres")]
    pub(crate) fn len(&self) -> usize {
        self.files.len()
    }

    /// Adds a file at the absolute `path` with permission bits `mode`; a
    /// later file at the same path replaces it.
    pub(crate) fn add(&mut self, path: String, bytes: Vec<u8>, mode: u32) {
        self.files.retain(|file| file.path != path);
        self.files.push(StartupFile { path, bytes, mode });
    }

    /// Adds every file under the host folder `dir` below `target`, keeping
    /// the folder's layout.
    #[cfg(feature = "nginx")]
    pub(crate) fn add_dir(&mut self, dir: &Path, target: &str, mode: u32) -> Result<()> {
        let entries = fs::read_dir(dir).map_err(host_file(dir))?;
        for entry in entries {
            let path = entry.map_err(host_file(dir))?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let inside = format!("{}/{name}", target.trim_end_matches('/'));
            if path.is_dir() {
                self.add_dir(&path, &inside, mode)?;
            } else {
                self.add(inside, read(&path)?, mode);
            }
        }
        Ok(())
    }

    /// Puts the files on `request`, to be copied in before it starts.
    pub(crate) fn apply(&self, request: ContainerRequest) -> ContainerRequest {
        self.files.iter().fold(request, |request, file| {
            request.copy_bytes_in(&file.path, file.bytes.clone(), file.mode)
        })
    }
}

/// The contents are left out: they may be large, and may hold secrets.
impl std::fmt::Debug for StartupFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.files.iter().map(|file| &file.path))
            .finish()
    }
}

/// Reads a host file, naming it in the error.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(host_file(path))
}

fn host_file(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::HostFile {
        path: path.to_path_buf(),
        source,
    }
}
