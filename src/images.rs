//! Images on the engine: whether it has one, its labels, and pulling.
//!
//! ```no_run
//! # async fn demo() -> dockhand::Result<()> {
//! let engine = dockhand::Engine::from_env().await?;
//! if engine.image_labels("redis:7").await?.is_none() {
//!     engine.pull("redis:7").await?;
//! }
//! # Ok(()) }
//! ```

use std::collections::HashMap;

use bollard::query_parameters::CreateImageOptionsBuilder;
use futures_util::TryStreamExt;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::image_ref::ImageRef;
use crate::runtime;

impl Engine {
    /// The labels of a local image, or `None` if the engine does not have
    /// it. No substitution applies: this asks about `image` itself.
    pub async fn image_labels(&self, image: &str) -> Result<Option<HashMap<String, String>>> {
        let image = ImageRef::parse(image)?;
        let engine = self.clone();
        runtime::run(async move { local_labels(&engine, &image, &image.to_string()).await }).await
    }

    /// Pulls `image` from its registry, also when the engine has it.
    pub async fn pull(&self, image: &str) -> Result<()> {
        let image = ImageRef::parse(image)?;
        let engine = self.clone();
        runtime::run(async move { pull(&engine, &image, &image.to_string()).await }).await
    }
}

/// Pulls `image` unless the engine already has it. `described` names it in
/// errors (the reference asked for, and its substitute if it has one).
pub(crate) async fn ensure(engine: &Engine, image: &ImageRef, described: &str) -> Result<()> {
    match local_labels(engine, image, described).await? {
        Some(_) => Ok(()),
        None => pull(engine, image, described).await,
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
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(None),
        Err(error) => Err(Error::engine(format!("inspect image {described}"))(error)),
    }
}

async fn pull(engine: &Engine, image: &ImageRef, described: &str) -> Result<()> {
    // The engine pulls by name plus tag, or by name plus digest.
    let options = CreateImageOptionsBuilder::default()
        .from_image(&image.name())
        .tag(image.digest().or(image.tag()).unwrap_or("latest"))
        .build();
    engine
        .docker()
        .create_image(Some(options), None, None)
        .try_for_each(|_| async { Ok(()) })
        .await
        .map_err(|error| Error::ImageNotFound {
            image: described.to_string(),
            reason: format!("it is not on the engine, and pulling it failed: {error}"),
        })
}
