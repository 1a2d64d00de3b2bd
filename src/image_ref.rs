//! Image references: `[registry[:port]/]name[:tag][@digest]`.
//!
//! A reference is parsed before any API call, so a typo such as
//! `Redis:7` or `redis:` fails at once with [`Error::InvalidImageRef`] rather
//! than as an opaque engine refusal after a pull attempt.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

const DEFAULT_REGISTRY: &str = "docker.io";

/// A parsed image reference.
///
/// ```
/// use dockhand::ImageRef;
///
/// let image = ImageRef::parse("postgres:15").unwrap();
/// assert_eq!(image.registry(), "docker.io");
/// assert_eq!(image.repository(), "library/postgres");
/// assert_eq!(image.tag(), Some("15"));
/// assert_eq!(image.to_string(), "postgres:15");
/// assert_eq!(image.canonical(), "docker.io/library/postgres:15");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    registry: Option<String>,
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl ImageRef {
    /// Parses a reference as `docker pull` accepts it. A reference with
    /// neither tag nor digest means the tag `latest`.
    pub fn parse(reference: &str) -> Result<ImageRef> {
        let invalid = |reason: &str| Error::InvalidImageRef {
            reference: reference.to_string(),
            reason: reason.to_string(),
        };
        if reference.is_empty() {
            return Err(invalid("it is empty"));
        }
        if reference.chars().any(char::is_whitespace) {
            return Err(invalid("it contains white space"));
        }

        let (rest, digest) = match reference.split_once('@') {
            Some((rest, digest)) => (rest, Some(parse_digest(digest).map_err(invalid)?)),
            None => (reference, None),
        };

        // A colon after the last slash separates the tag; one before it
        // belongs to a registry's port.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let tag = &rest[last_slash + i + 1..];
                check_tag(tag).map_err(invalid)?;
                (&rest[..last_slash + i], Some(tag.to_string()))
            }
            None => (rest, None),
        };

        let (registry, path) = match name.split_once('/') {
            Some((first, path)) if is_registry(first) => (Some(first.to_string()), path),
            _ => (None, name),
        };
        if registry.as_deref() == Some("") {
            return Err(invalid("the registry is empty"));
        }
        check_path(path).map_err(invalid)?;

        let repository = match registry.as_deref() {
            None | Some(DEFAULT_REGISTRY) if !path.contains('/') => format!("library/{path}"),
            _ => path.to_string(),
        };
        let registry = registry.filter(|r| r != DEFAULT_REGISTRY);
        let tag = if tag.is_none() && digest.is_none() {
            Some("latest".to_string())
        } else {
            tag
        };
        Ok(ImageRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The registry host (and port); `docker.io` when none is written.
    pub fn registry(&self) -> &str {
        self.registry.as_deref().unwrap_or(DEFAULT_REGISTRY)
    }

    /// Whether the reference names no registry of its own (Docker Hub).
    pub fn is_unqualified(&self) -> bool {
        self.registry.is_none()
    }

    /// The repository path in its registry, e.g. `library/redis`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag; `None` only for a reference pinned by digest alone.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest, e.g. `sha256:…`, if the reference pins one.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// The fully qualified form, e.g. `docker.io/library/redis:7`, which is
    /// how two spellings of one image compare equal.
    pub fn canonical(&self) -> String {
        format!("{}/{}{}", self.registry(), self.repository, self.suffix())
    }

    /// The familiar name without tag or digest, e.g. `redis` or
    /// `ghcr.io/org/app`: what a pull asks the registry for.
    pub fn name(&self) -> String {
        match &self.registry {
            Some(registry) => format!("{registry}/{}", self.repository),
            None => self
                .repository
                .strip_prefix("library/")
                .unwrap_or(&self.repository)
                .to_string(),
        }
    }

    /// The same reference with `prefix` (a registry, optionally with a path)
    /// in front of its repository, as a registry mirror serves it.
    pub fn with_prefix(&self, prefix: &str) -> Result<ImageRef> {
        let prefix = prefix.trim_end_matches('/');
        ImageRef::parse(&format!("{prefix}/{}{}", self.repository, self.suffix()))
    }

    /// `:tag`, `@digest`, both, as the reference has them.
    fn suffix(&self) -> String {
        let tag = self.tag.as_ref().map(|tag| format!(":{tag}"));
        let digest = self.digest.as_ref().map(|digest| format!("@{digest}"));
        format!("{}{}", tag.unwrap_or_default(), digest.unwrap_or_default())
    }
}

