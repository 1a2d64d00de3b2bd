//! Shared fixtures: one container for all the tests of a test binary.
//!
//! A container per test pays its start in every test. A server that tests
//! can share without seeing each other's data (a database or a key prefix
//! per test) needs starting once. A [`Shared`] in a `static` starts it on
//! first use, from whichever test comes first; every other test waits for
//! that one start instead of making its own. It works the same from every
//! `#[tokio::test]` (each on its own runtime: the start runs on dockhand's
//! background runtime, so it survives the test that began it) and from
//! plain `#[test]`s with [`Shared::get_blocking`].
//!
//! The value can be anything that holds dockhand handles: a [`Container`],
//! a [`Stack`], a module's handle, or a struct of several. A `static` is
//! never dropped; what it holds is removed when the test process exits (the
//! [janitor](crate::janitor)'s exit hook), or by the
//! [reaper](crate::reaper) if the process is killed.
//!
//! A start that fails fails every test that uses the fixture with the same
//! [`Error::SharedFixture`], which names the `static` and carries the
//! start's error; it is not tried again. What the failed start created is
//! removed.
//!
//! [`Container`]: crate::Container
//! [`Stack`]: crate::Stack

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::error::{Error, Result};
use crate::runtime;

/// The start of a shared fixture: `Box::pin` of a future that makes the
/// value, such as `ContainerRequest::start()` or an `async` block.
pub type SharedStart<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

/// A value started once, on first use, and shared by every test of the
/// process; declare it in a `static` (see the [module docs](crate::shared)).
///
/// ```no_run
/// use dockhand::{Container, ContainerRequest, Shared, Wait};
///
/// static REDIS: Shared<Container> = Shared::new(|| {
///     Box::pin(
///         ContainerRequest::new("redis:7")
///             .expose(6379)
///             .wait_for(Wait::log("Ready to accept connections"))
///             .start(),
///     )
/// });
///
/// #[tokio::test]
/// async fn one_test() -> dockhand::Result<()> {
///     let redis = REDIS.get().await?;
///     let address = (redis.host(), redis.host_port(6379)?);
///     Ok(())
/// }
///
/// #[test]
/// fn another_test() -> dockhand::Result<()> {
///     let redis = REDIS.get_blocking()?; // the same container
///     Ok(())
/// }
/// ```
pub struct Shared<T> {
    start: fn() -> SharedStart<T>,
    declared_at: &'static Location<'static>,
    started: OnceCell<Result<T, Arc<Error>>>,
}

impl<T: Send + Sync + 'static> Shared<T> {
    /// A fixture that `start` makes when a test first asks for it.
    #[track_caller]
    pub const fn new(start: fn() -> SharedStart<T>) -> Self {
        Shared {
            start,
            declared_at: Location::caller(),
            started: OnceCell::const_new(),
        }
    }

    /// The value, started by the first caller; the others wait for it.
    /// Works from any async runtime.
    pub async fn get(&'static self) -> Result<&'static T> {
        let started = match self.started.get() {
            Some(started) => started,
            None => runtime::run(self.start_once()).await,
        };
        self.outcome(started)
    }

    /// [`get`](Self::get) for code without an async runtime, such as a
    /// plain `#[test]`.
    pub fn get_blocking(&'static self) -> Result<&'static T> {
        let started = match self.started.get() {
            Some(started) => started,
            None => runtime::block_on(self.start_once()),
        };
        self.outcome(started)
    }

    /// Starts the value unless a start has already ended or is under way,
    /// in which case it waits for that start's end.
    async fn start_once(&'static self) -> &'static Result<T, Arc<Error>> {
        self.started
            .get_or_init(|| async { (self.start)().await.map_err(Arc::new) })
            .await
    }

    fn outcome(&self, started: &'static Result<T, Arc<Error>>) -> Result<&'static T> {
        started.as_ref().map_err(|error| Error::SharedFixture {
            declared_at: self.declared_at.to_string(),
            source: Arc::clone(error),
        })
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("declared_at", &self.declared_at.to_string())
            .field("started", &self.started.get())
            .finish()
    }
}
