//! Building images from a Dockerfile folder or from files made in memory.
//!
//! A test that needs the service under test as an image builds it here; a
//! machine with no registry builds every image it runs. The build context is
//! packed into a tar archive in memory; the build output goes to `tracing`
//! (target `dockhand::image_build`, one `INFO` event a line, with the field
//! `image`) as it comes; a failing build is an [`Error::BuildFailed`] that
//! carries the build output up to and with the failing step's.
//!
//! Images are shared by name, so a built image outlives the handles of the
//! tests that use it; [`ImageBuild::remove_at_exit`] removes it (all its
//! tags) when the test process exits.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bollard::query_parameters::BuildImageOptionsBuilder;
use futures_util::StreamExt;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::image_ref::ImageRef;
use crate::janitor::{self, Resource};
use crate::runtime;

/// An image to build: a tag, a context and build options.
///
/// ```no_run
/// use dockhand::ImageBuild;
///
/// # async fn demo() -> dockhand::Result<()> {
/// ImageBuild::new("my-app:test")
///     .file("Dockerfile", "FROM busybox:1.36\nCMD [\"echo\", \"hi\"]\n", 0o644)
///     .label("team", "payments")
///     .tag("registry.internal:5000/team/my-app:test")
///     .remove_at_exit()
///     .build()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a build does nothing until `build` is called"]
pub struct ImageBuild {
    tag: String,
    more_tags: Vec<String>,
    remove_at_exit: bool,
    context_dir: Option<PathBuf>,
    files: Vec<(String, Vec<u8>, u32)>,
    dockerfile: String,
    labels: HashMap<String, String>,
    build_args: HashMap<String, String>,
    target: Option<String>,
}

impl ImageBuild {
    /// A build that tags its result `tag`, e.g. `my-app:test`.
    pub fn new(tag: impl Into<String>) -> Self {
        ImageBuild {
            tag: tag.into(),
            more_tags: Vec::new(),
            remove_at_exit: false,
            context_dir: None,
            files: Vec::new(),
            dockerfile: "Dockerfile".to_string(),
            labels: HashMap::new(),
            build_args: HashMap::new(),
            target: None,
        }
    }

    /// Gives the built image a further name, e.g. a registry's name for it.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.more_tags.push(tag.into());
        self
    }

    /// Removes the built image (every tag this build gave it) when the
    /// test process exits normally, after the containers that use it.
    pub fn remove_at_exit(mut self) -> Self {
        self.remove_at_exit = true;
        self
    }

    /// Uses the files of folder `dir` as the build context.
    pub fn context_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.context_dir = Some(dir.into());
        self
    }

    /// Adds a file made in memory to the context (it wins over a file of
    /// the same path in the folder), with its Unix permission bits.
    pub fn file(
        mut self,
        path: impl Into<String>,
        contents: impl Into<Vec<u8>>,
        mode: u32,
    ) -> Self {
        self.files.push((path.into(), contents.into(), mode));
        self
    }

    /// The Dockerfile's path in the context (default `Dockerfile`).
    pub fn dockerfile(mut self, path: impl Into<String>) -> Self {
        self.dockerfile = path.into();
        self
    }

    /// Puts a label on the built image.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Sets a build argument (`ARG` in the Dockerfile).
    pub fn build_arg(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.build_args.insert(name.into(), value.into());
        self
    }

    /// Builds only up to the stage named `stage`.
    pub fn target(mut self, stage: impl Into<String>) -> Self {
        self.target = Some(stage.into());
        self
    }

    /// Builds on the engine from the environment; returns the build output.
    pub async fn build(self) -> Result<String> {
        runtime::run(async move { self.run(&Engine::from_env().await?).await }).await
    }

    /// Builds on `engine`; returns the build output.
    pub async fn build_on(self, engine: &Engine) -> Result<String> {
        let engine = engine.clone();
        runtime::run(async move { self.run(&engine).await }).await
    }

    async fn run(self, engine: &Engine) -> Result<String> {
        ImageRef::parse(&self.tag)?;
        let more_tags = (self.more_tags.iter())
            .map(|tag| ImageRef::parse(tag))
            .collect::<Result<Vec<_>>>()?;
        let failed = |message: String, output: &str| Error::BuildFailed {
            image: self.tag.clone(),
            message,
            output: output.to_string(),
        };
        let context = self
            .archive()
            .map_err(|error| failed(format!("packing the context: {error}"), ""))?;
        let mut options = BuildImageOptionsBuilder::default()
            .t(&self.tag)
            .dockerfile(&self.dockerfile)
            .rm(true)
            .forcerm(true)
            .labels(&self.labels)
            .buildargs(&self.build_args);
        if let Some(target) = &self.target {
            options = options.target(target);
        }
        let mut stream = engine.docker().build_image(
            options.build(),
            None,
            Some(bollard::body_full(context.into())),
        );
        let mut output = String::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(info) => {
                    if let Some(detail) = info.error_detail.and_then(|detail| detail.message) {
                        return Err(failed(detail, &output));
                    }
                    let text = info.stream.unwrap_or_default();
                    for line in text.lines().filter(|line| !line.trim().is_empty()) {
                        tracing::info!(image = self.tag, "{line}");
                    }
                    output.push_str(&text);
                }
                Err(error) => return Err(failed(error.to_string(), &output)),
            }
        }
        if self.remove_at_exit {
            janitor::remove_at_exit(engine.clone(), Resource::Image(self.tag.clone()));
        }
        for tag in more_tags {
            engine.tag(&self.tag, &tag.to_string()).await?;
            if self.remove_at_exit {
                janitor::remove_at_exit(engine.clone(), Resource::Image(tag.to_string()));
            }
        }
        Ok(output)
    }

    /// The build context as an uncompressed tar archive.
    fn archive(&self) -> std::io::Result<Vec<u8>> {
        let mut archive = tar::Builder::new(Vec::new());
        archive.follow_symlinks(false);
        if let Some(dir) = &self.context_dir {
            append_dir(&mut archive, dir, &self.files)?;
        }
        for (path, contents, mode) in &self.files {
            let mut header = tar::Header::new_gnu();
            header.set_size(contents.len() as u64);
            header.set_mode(*mode);
            header.set_mtime(0);
            archive.append_data(&mut header, path, contents.as_slice())?;
        }
        archive.into_inner()
    }
}

/// Appends the folder's files, less those replaced by in-memory ones.
fn append_dir(
    archive: &mut tar::Builder<Vec<u8>>,
    dir: &Path,
    replaced: &[(String, Vec<u8>, u32)],
) -> std::io::Result<()> {
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            let relative = path.strip_prefix(dir).unwrap_or(&path);
            if replaced
                .iter()
                .any(|(name, _, _)| Path::new(name) == relative)
            {
                continue;
            }
            if path.is_dir() {
                archive.append_dir(relative, &path)?;
                pending.push(path);
            } else {
                archive.append_path_with_name(&path, relative)?;
            }
        }
    }
    Ok(())
}