/// The familiar short form, e.g. `redis:7` or `ghcr.io/org/app:1`.
impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.name(), self.suffix())
    }
}

impl FromStr for ImageRef {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        ImageRef::parse(s)
    }
}

/// A first component names a registry when it looks like a host.
fn is_registry(component: &str) -> bool {
    component.contains('.') || component.contains(':') || component == "localhost"
}

fn check_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("the image name is empty");
    }
    for component in path.split('/') {
        if component.is_empty() {
            return Err("the name has an empty path component");
        }
        if component.chars().any(|c| c.is_ascii_uppercase()) {
            return Err("repository names must be lowercase");
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        if !component.chars().all(allowed) {
            return Err("names may hold only a-z, 0-9, '.', '_' and '-'");
        }
        let starts_and_ends_alnum = component
            .chars()
            .next()
            .zip(component.chars().last())
            .is_some_and(|(a, b)| a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric());
        if !starts_and_ends_alnum {
            return Err("each name component must start and end with a letter or digit");
        }
    }
    Ok(())
}

fn check_tag(tag: &str) -> Result<(), &'static str> {
    let valid_char = |c: char| c.is_ascii_alphanumeric() || "_.-".contains(c);
    match tag.chars().next() {
        None => Err("the tag after ':' is empty"),
        Some(_) if tag.len() > 128 => Err("the tag is longer than 128 characters"),
        Some(first) if first == '.' || first == '-' => {
            Err("the tag must not start with '.' or '-'")
        }
        Some(_) if !tag.chars().all(valid_char) => {
            Err("tags may hold only A-Z, a-z, 0-9, '_', '.' and '-'")
        }
        Some(_) => Ok(()),
    }
}

fn parse_digest(digest: &str) -> Result<String, &'static str> {
    let (algorithm, hex) = digest
        .split_once(':')
        .ok_or("a digest is written algorithm:hex, e.g. sha256:…")?;
    let hex_ok = hex.len() >= 32
        && hex
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
    if algorithm.is_empty() || !hex_ok {
        return Err("a digest is written algorithm:hex with at least 32 lowercase hex digits");
    }
    Ok(digest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_get_hub_defaults() {
        let r = ImageRef::parse("redis").unwrap();
        assert_eq!(r.canonical(), "docker.io/library/redis:latest");
        assert_eq!(r.to_string(), "redis:latest");
        assert!(r.is_unqualified());
    }

    #[test]
    fn registries_with_ports_are_not_tags() {
        let r = ImageRef::parse("localhost:5000/team/app").unwrap();
        assert_eq!(r.registry(), "localhost:5000");
        assert_eq!(r.repository(), "team/app");
        assert_eq!(r.tag(), Some("latest"));
        assert_eq!(r.to_string(), "localhost:5000/team/app:latest");
    }

    #[test]
    fn spellings_of_one_image_compare_equal() {
        let a = ImageRef::parse("postgres:15").unwrap();
        let b = ImageRef::parse("docker.io/library/postgres:15").unwrap();
        assert_eq!(a, b);
        assert_eq!(b.to_string(), "postgres:15");
    }

    #[test]
    fn digests_pin_without_a_tag() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        let r = ImageRef::parse(&format!("ghcr.io/o/app@{digest}")).unwrap();
        assert_eq!(r.tag(), None);
        assert_eq!(r.digest(), Some(digest.as_str()));
        assert_eq!(r.to_string(), format!("ghcr.io/o/app@{digest}"));
    }

    #[test]
    fn prefixes_make_mirror_references() {
        let r = ImageRef::parse("redis:7").unwrap();
        let mirrored = r.with_prefix("mirror.local:5000/hub/").unwrap();
        assert_eq!(
            mirrored.to_string(),
            "mirror.local:5000/hub/library/redis:7"
        );
    }

    #[test]
    fn bad_references_say_why() {
        for (reference, why) in [
            ("", "empty"),
            ("Redis:7", "lowercase"),
            ("redis:", "tag after ':' is empty"),
            ("redis:-x", "must not start"),
            ("redis@sha256:zz", "digest"),
            ("a//b", "empty path component"),
            ("red is", "white space"),
            ("-redis", "start and end"),
        ] {
            let err = ImageRef::parse(reference).unwrap_err().to_string();
            assert!(err.contains(why), "{reference:?}: {err}");
            assert!(err.contains(&format!("`{reference}`")), "{err}");
        }
    }
}
