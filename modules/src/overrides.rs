//! What every module lets a test change: the image, its tag, the
//! container's environment, and how long it may take to be ready.
//!
//! A module names the official image (`postgres:15`, `redis:7`,
//! `nginx:1.22`); a test may run another tag, a mirror's copy, or an image
//! of its own built on the official one, and may set any environment
//! variable. The environment a test sets is applied last, so it wins over
//! the module's own.

use std::time::Duration;

use dockhand::{ContainerRequest, DEFAULT_STARTUP_TIMEOUT};

/// The overrides of a module.
#[derive(Debug, Clone)]
pub(crate) struct Overrides {
    pub(crate) name: String,
    pub(crate) tag: String,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) startup_timeout: Duration,
}

impl Overrides {
    /// The official image `name:tag`, unchanged.
    pub(crate) fn new(name: &str, tag: &str) -> Overrides {
        Overrides {
            name: name.to_string(),
            tag: tag.to_string(),
            env: Vec::new(),
            startup_timeout: DEFAULT_STARTUP_TIMEOUT,
        }
    }

    /// A request for the image, to which the module adds its own settings.
    pub(crate) fn request(&self) -> ContainerRequest {
        ContainerRequest::new(format!("{}:{}", self.name, self.tag))
            .startup_timeout(self.startup_timeout)
    }

    /// Applies the test's environment on top of the module's.
    pub(crate) fn finish(&self, request: ContainerRequest) -> ContainerRequest {
        self.env
            .iter()
            .fold(request, |request, (name, value)| request.env(name, value))
    }
}

/// The builder methods `image`, `tag`, `env` and `startup_timeout`, the
/// same on every module (each has a field `overrides: Overrides`).
macro_rules! override_methods {
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

        /// How long the container may take to be ready by its request's
        /// wait (default 60 s); a module that then checks with a client of
        /// its own (postgres, redis) gives the check as long again.
        pub fn startup_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.overrides.startup_timeout = timeout;
            self
        }
    };
}

pub(crate) use override_methods;
