//! A container's logs line by line: followed as they are written, or printed
//! into the output of the test that asks.
//!
//! [`Container::follow_logs`] calls back for each line until the container
//! stops, from dockhand's background runtime, while the test goes on.
//! [`Container::print_logs`] prints the lines logged so far, each prefixed
//! with the container's name, with `println!` from the calling task, so
//! that the test harness captures them with the test's own output: shown
//! when the test fails (or with `--nocapture`), kept quiet when it passes.
//!
//! Why not print as lines arrive? libtest captures `println!` per thread,
//! and a thread inherits the capture of the thread that spawned it.
//! dockhand's background threads are spawned once, by whichever test first
//! needed them, so a `println!` there lands in *that* test's output, or in
//! none, not in the test that follows the logs. A `follow_logs` callback
//! that must show lines live should therefore write to `std::io::stderr()`
//! directly, which is never captured (and so always shown, interleaved with
//! other tests), or send the lines to the test, as [`LogLine`] shows.

use std::mem;
use std::ops::ControlFlow;

use crate::container::Container;
use crate::error::{Error, Result};
use crate::logs::{self, LogsRequest};
use crate::runtime;
use crate::wait::LogStream;

/// One line of a container's output.
///
/// ```no_run
/// use std::sync::mpsc;
/// use std::time::Duration;
///
/// use dockhand::{ContainerRequest, LogsRequest};
///
/// # async fn demo() -> dockhand::Result<()> {
/// let container = ContainerRequest::new("busybox:1.36")
///     .cmd(["sh", "-c", "sleep 1; echo ready; sleep 3600"])
///     .start()
///     .await?;
/// let (lines, seen) = mpsc::channel();
/// container.follow_logs(LogsRequest::new(), move |line| {
///     let _ = lines.send(line.text);
/// });
/// assert_eq!(seen.recv_timeout(Duration::from_secs(10)).unwrap(), "ready");
/// container.print_logs(LogsRequest::new().tail(50)).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Where it was written: [`LogStream::Stdout`] or [`LogStream::Stderr`].
    pub stream: LogStream,
    /// The line without its line break (invalid UTF-8 replaced), after the
    /// timestamp if the request asked for them.
    pub text: String,
}

impl Container {
    /// Calls `each` for every line `request` selects, from the first one up
    /// to the container's end (or its removal), on dockhand's background
    /// runtime; returns at once. Lines logged before the call come first,
    /// unless the request's [`tail`](LogsRequest::tail) or
    /// [`since`](LogsRequest::since) leaves them out. Following stops
    /// quietly if the engine breaks off.
    ///
    /// `each` runs on a dockhand thread, where the test harness does not
    /// capture `println!` for the calling test: to see lines live, write to
    /// `std::io::stderr()` directly; to check them, send them to the test.
    pub fn follow_logs(&self, request: LogsRequest, each: impl FnMut(LogLine) + Send + 'static) {
        let (engine, id) = (self.engine().clone(), self.id().to_string());
        runtime::spawn(async move {
            let mut lines = Lines::new(each);
            let _broken_off = logs::read(&engine, &id, request.options(true), |stream, bytes| {
                lines.feed(stream, bytes);
                ControlFlow::Continue(())
            })
            .await;
            lines.finish();
        });
    }

    /// Prints the lines `request` selects, logged so far, into the calling
    /// test's captured output: `[NAME] line` for stdout, `[NAME stderr] line`
    /// for stderr, in the order written.
    pub async fn print_logs(&self, request: LogsRequest) -> Result<()> {
        let (engine, id) = (self.engine().clone(), self.id().to_string());
        let action = self.action("read the logs of");
        let lines = runtime::run(async move {
            let mut lines = Vec::new();
            let mut splitter = Lines::new(|line| lines.push(line));
            let read = logs::read(&engine, &id, request.options(false), |stream, bytes| {
                splitter.feed(stream, bytes);
                ControlFlow::Continue(())
            })
            .await;
            splitter.finish();
            read.map(|()| lines).map_err(Error::engine(action))
        })
        .await?;
        for line in lines {
            match line.stream {
                LogStream::Stderr => println!("[{} stderr] {}", self.name(), line.text),
                _ => println!("[{}] {}", self.name(), line.text),
            }
        }
        Ok(())
    }
}

/// Cuts both streams' chunks into lines. Each stream has its own buffer, so
/// a line split across chunks comes out whole.
pub(crate) struct Lines<F> {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    each: F,
}

impl<F: FnMut(LogLine)> Lines<F> {
    pub(crate) fn new(each: F) -> Self {
        Lines {
            stdout: Vec::new(),
            stderr: Vec::new(),
            each,
        }
    }

    pub(crate) fn feed(&mut self, stream: LogStream, bytes: &[u8]) {
        let partial = match stream {
            LogStream::Stderr => &mut self.stderr,
            _ => &mut self.stdout,
        };
        partial.extend_from_slice(bytes);
        while let Some(end) = partial.iter().position(|&byte| byte == b'\n') {
            let line: Vec<u8> = partial.drain(..=end).collect();
            (self.each)(line_of(stream, &line));
        }
    }

    /// Hands on what is left: last lines that had no line break.
    pub(crate) fn finish(mut self) {
        for (stream, rest) in [
            (LogStream::Stdout, mem::take(&mut self.stdout)),
            (LogStream::Stderr, mem::take(&mut self.stderr)),
        ] {
            if !rest.is_empty() {
                (self.each)(line_of(stream, &rest));
            }
        }
    }
}

fn line_of(stream: LogStream, bytes: &[u8]) -> LogLine {
    let text = String::from_utf8_lossy(bytes);
    LogLine {
        stream,
        text: text.trim_end_matches(['\n', '\r']).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_chunks_come_out_whole_per_stream() {
        let mut seen = Vec::new();
        let mut lines = Lines::new(|line: LogLine| seen.push((line.stream, line.text)));
        lines.feed(LogStream::Stdout, b"hel");
        lines.feed(LogStream::Stderr, b"oops\r\nhalf");
        lines.feed(LogStream::Stdout, b"lo\nworld\n");
        lines.finish();
        assert_eq!(
            seen,
            [
                (LogStream::Stderr, "oops".to_string()),
                (LogStream::Stdout, "hello".to_string()),
                (LogStream::Stdout, "world".to_string()),
                (LogStream::Stderr, "half".to_string()),
            ]
        );
    }
}
