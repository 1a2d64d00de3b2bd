//! What every module lets a test change: the image, its tag, and the
//! container's environment.
//!
//! A module names the official image (`postgres:15`, `redis:7`,
//! `nginx:1.22`); a test may run another tag, a mirror's copy, or an image
//! of its own built on the official one, and may set any environment
//! variable. The environment a test sets is applied last, so it wins over
//! the module's own.

use dockhand::ContainerRequest;

/// The image and environment overrides of a module.
#[derive(Debug, Clone)]
pub(crate) struct ImageOverrides {
    pub(crate) name: String,
    pub(crate) tag: String,
    pub(crate) env: Vec<(String, String)>,
}

impl ImageOverrides {
    /// The official image `name:tag`, unchanged.
    pub(crate) fn new(name: &str, tag: &str) -> ImageOverrides {
        ImageOverrides {
            name: name.to_string(),
            tag: tag.to_string(),
            env: Vec::new(),
        }
    }

    /// A request for the image, to which the module adds its own settings.
    pub(crate) fn request(&self) -> ContainerRequest {
        ContainerRequest::new(format!("{}:{}", self.name, self.tag))
    }

    /// Applies the test's environment on top of the module's.
    pub(crate) fn finish(&self, request: ContainerRequest) -> ContainerRequest {
        self.env
            .iter()
            .fold(request, |request, (name, value)| request.env(name, value))
    }
}

/// The builder methods `image`, `tag` and `env`, the same on every module
/// (each has a field `overrides: ImageOverrides`).
macro_rules! image_override_methods {
    () => {
        /// Runs another image instead of the official one (a name without
        /// tag, e.g. `mirror.internal/library/postgres`). It must keep the
        /// official image's contract: environment, ports, log lines.
        pub fn image(mut self, name: impl Into<String>) -> Self {
            self.overrides.name = name.into();
            self
        }

        /// Runs another tag of the image.
        pub fn tag(mut self, tag: impl Into<String>) -> Self {
            self.overrides.tag = tag.into();
            self
        }

        /// Sets an environment variable of the container; it wins over the
        /// module's own.
        pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
            self.overrides.env.push((name.into(), value.into()));
            self
        }
    };
}

pub(crate) use image_override_methods;
