//! Reading a container's logs.
//!
//! A test that fails against a service wants to know what the service said,
//! and some tests check what it said. [`Container::logs`] reads what the
//! container has written so far, stdout and stderr kept apart, and a
//! [`LogsRequest`] narrows it down: one stream, the last lines, the lines
//! since a time, with the engine's timestamps. To watch lines as they come,
//! or to show them in a test's output, see [`Container::follow_logs`] and
//! [`Container::print_logs`].

use std::ops::ControlFlow;
use std::time::{SystemTime, UNIX_EPOCH};

use bollard::container::LogOutput;
use bollard::query_parameters::{LogsOptions, LogsOptionsBuilder};
use futures_util::StreamExt;

use crate::container::Container;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::runtime;
use crate::wait::LogStream;

/// How many log lines an error about a container shows.
pub(crate) const ERROR_TAIL_LINES: usize = 20;

/// Which of a container's logs to read; see [`Container::logs`].
///
/// ```no_run
/// use dockhand::{ContainerRequest, LogsRequest};
///
/// # async fn demo() -> dockhand::Result<()> {
/// let container = ContainerRequest::new("busybox:1.36")
///     .cmd(["sh", "-c", "echo starting; echo oops >&2; sleep 3600"])
///     .start()
///     .await?;
/// let logs = container.logs(LogsRequest::new().tail(10)).await?;
/// println!("said {:?}, complained {:?}", logs.stdout, logs.stderr);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a logs request does nothing until it is passed to Container::logs"]
pub struct LogsRequest {
    stream: LogStream,
    tail: Option<usize>,
    since: Option<SystemTime>,
    timestamps: bool,
}

impl LogsRequest {
    /// All lines of both streams, without timestamps.
    pub fn new() -> Self {
        LogsRequest {
            stream: LogStream::Either,
            tail: None,
            since: None,
            timestamps: false,
        }
    }

    /// Reads only one of the streams (default: either).
    pub fn on(mut self, stream: LogStream) -> Self {
        self.stream = stream;
        self
    }

    /// Only the last `lines` lines, counted over the streams read.
    pub fn tail(mut self, lines: usize) -> Self {
        self.tail = Some(lines);
        self
    }

    /// Only lines logged at or after `time`, which the engine takes in
    /// whole seconds: lines up to a second earlier may come too.
    pub fn since(mut self, time: SystemTime) -> Self {
        self.since = Some(time);
        self
    }

    /// Starts each line with the engine's RFC 3339 timestamp and a space,
    /// e.g. `2024-05-01T12:00:00.123456789Z hello`.
    pub fn timestamps(mut self, timestamps: bool) -> Self {
        self.timestamps = timestamps;
        self
    }

    /// The engine's options for this request.
    pub(crate) fn options(&self, follow: bool) -> LogsOptions {
        let mut options = LogsOptionsBuilder::default()
            .follow(follow)
            .stdout(self.stream != LogStream::Stderr)
            .stderr(self.stream != LogStream::Stdout)
            .timestamps(self.timestamps);
        if let Some(lines) = self.tail {
            options = options.tail(&lines.to_string());
        }
        if let Some(time) = self.since {
            let seconds = time
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs());
            options = options.since(i32::try_from(seconds).unwrap_or(i32::MAX));
        }
        options.build()
    }
}

impl Default for LogsRequest {
    fn default() -> Self {
        LogsRequest::new()
    }
}

/// What a container wrote, each stream on its own; see [`Container::logs`].
///
/// ```no_run
/// use dockhand::{Container, LogsRequest};
///
/// # async fn demo(app: Container) -> dockhand::Result<()> {
/// let logs = app.logs(LogsRequest::new()).await?;
/// assert!(!logs.stderr.contains("ERROR"), "the app complained: {}", logs.stderr);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Logs {
    /// Its standard output (invalid UTF-8 replaced).
    pub stdout: String,
    /// Its standard error (invalid UTF-8 replaced).
    pub stderr: String,
}

impl Container {
    /// The container's logs so far, as `request` selects them.
    pub async fn logs(&self, request: LogsRequest) -> Result<Logs> {
        runtime::run(self.logs_task(request)).await
    }

    /// [`logs`](Self::logs) for code without an async runtime.
    pub fn logs_blocking(&self, request: LogsRequest) -> Result<Logs> {
        runtime::block_on(self.logs_task(request))
    }

    fn logs_task(
        &self,
        request: LogsRequest,
    ) -> impl std::future::Future<Output = Result<Logs>> + Send + 'static {
        let (engine, id) = (self.engine().clone(), self.id().to_string());
        let action = self.action("read the logs of");
        async move {
            let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
            read(&engine, &id, request.options(false), |stream, bytes| {
                match stream {
                    LogStream::Stderr => stderr.extend_from_slice(bytes),
                    _ => stdout.extend_from_slice(bytes),
                }
                ControlFlow::Continue(())
            })
            .await
            .map_err(Error::engine(action))?;
            Ok(Logs {
                stdout: String::from_utf8_lossy(&stdout).into_owned(),
                stderr: String::from_utf8_lossy(&stderr).into_owned(),
            })
        }
    }
}

/// Reads the logs `options` select until they end or `each` breaks off,
/// handing each chunk to `each` with the stream it came from (`Stdout` or
/// `Stderr`).
pub(crate) async fn read(
    engine: &Engine,
    container: &str,
    options: LogsOptions,
    mut each: impl FnMut(LogStream, &[u8]) -> ControlFlow<()>,
) -> Result<(), bollard::errors::Error> {
    let mut chunks = engine.docker().logs(container, Some(options));
    while let Some(chunk) = chunks.next().await {
        let flow = match chunk? {
            LogOutput::StdErr { message } => each(LogStream::Stderr, &message),
            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                each(LogStream::Stdout, &message)
            }
            LogOutput::StdIn { .. } => ControlFlow::Continue(()),
        };
        if flow.is_break() {
            break;
        }
    }
    Ok(())
}

/// The last `lines` lines of stdout and stderr, interleaved as written.
pub(crate) async fn tail(engine: &Engine, container: &str, lines: usize) -> String {
    let options = LogsRequest::new().tail(lines).options(false);
    let mut text = String::new();
    let read = read(engine, container, options, |_, bytes| {
        text.push_str(&String::from_utf8_lossy(bytes));
        ControlFlow::Continue(())
    })
    .await;
    if let Err(error) = read {
        text.push_str(&format!("(logs unavailable: {error})"));
    }
    if text.is_empty() {
        "(no output)".to_string()
    } else {
        text
    }
}
