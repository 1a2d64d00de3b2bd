//! When the image of a container is pulled.
//!
//! Most tests want the image the engine has, pulled once (the default).
//! A test of a moving tag (`:latest`, `:main`, a tag CI pushes again) wants
//! the registry's current image every time; an offline or air-gapped run
//! wants never to reach a registry and to fail at once, naming the image,
//! when the engine lacks it.

/// Whether starting a container pulls its image.
///
/// ```no_run
/// use dockhand::{ContainerRequest, PullPolicy};
///
/// # async fn demo() -> dockhand::Result<()> {
/// let app = ContainerRequest::new("registry.internal:5000/team/app:main")
///     .pull_policy(PullPolicy::Always)
///     .start()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum PullPolicy {
    /// Pull only when the engine does not have the image (the default).
    #[default]
    IfMissing,
    /// Pull before every start, so that a tag pushed again is current.
    Always,
    /// Never pull: an image the engine does not have is an
    /// [`Error::ImageNotFound`](crate::Error::ImageNotFound), and no
    /// registry is contacted.
    Never,
}
