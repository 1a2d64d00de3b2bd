//! Waiting for a message in the container's logs.
//!
//! Only lines of the container's latest run count, so that waiting again
//! after a restart waits for the new run's lines rather than finding the
//! old run's. The cut is the previous run's end (`State.FinishedAt`), not
//! the latest start (`State.StartedAt`): the engine records the start only
//! once the process runs, and its first lines can come before that. The
//! logs are followed, so the wait ends as soon as the line is written.

use std::fmt;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::models::ContainerState;
use regex::Regex;
use tokio::time::Instant;

use super::poll::{patience_builders, poll, still_waiting, Check, Deadline, NotReady, Patience};
use crate::container::Container;
use crate::log_lines::{Lines, LogLine};
use crate::logs::{self, LogsRequest};

/// Waits for a message in the container's logs; see [`Wait::log`] and
/// [`Wait::log_matching`].
///
/// ```
/// use std::time::Duration;
///
/// use dockhand::{LogStream, Wait};
///
/// let wait = Wait::log_matching(r"ready to accept connections")
///     .times(2)
///     .on(LogStream::Stderr)
///     .timeout(Duration::from_secs(30))
///     .poll_interval(Duration::from_millis(250));
/// ```
///
/// [`Wait::log`]: crate::Wait::log
/// [`Wait::log_matching`]: crate::Wait::log_matching
#[derive(Debug, Clone)]
#[must_use = "a wait does nothing until it is passed to ContainerRequest::wait_for"]
pub struct LogWait {
    pattern: Pattern,
    times: usize,
    stream: LogStream,
    patience: Patience,
}

/// Which of a container's output streams a log wait reads.
///
/// ```
/// use dockhand::{LogStream, LogsRequest, Wait};
///
/// // nginx logs its start-up notices on stderr.
/// let ready = Wait::log("start worker process").on(LogStream::Stderr);
/// let complaints = LogsRequest::new().on(LogStream::Stderr).tail(20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    /// Standard output only.
    Stdout,
    /// Standard error only.
    Stderr,
    /// Both.
    Either,
}

/// What a line must contain.
#[derive(Debug, Clone)]
enum Pattern {
    Text(String),
    Regex(Regex),
    /// A regular expression that does not compile: the wait fails with why.
    Invalid {
        pattern: String,
        error: String,
    },
}

impl Pattern {
    fn is_in(&self, line: &str) -> bool {
        match self {
            Pattern::Text(text) => line.contains(text.as_str()),
            Pattern::Regex(regex) => regex.is_match(line),
            Pattern::Invalid { .. } => false,
        }
    }
}

impl LogWait {
    pub(super) fn text(message: String) -> LogWait {
        LogWait::new(Pattern::Text(message))
    }

    pub(super) fn regex(pattern: &str) -> LogWait {
        LogWait::new(match Regex::new(pattern) {
            Ok(regex) => Pattern::Regex(regex),
            Err(error) => Pattern::Invalid {
                pattern: pattern.to_string(),
                error: error.to_string(),
            },
        })
    }

    fn new(pattern: Pattern) -> LogWait {
        LogWait {
            pattern,
            times: 1,
            stream: LogStream::Either,
            patience: Patience::default(),
        }
    }

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

    pub(super) async fn until_ready(
        &self,
        container: &Container,
        deadline: Deadline,
    ) -> Result<(), NotReady> {
        poll(self, self.patience, deadline, |until| {
            self.count(container, until)
        })
        .await
    }

