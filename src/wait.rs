//! Wait strategies: when a started container counts as ready.
//!
//! A container that is running is not yet a service that answers. A [`Wait`]
//! says what to watch for; [`ContainerRequest::startup_timeout`] bounds it.
//! While waiting, a container that exits fails the start at once with its
//! exit code and last log lines, rather than at the end of the timeout.
//!
//! ```
//! use dockhand::{ContainerRequest, Wait};
//!
//! // The official postgres image logs this line twice: once for the
//! // temporary server that runs the init scripts, once for the real one.
//! let request = ContainerRequest::new("postgres:15")
//!     .wait_for(Wait::log("database system is ready to accept connections").times(2));
//! ```
//!
//! [`ContainerRequest::startup_timeout`]: crate::ContainerRequest::startup_timeout

use std::fmt;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::engine::Engine;
use crate::log_lines::{Lines, LogLine};
use crate::logs::{self, LogsRequest};

/// What makes a container ready.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Wait {
    /// Ready as soon as it runs.
    #[default]
    Nothing,
    /// Ready when its logs show a message.
    Log(LogWait),
}

impl Wait {
    /// Ready once a log line of stdout or stderr contains `message`.
    pub fn log(message: impl Into<String>) -> LogWait {
        LogWait {
            message: message.into(),
            times: 1,
            stream: LogStream::Either,
        }
    }
}

/// Waits for a message in the container's logs; see [`Wait::log`].
#[derive(Debug, Clone)]
pub struct LogWait {
    message: String,
    times: usize,
    stream: LogStream,
}

/// Which of a container's output streams a log wait reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    /// Standard output only.
    Stdout,
    /// Standard error only.
    Stderr,
    /// Both.
    Either,
}

impl LogWait {
    /// Ready only after `times` lines contain the message (default 1).
    pub fn times(mut self, times: usize) -> Self {
        self.times = times.max(1);
        self
    }

    /// Reads only one of the output streams (default: either).
    pub fn on(mut self, stream: LogStream) -> Self {
        self.stream = stream;
        self
    }
}

impl From<LogWait> for Wait {
    fn from(wait: LogWait) -> Wait {
        Wait::Log(wait)
    }
}

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wait::Nothing => f.write_str("nothing"),
            Wait::Log(log) => {
                write!(f, "log message {:?}", log.message)?;
                if log.times > 1 {
                    write!(f, " {} times", log.times)?;
                }
                match log.stream {
                    LogStream::Stdout => f.write_str(" on stdout"),
                    LogStream::Stderr => f.write_str(" on stderr"),
                    LogStream::Either => Ok(()),
                }
            }
        }
    }
}

/// Why a wait ended without the container being ready.
#[derive(Debug)]
pub(crate) enum NotReady {
    /// The container stopped; it will not become ready.
    Stopped,
}

impl Wait {
    /// Waits until the container is ready. Unbounded: the caller applies
    /// the startup timeout.
    pub(crate) async fn until_ready(
        &self,
        engine: &Engine,
        container: &str,
    ) -> Result<(), NotReady> {
        match self {
            Wait::Nothing => Ok(()),
            Wait::Log(log) => log.until_seen(engine, container).await,
        }
    }
}

impl LogWait {
    async fn until_seen(&self, engine: &Engine, container: &str) -> Result<(), NotReady> {
        loop {
            if self.count_in_logs(engine, container).await >= self.times {
                return Ok(());
            }
            // The log stream ends when the container stops, and on rare
            // engine hiccups; only the first means it will never be ready.
            if !is_running(engine, container).await {
                return Err(NotReady::Stopped);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Follows the logs from the start until the message has been seen
    /// `times` times or the stream ends; returns how often it was seen.
    async fn count_in_logs(&self, engine: &Engine, container: &str) -> usize {
        let found = AtomicUsize::new(0);
        let mut lines = Lines::new(counting(&self.message, &found));
        let options = LogsRequest::new().on(self.stream).options(true);
        // An error ends the stream like the container's end does.
        let _ = logs::read(engine, container, options, |stream, bytes| {
            lines.feed(stream, bytes);
            if found.load(Ordering::Relaxed) >= self.times {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .await;
        // A last line may have had no newline.
        lines.finish();
        found.load(Ordering::Relaxed)
    }
}

/// Counts into `found` the lines that contain `message` (an atomic only
/// so that the wait's future stays `Send`).
fn counting<'a>(message: &'a str, found: &'a AtomicUsize) -> impl FnMut(LogLine) + 'a {
    move |line| {
        if line.text.contains(message) {
            found.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn is_running(engine: &Engine, container: &str) -> bool {
    let inspect = engine.docker().inspect_container(container, None).await;
    inspect
        .ok()
        .and_then(|inspect| inspect.state?.running)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_chunks_still_match() {
        let found = AtomicUsize::new(0);
        let mut lines = Lines::new(counting("ready to accept", &found));
        lines.feed(LogStream::Stdout, b"LOG: database system is re");
        lines.feed(
            LogStream::Stdout,
            b"ady to accept connections\nLOG: other\n",
        );
        assert_eq!(found.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn each_matching_line_counts_once() {
        let found = AtomicUsize::new(0);
        let mut lines = Lines::new(counting("ready", &found));
        lines.feed(LogStream::Stderr, b"ready ready\nnot yet\nready");
        assert_eq!(found.load(Ordering::Relaxed), 1);
        lines.finish();
        assert_eq!(found.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn descriptions_name_the_strategy() {
        let wait: Wait = Wait::log("ready").times(2).on(LogStream::Stderr).into();
        assert_eq!(wait.to_string(), "log message \"ready\" 2 times on stderr");
    }
}
