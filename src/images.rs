//! Images on the engine and in registries: whether the engine has one, its
//! labels, pulling, tagging and pushing.
//!
//! Pulls and pushes carry the credentials of the user's Docker config (see
//! [`DockerConfig`]), or of a config given per call, and report their
//! progress through `tracing`. A registry that refuses the credentials is an [`Error::RegistryAuth`]
//! naming registry and image; a tag the registry does not have is an
//! [`Error::ImageNotFound`].

use std::collections::HashMap;

use bollard::auth::DockerCredentials;
use bollard::errors::Error as EngineError;
use bollard::query_parameters::{
    CreateImageOptionsBuilder, PushImageOptionsBuilder, TagImageOptionsBuilder,
};
use futures_util::StreamExt;

use crate::docker_config::DockerConfig;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::image_ref::ImageRef;
use crate::progress::Progress;
use crate::pull_policy::PullPolicy;
use crate::runtime;

/// Words of a registry's answer (through the engine) that mean it refused
/// the credentials, or their absence.
const REFUSED_ACCESS: [&str; 4] = [
    "unauthorized",
    "no basic auth credentials",
    "authentication required",
    "denied",
];

impl Engine {
    /// The labels of a local image, or `None` if the engine does not have
    /// it. No substitution applies: this asks about `image` itself.
    pub async fn image_labels(&self, image: &str) -> Result<Option<HashMap<String, String>>> {
        let image = ImageRef::parse(image)?;
        let engine = self.clone();
        runtime::run(async move { local_labels(&engine, &image, &image.to_string()).await }).await
    }

    /// Pulls `image` from its registry, also when the engine has it, with
    /// the credentials of the user's Docker config.
    ///
    /// Progress goes to `tracing` (target `dockhand::progress`): each
    /// change of a layer's state (`Downloading`, `Pull complete`) is an
    /// `INFO` event, each byte count while it downloads a `DEBUG` event,
    /// with the fields `image`, `layer`, `bytes` and `total`.
    ///
    /// ```no_run
    /// # async fn demo() -> dockhand::Result<()> {
    /// // e.g. with tracing-subscriber: `tracing_subscriber::fmt().init();`
    /// dockhand::Engine::from_env().await?.pull("postgres:16").await?;
    /// // INFO dockhand::progress: pull: Downloading image="postgres:16" layer="…" bytes=… total=…
    /// # Ok(()) }
    /// ```
    pub async fn pull(&self, image: &str) -> Result<()> {
        self.pull_with(image, &DockerConfig::from_env()).await
    }

    /// [`pull`](Self::pull) with the credentials of `config`.
    pub async fn pull_with(&self, image: &str, config: &DockerConfig) -> Result<()> {
        let image = ImageRef::parse(image)?;
        let (engine, config) = (self.clone(), config.clone());
        runtime::run(async move { pull(&engine, &image, &image.to_string(), &config).await }).await
    }

    /// Gives the local image `image` the further name `target`, e.g. a
    /// registry's name for it before a [`push`](Self::push).
    pub async fn tag(&self, image: &str, target: &str) -> Result<()> {
        let source = ImageRef::parse(image)?;
        let target = ImageRef::parse(target)?;
        let Some(tag) = target.tag().map(str::to_string) else {
            return Err(Error::InvalidImageRef {
                reference: target.to_string(),
                reason: "a new name needs a tag, not a digest".to_string(),
            });
        };
        let engine = self.clone();
        runtime::run(async move {
            let options = TagImageOptionsBuilder::default()
                .repo(&target.name())
                .tag(&tag)
                .build();
            match engine
                .docker()
                .tag_image(&source.to_string(), Some(options))
                .await
            {
                Err(EngineError::DockerResponseServerError {
                    status_code: 404,
                    message,
                }) => Err(Error::ImageNotFound {
                    image: source.to_string(),
                    reason: format!("the engine does not have it to tag: {message}"),
                }),
                other => other.map_err(Error::engine(format!("tag {source} as {target}"))),
            }
        })
        .await
    }

    /// Pushes the local image `image` to the registry its name says, with
    /// the credentials of the user's Docker config. Progress goes to
    /// `tracing` as for [`pull`](Self::pull).
    ///
    /// ```no_run
    /// use dockhand::{DockerConfig, Engine, ImageBuild};
    ///
    /// # async fn demo() -> dockhand::Result<()> {
    /// let engine = Engine::from_env().await?;
    /// ImageBuild::new("app:test").context_dir(".").build_on(&engine).await?;
    /// engine.tag("app:test", "registry.internal:5000/team/app:1").await?;
    /// engine.push("registry.internal:5000/team/app:1").await?;
    /// // elsewhere, with the credentials of another Docker config:
    /// let config = DockerConfig::at("/tmp/ci-docker-config");
    /// engine.pull_with("registry.internal:5000/team/app:1", &config).await?;
    /// # Ok(()) }
    /// ```
    pub async fn push(&self, image: &str) -> Result<()> {
        self.push_with(image, &DockerConfig::from_env()).await
    }

    /// [`push`](Self::push) with the credentials of `config`.
    pub async fn push_with(&self, image: &str, config: &DockerConfig) -> Result<()> {
        let image = ImageRef::parse(image)?;
        let (engine, config) = (self.clone(), config.clone());
        runtime::run(async move { push(&engine, &image, &config).await }).await
    }
}

