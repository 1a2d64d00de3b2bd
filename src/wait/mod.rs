//! Wait strategies: when a started container counts as ready.
//!
//! A container that is running is not yet a service that answers. A [`Wait`]
//! says what to watch for: a log line, a listening port, an HTTP answer, the
//! engine's healthcheck, a command that succeeds, an exit code, a fixed time,
//! or all of several. Each strategy has its own timeout and poll interval,
//! and [`ContainerRequest::startup_timeout`] bounds them all.
//!
//! A wait that fails says which strategy failed and what it saw last
//! (`HTTP 503`, `connection refused`, `health: starting`, `exit code 3`),
//! with the container's state and last log lines: a container that exits
//! meanwhile fails at once ([`Error::ContainerExited`]), as does one whose
//! healthcheck says `unhealthy` ([`Error::WaitFailed`]); otherwise the
//! timeout runs out ([`Error::WaitTimeout`]).
//!
//! [`ContainerRequest::startup_timeout`]: crate::ContainerRequest::startup_timeout
//! [`Error::ContainerExited`]: crate::Error::ContainerExited
//! [`Error::WaitFailed`]: crate::Error::WaitFailed
//! [`Error::WaitTimeout`]: crate::Error::WaitTimeout

mod duration;
mod exec;
mod exit;
mod health;
mod http;
mod log;
mod poll;
mod port;

use std::fmt;
use std::time::Duration;

use futures_util::future::{try_join_all, BoxFuture};
use futures_util::FutureExt;

pub use self::exec::ExecWait;
pub use self::exit::ExitWait;
pub use self::health::HealthWait;
pub use self::http::HttpWait;
pub use self::log::{LogStream, LogWait};
pub(crate) use self::poll::{Deadline, NotReady, Reason};
pub use self::port::PortWait;
use crate::container::Container;
use crate::exec::ExecCommand;

/// What makes a container ready.
///
/// ```
/// use std::time::Duration;
///
/// use dockhand::{ContainerRequest, Wait};
///
/// // The official postgres image logs this line twice: once for the
/// // temporary server that runs the init scripts, once for the real one.
/// let postgres = ContainerRequest::new("postgres:15")
///     .wait_for(Wait::log("database system is ready to accept connections").times(2));
///
/// // Ready when the port listens and the health endpoint says so.
/// let api = ContainerRequest::new("my-api:test")
///     .expose(8080)
///     .wait_for(Wait::all([
///         Wait::listening().into(),
///         Wait::http("/health")
///             .body_matches(|body| body.contains("\"status\":\"up\""))
///             .timeout(Duration::from_secs(20))
///             .into(),
///     ]));
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Wait {
    /// Ready as soon as it runs.
    #[default]
    Nothing,
    /// Ready when its logs show a message; see [`Wait::log`].
    Log(LogWait),
    /// Ready when TCP ports listen; see [`Wait::listening`].
    Port(PortWait),
    /// Ready when an HTTP(S) request gets the expected answer; see [`Wait::http`].
    Http(HttpWait),
    /// Ready when the engine's healthcheck says so; see [`Wait::healthy`].
    Health(HealthWait),
    /// Ready when a command inside succeeds; see [`Wait::exec`].
    Exec(ExecWait),
    /// Ready when it has exited with a code; see [`Wait::exit`].
    Exit(ExitWait),
    /// Ready after a fixed time; see [`Wait::duration`].
    Duration(Duration),
    /// Ready when every member is; see [`Wait::all`].
    All(Vec<Wait>),
}

impl Wait {
    /// Ready once a log line of stdout or stderr, written since the
    /// container's latest start, contains `message`.
    ///
    /// ```
    /// use dockhand::{LogStream, Wait};
    ///
    /// let wait = Wait::log("ready").times(2).on(LogStream::Stderr);
    /// ```
    pub fn log(message: impl Into<String>) -> LogWait {
        LogWait::text(message.into())
    }

    /// Ready once a log line matches the regular expression `pattern`
    /// (syntax of the `regex` crate). A pattern that does not compile fails
    /// the wait at once, saying why.
    ///
    /// ```
    /// use dockhand::Wait;
    ///
    /// let wait = Wait::log_matching(r"listening on port \d+");
    /// ```
    pub fn log_matching(pattern: &str) -> LogWait {
        LogWait::regex(pattern)
    }

    /// Ready once every TCP port the request exposes listens (or only the
    /// ones named with [`PortWait::port`]): a connection from the host to
    /// the published port is accepted and, where the image has `sh`, the
    /// port is in the container's listening sockets.
    ///
    /// ```
    /// use dockhand::Wait;
    ///
    /// let wait = Wait::listening().port(5432);
    /// ```
    pub fn listening() -> PortWait {
        PortWait::new()
    }

    /// Ready once a request for `path` (e.g. `/health`) on a published port
    /// answers status 200, or as the [`HttpWait`] builder says.
    ///
    /// ```
    /// use dockhand::Wait;
    ///
    /// let wait = Wait::http("/")
    ///     .port(443)
    ///     .accept_self_signed()
    ///     .status(200)
    ///     .body_matches(|body| body.contains("Welcome"));
    /// ```
    pub fn http(path: impl Into<String>) -> HttpWait {
        HttpWait::new(path.into())
    }

