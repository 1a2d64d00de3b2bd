//! Security settings: who a container's processes are and what they may do.
//!
//! A test that runs its service the way production does (a non-root user,
//! a read-only root filesystem, only the capabilities it needs) finds the
//! permission bugs before production does. The settings are gathered in
//! one [`Security`] value, given to
//! [`ContainerRequest::security`](crate::ContainerRequest::security).
//! Nothing is privileged unless the request says
//! [`Security::privileged`].

use bollard::models::{ContainerCreateBody, HostConfig};

/// User, root filesystem, capabilities and security options; unset ones
/// are the image's and the engine's defaults.
///
/// ```
/// use dockhand::{ContainerRequest, Mount, Security};
///
/// let request = ContainerRequest::new("nginx:1.22")
///     .security(
///         Security::new()
///             .user("101:101")
///             .read_only_root()
///             .cap_drop("ALL")
///             .cap_add("NET_BIND_SERVICE")
///             .no_new_privileges(),
///     )
///     // A read-only root still needs somewhere to write.
///     .mount(Mount::tmpfs("/tmp"));
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "settings do nothing until passed to ContainerRequest::security"]
pub struct Security {
    user: Option<String>,
    read_only_root: bool,
    cap_add: Vec<String>,
    cap_drop: Vec<String>,
    options: Vec<String>,
    privileged: bool,
}

impl Security {
    /// The image's and the engine's defaults.
    pub fn new() -> Security {
        Security::default()
    }

    /// Runs the container's processes as `user`: a name the image knows,
    /// or numbers (`"1000"`, `"1000:1000"`), which work in any image.
    pub fn user(mut self, user: impl Into<String>) -> Security {
        self.user = Some(user.into());
        self
    }

    /// Mounts the root filesystem read-only: writes fail except to mounts
    /// (add a [`Mount::tmpfs`](crate::Mount::tmpfs) where the service
    /// writes).
    pub fn read_only_root(mut self) -> Security {
        self.read_only_root = true;
        self
    }

    /// Adds a Linux capability, e.g. `"NET_ADMIN"`.
    pub fn cap_add(mut self, capability: impl Into<String>) -> Security {
        self.cap_add.push(capability.into());
        self
    }

    /// Drops a Linux capability, or all of them with `"ALL"` (then add
    /// back what is needed with [`cap_add`](Self::cap_add)).
    pub fn cap_drop(mut self, capability: impl Into<String>) -> Security {
        self.cap_drop.push(capability.into());
        self
    }

    /// Processes cannot gain privileges (through setuid binaries or file
    /// capabilities) beyond those they start with.
    pub fn no_new_privileges(self) -> Security {
        self.option("no-new-privileges:true")
    }

    /// Any security option as `docker run --security-opt` takes it, e.g.
    /// `"seccomp=unconfined"` or `"apparmor=my-profile"`.
    pub fn option(mut self, option: impl Into<String>) -> Security {
        self.options.push(option.into());
        self
    }

    /// Runs privileged: every capability and every device of the host.
    /// Only for tests that need it, such as one running an engine inside.
    pub fn privileged(mut self) -> Security {
        self.privileged = true;
        self
    }

    /// Writes the settings into the engine's create body.
    pub(crate) fn apply(&self, body: &mut ContainerCreateBody, host: &mut HostConfig) {
        let listed = |items: &Vec<String>| (!items.is_empty()).then(|| items.clone());
        body.user.clone_from(&self.user);
        host.readonly_rootfs = Some(self.read_only_root);
        host.cap_add = listed(&self.cap_add);
        host.cap_drop = listed(&self.cap_drop);
        host.security_opt = listed(&self.options);
        host.privileged = Some(self.privileged);
    }
}
