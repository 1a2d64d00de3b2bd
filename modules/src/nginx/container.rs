//! A running nginx container and its address.

use std::borrow::Borrow;

use dockhand::Container;

/// A started nginx container that has answered HTTP. It owns its container
/// (removed when the handle drops), or borrows one that something else owns
/// (`NginxContainer<&Container>`, for a [`Stack`](dockhand::Stack)'s
/// member).
#[derive(Debug)]
pub struct NginxContainer<C = Container> {
    container: C,
    port: u16,
}

impl<C: Borrow<Container>> NginxContainer<C> {
    pub(crate) fn new(container: C, port: u16) -> Self {
        NginxContainer { container, port }
    }

    /// `http://host:port`, without a trailing slash: append a path.
    pub fn url(&self) -> String {
        format!("http://{}:{}", self.host(), self.port)
    }

    /// The host on which nginx's port is published.
    pub fn host(&self) -> &str {
        self.container().host()
    }

    /// The host port on which nginx listens.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The container, for what dockhand offers on any container (exec,
    /// logs, copy).
    pub fn container(&self) -> &Container {
        self.container.borrow()
    }
}
