//! Progress of pulls and pushes, reported through `tracing`.
//!
//! A pull of a large image takes minutes; a test that seems to hang while
//! it runs should say why. Every pull and push reports to `tracing` (target
//! `dockhand::progress`): each change of a layer's state (`Downloading`,
//! `Pull complete`, `Pushed`) is an `INFO` event, each byte count while a
//! layer moves a `DEBUG` event, both with the fields `image`, `layer`,
//! `bytes` (so far) and `total`. Messages about the whole image (`Digest:
//! …`) come without a layer, and so do a push's (the engine API client
//! does not pass the layer of a push message on). Any subscriber shows
//! them (see [`Engine::pull`](crate::Engine::pull)).

use std::collections::HashMap;

use bollard::models::ProgressDetail;

/// The states of one pull's or push's layers, to tell a change of state
/// from more bytes.
pub(crate) struct Progress<'a> {
    action: &'static str,
    image: &'a str,
    states: HashMap<String, String>,
}

impl<'a> Progress<'a> {
    /// The progress of `action` (`pull` or `push`) of `image`.
    pub(crate) fn new(action: &'static str, image: &'a str) -> Self {
        Progress {
            action,
            image,
            states: HashMap::new(),
        }
    }

    /// Reports one message of the engine's progress stream: `INFO` when it
    /// changes the state of its layer (or of the image), else `DEBUG`.
    pub(crate) fn report(
        &mut self,
        layer: Option<&str>,
        status: Option<&str>,
        detail: Option<&ProgressDetail>,
    ) {
        let (action, image) = (self.action, self.image);
        let Some(status) = status else { return };
        let bytes = detail.and_then(|detail| detail.current);
        let total = detail.and_then(|detail| detail.total);
        let previous = self
            .states
            .insert(layer.unwrap_or_default().to_string(), status.to_string());
        if previous.as_deref() == Some(status) {
            tracing::debug!(image, layer, bytes, total, "{action}: {status}");
        } else {
            tracing::info!(image, layer, bytes, total, "{action}: {status}");
        }
    }
}
