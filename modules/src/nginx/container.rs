//! A running nginx container and its address.

use dockhand::Container;

/// A started nginx container that has answered HTTP; removed when dropped.
#[derive(Debug)]
pub struct NginxContainer {
    container: Container,
    port: u16,
}

impl NginxContainer {
    pub(crate) fn new(container: Container, port: u16) -> Self {
        NginxContainer { container, port }
    }

    /// `http://host:port`, without a trailing slash: append a path.
    pub fn url(&self) -> String {
        format!("http://{}:{}", self.host(), self.port)
    }

    /// The host on which nginx's port is published.
    pub fn host(&self) -> &str {
        self.container.host()
    }

    /// The host port on which nginx listens.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The container, for what dockhand offers on any container (exec,
    /// logs, copy).
    pub fn container(&self) -> &Container {
        &self.container
    }
}