    /// Ready once the engine's healthcheck, declared by the request
    /// ([`ContainerRequest::healthcheck`]) or the image, reports `healthy`;
    /// `unhealthy` fails at once.
    ///
    /// ```
    /// use dockhand::{ContainerRequest, Healthcheck, Wait};
    ///
    /// let request = ContainerRequest::new("redis:7")
    ///     .healthcheck(Healthcheck::cmd(["redis-cli", "ping"]))
    ///     .wait_for(Wait::healthy());
    /// ```
    ///
    /// [`ContainerRequest::healthcheck`]: crate::ContainerRequest::healthcheck
    pub fn healthy() -> HealthWait {
        HealthWait::new()
    }

    /// Ready once `command`, run inside the container, exits with code 0.
    ///
    /// ```
    /// use dockhand::{ExecCommand, Wait};
    ///
    /// let wait = Wait::exec(ExecCommand::new(["pg_isready", "-U", "postgres"]));
    /// ```
    pub fn exec(command: ExecCommand) -> ExecWait {
        ExecWait::new(command)
    }

    /// Ready once the container has exited with `code`, for one-shot
    /// containers (a migration, a build step); another code fails at once.
    ///
    /// ```
    /// use dockhand::Wait;
    ///
    /// let wait = Wait::exit(0);
    /// ```
    pub fn exit(code: i64) -> ExitWait {
        ExitWait::new(code)
    }

    /// Ready after `time`, if the container still runs then.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use dockhand::Wait;
    ///
    /// let wait = Wait::duration(Duration::from_millis(500));
    /// ```
    pub fn duration(time: Duration) -> Wait {
        Wait::Duration(time)
    }

    /// Ready once every one of `waits` is; they are watched at the same
    /// time, and the first to fail fails the whole.
    ///
    /// ```
    /// use dockhand::Wait;
    ///
    /// let wait = Wait::all([Wait::log("started").into(), Wait::listening().into()]);
    /// ```
    pub fn all(waits: impl IntoIterator<Item = Wait>) -> Wait {
        Wait::All(waits.into_iter().collect())
    }

    /// Waits until the container is ready, or says which strategy was not
    /// satisfied, why, and what it saw last.
    pub(crate) fn until_ready<'a>(
        &'a self,
        container: &'a Container,
        deadline: Deadline,
    ) -> BoxFuture<'a, Result<(), NotReady>> {
        match self {
            Wait::Nothing => async { Ok(()) }.boxed(),
            Wait::Log(log) => log.until_ready(container, deadline).boxed(),
            Wait::Port(port) => port.until_ready(container, deadline).boxed(),
            Wait::Http(http) => http.until_ready(container, deadline).boxed(),
            Wait::Health(health) => health.until_ready(container, deadline).boxed(),
            Wait::Exec(exec) => exec.until_ready(container, deadline).boxed(),
            Wait::Exit(exit) => exit.until_ready(container, deadline).boxed(),
            Wait::Duration(time) => duration::elapse(container, *time, deadline).boxed(),
            Wait::All(waits) => {
                let each = waits
                    .iter()
                    .map(|wait| wait.until_ready(container, deadline));
                try_join_all(each).map(|all| all.map(drop)).boxed()
            }
        }
    }
}

/// Turns each strategy into a [`Wait`], for [`ContainerRequest::wait_for`]
/// and [`Wait::all`].
///
/// [`ContainerRequest::wait_for`]: crate::ContainerRequest::wait_for
macro_rules! into_wait {
    ($($strategy:ident => $variant:ident),* $(,)?) => {$(
        impl From<$strategy> for Wait {
            fn from(wait: $strategy) -> Wait {
                Wait::$variant(wait)
            }
        }
    )*};
}

into_wait!(
    LogWait => Log,
    PortWait => Port,
    HttpWait => Http,
    HealthWait => Health,
    ExecWait => Exec,
    ExitWait => Exit,
);

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wait::Nothing => f.write_str("nothing"),
            Wait::Log(log) => log.fmt(f),
            Wait::Port(port) => port.fmt(f),
            Wait::Http(http) => http.fmt(f),
            Wait::Health(health) => health.fmt(f),
            Wait::Exec(exec) => exec.fmt(f),
            Wait::Exit(exit) => exit.fmt(f),
            Wait::Duration(time) => write!(f, "a fixed {time:?}"),
            Wait::All(waits) => {
                let waits: Vec<String> = waits.iter().map(Wait::to_string).collect();
                write!(f, "all of [{}]", waits.join("; "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_name_every_member() {
        let wait = Wait::all([
            Wait::log("ready").into(),
            Wait::listening().port(80).into(),
            Wait::healthy().into(),
            Wait::exec(ExecCommand::new(["true"])).into(),
            Wait::exit(0).into(),
            Wait::duration(Duration::from_millis(500)),
        ]);
        assert_eq!(
            wait.to_string(),
            "all of [log message \"ready\"; port 80 listening; healthcheck reporting healthy; \
             command [\"true\"] succeeding; exit with code 0; a fixed 500ms]"
        );
    }
}
