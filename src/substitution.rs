//! Image substitution: run official references on other images, explicitly.
//!
//! Code and modules keep naming the official images (`postgres:15`). Where
//! those cannot be pulled (an air-gapped CI, a registry mirror, locally built
//! stand-ins), the file named by `DOCKHAND_SUBSTITUTIONS` says what to run
//! instead. It is JSON:
//!
//! ```json
//! {
//!   "images": { "postgres:15": "dockhand-standin/postgres:15" },
//!   "registry_prefix": "mirror.internal:5000/hub"
//! }
//! ```
//!
//! `images` maps one reference to another; spellings of one image match
//! (`redis:7` and `docker.io/library/redis:7`). `registry_prefix`, if given,
//! is put in front of every other Docker Hub reference. Both keys are
//! optional. Without the variable nothing is substituted. Error messages name
//! both the reference asked for and the one that ran.

use std::collections::HashMap;

use once_cell::sync::Lazy;

use crate::error::{Error, Result};
use crate::image_ref::ImageRef;

/// The environment variable that names the substitution file.
pub const SUBSTITUTIONS_ENV: &str = "DOCKHAND_SUBSTITUTIONS";

#[derive(Debug, Default)]
struct Substitutions {
    images: HashMap<String, ImageRef>,
    registry_prefix: Option<String>,
}

type Loaded = Result<Substitutions, (String, String)>;

static LOADED: Lazy<Loaded> = Lazy::new(|| match std::env::var(SUBSTITUTIONS_ENV) {
    Ok(path) if !path.is_empty() => load(&path).map_err(|reason| (path, reason)),
    _ => Ok(Substitutions::default()),
});

/// The image to run for `image`, after the process's substitutions.
pub(crate) fn resolve(image: &ImageRef) -> Result<ImageRef> {
    let substitutions = LOADED
        .as_ref()
        .map_err(|(path, reason)| Error::Substitutions {
            path: path.clone(),
            reason: reason.clone(),
        })?;
    substitutions.resolve(image)
}

impl Substitutions {
    fn resolve(&self, image: &ImageRef) -> Result<ImageRef> {
        if let Some(target) = self.images.get(&image.canonical()) {
            return Ok(target.clone());
        }
        match &self.registry_prefix {
            Some(prefix) if image.is_unqualified() => image.with_prefix(prefix),
            _ => Ok(image.clone()),
        }
    }
}

fn load(path: &str) -> Result<Substitutions, String> {
    let text = std::fs::read_to_string(path).map_err(|error| error.to_string())?;
    parse(&text)
}

fn parse(text: &str) -> Result<Substitutions, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|error| error.to_string())?;
    let mut substitutions = Substitutions::default();
    if let Some(images) = json.get("images") {
        let images = images.as_object().ok_or("`images` must be an object")?;
        for (from, to) in images {
            let to = to
                .as_str()
                .ok_or(format!("`images.{from}` must be a string"))?;
            let from = ImageRef::parse(from).map_err(|error| error.to_string())?;
            let to = ImageRef::parse(to).map_err(|error| error.to_string())?;
            substitutions.images.insert(from.canonical(), to);
        }
    }
    if let Some(prefix) = json.get("registry_prefix") {
        let prefix = prefix
            .as_str()
            .ok_or("`registry_prefix` must be a string")?;
        substitutions.registry_prefix = Some(prefix.to_string());
    }
    Ok(substitutions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(reference: &str) -> ImageRef {
        ImageRef::parse(reference).unwrap()
    }

    #[test]
    fn maps_every_spelling_of_an_image() {
        let subs = parse(r#"{"images": {"postgres:15": "dockhand-standin/postgres:15"}}"#).unwrap();
        for asked in [
            "postgres:15",
            "library/postgres:15",
            "docker.io/library/postgres:15",
        ] {
            assert_eq!(
                subs.resolve(&image(asked)).unwrap().to_string(),
                "dockhand-standin/postgres:15"
            );
        }
        assert_eq!(
            subs.resolve(&image("postgres:16")).unwrap().to_string(),
            "postgres:16"
        );
    }

    #[test]
    fn prefixes_only_docker_hub_references() {
        let subs = parse(r#"{"registry_prefix": "127.0.0.1:5000/hub"}"#).unwrap();
        assert_eq!(
            subs.resolve(&image("redis:7")).unwrap().to_string(),
            "127.0.0.1:5000/hub/library/redis:7"
        );
        assert_eq!(
            subs.resolve(&image("ghcr.io/o/a:1")).unwrap().to_string(),
            "ghcr.io/o/a:1"
        );
    }

    #[test]
    fn exact_entries_win_over_the_prefix() {
        let subs = parse(r#"{"images": {"redis:7": "local/redis:7"}, "registry_prefix": "m.io"}"#)
            .unwrap();
        assert_eq!(
            subs.resolve(&image("redis:7")).unwrap().to_string(),
            "local/redis:7"
        );
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        assert!(parse("{").is_err());
        assert!(parse(r#"{"images": []}"#).unwrap_err().contains("`images`"));
        assert!(parse(r#"{"images": {"Bad:1": "x"}}"#)
            .unwrap_err()
            .contains("`Bad:1`"));
        assert!(parse(r#"{"registry_prefix": 1}"#)
            .unwrap_err()
            .contains("registry_prefix"));
    }
}