/// Makes sure the engine has `image` as `policy` says. `described` names it
/// in errors (the reference asked for, and its substitute if it has one).
pub(crate) async fn ensure(
    engine: &Engine,
    image: &ImageRef,
    described: &str,
    policy: PullPolicy,
    config: &DockerConfig,
) -> Result<()> {
    if policy == PullPolicy::Always {
        return pull(engine, image, described, config).await;
    }
    match local_labels(engine, image, described).await? {
        Some(_) => Ok(()),
        None if policy == PullPolicy::Never => Err(Error::ImageNotFound {
            image: described.to_string(),
            reason: "the engine does not have it, and the pull policy is Never".to_string(),
        }),
        None => pull(engine, image, described, config).await,
    }
}

/// The labels of the local image, or `None` if the engine does not have it.
async fn local_labels(
    engine: &Engine,
    image: &ImageRef,
    described: &str,
) -> Result<Option<HashMap<String, String>>> {
    match engine.docker().inspect_image(&image.to_string()).await {
        Ok(inspect) => Ok(Some(
            inspect.config.and_then(|c| c.labels).unwrap_or_default(),
        )),
        Err(EngineError::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(None),
        Err(error) => Err(Error::engine(format!("inspect image {described}"))(error)),
    }
}

async fn pull(
    engine: &Engine,
    image: &ImageRef,
    described: &str,
    config: &DockerConfig,
) -> Result<()> {
    let (credentials, access) = credentials(image, described, config).await?;
    // The engine pulls by name plus tag, or by name plus digest.
    let options = CreateImageOptionsBuilder::default()
        .from_image(&image.name())
        .tag(image.digest().or(image.tag()).unwrap_or("latest"))
        .build();
    let mut progress = Progress::new("pull", described);
    let mut stream = engine
        .docker()
        .create_image(Some(options), None, credentials);
    while let Some(message) = stream.next().await {
        let info = message.map_err(|error| {
            refused(image, described, &access, &error).unwrap_or_else(|| Error::ImageNotFound {
                image: described.to_string(),
                reason: format!("pulling it failed: {}", engine_message(&error)),
            })
        })?;
        progress.report(
            info.id.as_deref(),
            info.status.as_deref(),
            info.progress_detail.as_ref(),
        );
    }
    Ok(())
}

async fn push(engine: &Engine, image: &ImageRef, config: &DockerConfig) -> Result<()> {
    let described = image.to_string();
    let (credentials, access) = credentials(image, &described, config).await?;
    let options = image
        .tag()
        .map(|tag| PushImageOptionsBuilder::default().tag(tag).build());
    let mut progress = Progress::new("push", &described);
    let mut stream = engine
        .docker()
        .push_image(&image.name(), options, credentials);
    while let Some(message) = stream.next().await {
        let info = message.map_err(|error| {
            refused(image, &described, &access, &error).unwrap_or_else(|| {
                if engine_message(&error).contains("does not exist locally") {
                    Error::ImageNotFound {
                        image: described.clone(),
                        reason: "the engine does not have it to push".to_string(),
                    }
                } else {
                    Error::engine(format!("push {described}"))(error)
                }
            })
        })?;
        progress.report(None, info.status.as_deref(), info.progress_detail.as_ref());
    }
    Ok(())
}

/// The credentials for `image`'s registry from `config`, and where they
/// came from, for errors. Reading them may run a credential helper, so it
/// runs where blocking is allowed.
async fn credentials(
    image: &ImageRef,
    described: &str,
    config: &DockerConfig,
) -> Result<(Option<DockerCredentials>, String)> {
    let registry = image.registry().to_string();
    let (lookup_config, lookup_registry) = (config.clone(), registry.clone());
    let found =
        tokio::task::spawn_blocking(move || lookup_config.credentials(&lookup_registry)).await;
    let found = found.unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()));
    let file = config.file().display().to_string();
    match found {
        Ok(Some(credentials)) => Ok((Some(credentials), format!("credentials from {file}"))),
        Ok(None) => Ok((None, format!("no credentials for {registry} in {file}"))),
        Err(reason) => Err(Error::RegistryAuth {
            registry,
            image: described.to_string(),
            reason,
        }),
    }
}

/// A registry's refusal of access, if that is what `error` is; `access`
/// says which credentials were offered.
fn refused(image: &ImageRef, described: &str, access: &str, error: &EngineError) -> Option<Error> {
    let message = engine_message(error);
    let lowercase = message.to_lowercase();
    let status = match error {
        EngineError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    };
    // Docker Hub answers "denied" for repositories that do not exist, too.
    let refused = (matches!(status, Some(401 | 403))
        || REFUSED_ACCESS.iter().any(|words| lowercase.contains(words)))
        && !lowercase.contains("does not exist");
    refused.then(|| Error::RegistryAuth {
        registry: image.registry().to_string(),
        image: described.to_string(),
        reason: format!("{message} ({access})"),
    })
}

/// The engine's (or the registry's) own words in `error`.
fn engine_message(error: &EngineError) -> String {
    match error {
        EngineError::DockerResponseServerError { message, .. } => message.clone(),
        EngineError::DockerStreamError { error } => error.clone(),
        other => other.to_string(),
    }
}
