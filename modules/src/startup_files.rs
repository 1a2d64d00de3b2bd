//! Files put in place inside a container before its image's entrypoint runs.
//!
//! Official images take their set-up from files: postgres runs the scripts
//! in `/docker-entrypoint-initdb.d` on first start, nginx serves
//! `/usr/share/nginx/html`. Those files must be there before the
//! entrypoint starts, and the [`ContainerRequest`] must carry them, so that
//! the same request can be started alone, on a network, or in a stack.
//!
//! dockhand's requests do not copy files before start (yet), and a bind
//! mount would tie the request to a folder on the engine's own host. So the
//! files travel in the container's environment instead: base64, in chunks
//! that each fit the kernel's limit for one variable (128 KiB). A small `sh`
//! step in front of the image's entrypoint writes them, removes the
//! variables, and hands over to the entrypoint with the same arguments.
//! Everything together must stay under the kernel's limit for a process's
//! arguments and environment (about 2 MiB): plenty for schemas, seed data
//! and a site's test pages, not for data dumps.

use std::fs;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use dockhand::ContainerRequest;

use crate::error::{Error, Result};

/// Raw bytes per environment variable: a multiple of 3, so that each
/// chunk's base64 decodes alone, and 96 KiB once encoded.
const CHUNK_BYTES: usize = 72 * 1024;

/// Writes the files named by `DOCKHAND_FILE_<i>*`, then runs "$@".
const WRITE_THEN_EXEC: &str = r#"set -e
i=0
while eval "test \"\${DOCKHAND_FILE_$i+x}\""; do
	eval "path=\$DOCKHAND_FILE_$i mode=\$DOCKHAND_FILE_${i}_MODE chunks=\$DOCKHAND_FILE_${i}_CHUNKS"
	mkdir -p "${path%/*}/"
	: >"$path"
	j=0
	while [ "$j" -lt "$chunks" ]; do
		eval "printf %s \"\$DOCKHAND_FILE_${i}_$j\"" | base64 -d >>"$path"
		unset "DOCKHAND_FILE_${i}_$j"
		j=$((j + 1))
	done
	chmod "$mode" "$path"
	unset "DOCKHAND_FILE_$i" "DOCKHAND_FILE_${i}_MODE" "DOCKHAND_FILE_${i}_CHUNKS"
	i=$((i + 1))
done
exec "$@""#;

/// Files to write into a container before its entrypoint runs.
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

    /// Puts the files on `request`, in front of the image's `entrypoint`;
    /// without files the request keeps the image's entrypoint untouched.
    /// A request whose entrypoint is replaced no longer gets the image's
    /// command, so the module sets its command itself.
    pub(crate) fn apply(&self, request: ContainerRequest, entrypoint: &[&str]) -> ContainerRequest {
        if self.files.is_empty() {
            return request;
        }
        let mut request = request.entrypoint(
            ["sh", "-c", WRITE_THEN_EXEC, "dockhand-startup-files"]
                .into_iter()
                .chain(entrypoint.iter().copied()),
        );
        for (i, file) in self.files.iter().enumerate() {
            let chunks = file.bytes.chunks(CHUNK_BYTES);
            request = request
                .env(format!("DOCKHAND_FILE_{i}"), &file.path)
                .env(
                    format!("DOCKHAND_FILE_{i}_MODE"),
                    format!("{:o}", file.mode),
                )
                .env(
                    format!("DOCKHAND_FILE_{i}_CHUNKS"),
                    chunks.len().to_string(),
                );
            for (j, chunk) in chunks.enumerate() {
                request = request.env(format!("DOCKHAND_FILE_{i}_{j}"), STANDARD.encode(chunk));
            }
        }
        request
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