    /// Follows the logs of the latest run until the message has been
    /// seen often enough, the stream ends (the container stopped, or the
    /// engine broke off) or `until` comes.
    async fn count(&self, container: &Container, until: Instant) -> Check {
        if let Pattern::Invalid { error, .. } = &self.pattern {
            return Check::Failed(format!("invalid regular expression: {error}"));
        }
        let previous_run_end = container
            .inspect_state()
            .await
            .and_then(|state| previous_run_end(&state));
        let mut request = LogsRequest::new().on(self.stream).timestamps(true);
        if let Some(end) = previous_run_end {
            request = request.since(end);
        }
        let found = AtomicUsize::new(0);
        let mut lines = Lines::new(counting(&self.pattern, previous_run_end, &found));
        let read = logs::read(
            container.engine(),
            container.id(),
            request.options(true),
            |stream, bytes| {
                lines.feed(stream, bytes);
                if found.load(Ordering::Relaxed) >= self.times {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        );
        // An error ends the stream like the container's end does. Cut short
        // at `until`, the last line may be incomplete: leave it out.
        let ended = tokio::time::timeout_at(until, read).await.is_ok();
        if ended {
            lines.finish();
        }
        let found = found.load(Ordering::Relaxed);
        if found >= self.times {
            return Check::Ready;
        }
        let seen = match found {
            0 => "no matching line".to_string(),
            _ => format!("{found} of {} matching lines", self.times),
        };
        still_waiting(container, seen).await
    }
}

patience_builders!(LogWait);

/// When the run before the running one ended, if the container has been
/// restarted; `None` for a first run (or a run that has ended too).
fn previous_run_end(state: &ContainerState) -> Option<SystemTime> {
    let started = engine_time(state.started_at.as_deref()?)?;
    let finished = engine_time(state.finished_at.as_deref()?)?;
    (finished < started).then_some(finished)
}

/// Counts into `found` the lines, logged after `previous_run_end`, that
/// contain `pattern` (an atomic only so that the wait's future stays
/// `Send`). Lines come with the engine's timestamp in front.
fn counting<'a>(
    pattern: &'a Pattern,
    previous_run_end: Option<SystemTime>,
    found: &'a AtomicUsize,
) -> impl FnMut(LogLine) + 'a {
    move |line| {
        let (time, text) = line.text.split_once(' ').unwrap_or(("", &line.text));
        let earlier_run = match (engine_time(time), previous_run_end) {
            (Some(time), Some(end)) => time <= end,
            _ => false,
        };
        if !earlier_run && pattern.is_in(text) {
            found.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A time as the engine writes it (RFC 3339 in UTC, up to nanoseconds:
/// `2024-05-01T12:00:00.123456789Z`); `None` for another form or a time
/// before 1970 (the engine's "never").
fn engine_time(text: &str) -> Option<SystemTime> {
    let (date, clock) = text.strip_suffix('Z')?.split_once('T')?;
    let mut date = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut clock = clock.splitn(3, ':').map(str::parse::<i64>);
    let (hours, minutes, seconds) = (
        clock.next()?.ok()?,
        clock.next()?.ok()?,
        clock.next()?.ok()?,
    );
    if fraction.len() > 9 || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let nanos = format!("{fraction:0<9}").parse::<u32>().ok()?;
    let days = days_since_epoch(year, month, day);
    let seconds = days * 86_400 + hours * 3_600 + minutes * 60 + seconds;
    Some(UNIX_EPOCH + Duration::new(u64::try_from(seconds).ok()?, nanos))
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar
/// (Howard Hinnant's `days_from_civil`).
fn days_since_epoch(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

impl fmt::Display for LogWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pattern {
            Pattern::Text(text) => write!(f, "log message {text:?}")?,
            Pattern::Regex(regex) => write!(f, "log message matching /{}/", regex.as_str())?,
            Pattern::Invalid { pattern, .. } => write!(f, "log message matching /{pattern}/")?,
        }
        if self.times > 1 {
            write!(f, " {} times", self.times)?;
        }
        match self.stream {
            LogStream::Stdout => f.write_str(" on stdout"),
            LogStream::Stderr => f.write_str(" on stderr"),
            LogStream::Either => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(pattern: &Pattern, previous_run_end: Option<SystemTime>, chunks: &[&[u8]]) -> usize {
        let found = AtomicUsize::new(0);
        let mut lines = Lines::new(counting(pattern, previous_run_end, &found));
        for chunk in chunks {
            lines.feed(LogStream::Stdout, chunk);
        }
        lines.finish();
        found.load(Ordering::Relaxed)
    }

    #[test]
    fn lines_split_across_chunks_still_match() {
        let pattern = Pattern::Text("ready to accept".into());
        let chunks: [&[u8]; 2] = [
            b"2024-05-01T12:00:00.1Z LOG: database system is re",
            b"ady to accept connections\n2024-05-01T12:00:00.2Z LOG: other\n",
        ];
        assert_eq!(count(&pattern, None, &chunks), 1);
    }

    #[test]
    fn each_matching_line_counts_once_and_the_timestamp_is_not_matched() {
        let pattern = Pattern::Text("ready".into());
        let chunks: [&[u8]; 1] = [
            b"2024-05-01T12:00:00Z ready ready\n2024-05-01T12:00:01Z not yet\n2024-05-01T12:00:02Z ready",
        ];
        assert_eq!(count(&pattern, None, &chunks), 2);
        let digits = LogWait::regex(r"^\d").pattern;
        assert_eq!(count(&digits, None, &chunks), 0);
    }

    #[test]
    fn lines_of_an_earlier_run_do_not_count() {
        let restarted = ContainerState {
            started_at: Some("2024-05-01T12:00:00.7Z".into()),
            finished_at: Some("2024-05-01T12:00:00.5Z".into()),
            ..Default::default()
        };
        let end = previous_run_end(&restarted);
        assert_eq!(end, engine_time("2024-05-01T12:00:00.5Z"));
        let pattern = Pattern::Text("ready".into());
        let chunks: [&[u8]; 1] = [b"2024-05-01T12:00:00.499999999Z ready (first run)\n\
              2024-05-01T12:00:00.500000001Z ready (second run, before its start is recorded)\n\
              2024-05-01T12:00:01.25Z ready (second run)\n"];
        assert_eq!(count(&pattern, end, &chunks), 2);
    }

    #[test]
    fn a_first_run_or_an_ended_one_has_no_cut() {
        let first = ContainerState {
            started_at: Some("2024-05-01T12:00:00.7Z".into()),
            finished_at: Some("0001-01-01T00:00:00Z".into()),
            ..Default::default()
        };
        assert_eq!(previous_run_end(&first), None);
        let ended = ContainerState {
            started_at: Some("2024-05-01T12:00:00.7Z".into()),
            finished_at: Some("2024-05-01T12:00:09Z".into()),
            ..Default::default()
        };
        assert_eq!(previous_run_end(&ended), None);
    }

    #[test]
    fn engine_times_are_read_to_the_nanosecond() {
        let time = engine_time("2024-05-01T12:34:56.000000789Z").unwrap();
        let since_epoch = time.duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(since_epoch, Duration::new(1_714_566_896, 789));
        let leap_day = engine_time("2024-02-29T00:00:00Z").unwrap();
        assert_eq!(
            leap_day.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            1_709_164_800
        );
        assert_eq!(engine_time("0001-01-01T00:00:00Z"), None);
        assert_eq!(engine_time("2024-05-01 12:34:56Z"), None);
    }

    #[test]
    fn regexes_match_and_bad_ones_say_why() {
        let wait = LogWait::regex(r"listening on port \d+");
        assert!(wait.pattern.is_in("listening on port 8080"));
        assert!(!wait.pattern.is_in("listening on port soon"));
        assert_eq!(
            wait.to_string(),
            r"log message matching /listening on port \d+/"
        );
        assert!(matches!(
            LogWait::regex("(unclosed").pattern,
            Pattern::Invalid { .. }
        ));
    }

    #[test]
    fn descriptions_name_the_strategy() {
        let wait = LogWait::text("ready".into()).times(2).on(LogStream::Stderr);
        assert_eq!(wait.to_string(), "log message \"ready\" 2 times on stderr");
    }
}
