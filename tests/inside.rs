//! Looking inside a running container: exec, copies in and out, and logs,
//! each checked by its effect on a real container.

mod common;

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use common::{busybox, sh, Scratch, BUSYBOX};
use dockhand::{
    Container, ContainerRequest, Error, ExecCommand, LogLine, LogStream, LogsRequest, Wait,
};

/// A busybox container that runs until it is removed.
async fn idle() -> Container {
    ContainerRequest::new(BUSYBOX)
        .cmd(["sleep", "3600"])
        .start()
        .await
        .unwrap()
}

/// A busybox container that runs `script`, ready once it has printed `last`.
async fn logging(script: &str, last: &str) -> Container {
    let container = busybox(&format!("{script}; sleep 3600"))
        .wait_for(Wait::log(last))
        .start()
        .await
        .unwrap();
    // stdout and stderr reach the engine through separate pipes: a line on
    // one may be logged a moment after a later line on the other.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    container
}

fn write(path: &Path, contents: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

// --- exec ---------------------------------------------------------------

#[tokio::test]
async fn exec_returns_the_exit_code_also_when_the_command_fails() {
    let container = idle().await;
    let ok = container.exec(ExecCommand::new(["true"])).await.unwrap();
    assert_eq!(ok.exit_code, 0, "{ok:?}");
    let failed = container.exec(sh("exit 7")).await.unwrap();
    assert_eq!(failed.exit_code, 7, "{failed:?}");
    let missing = container
        .exec(ExecCommand::new(["/no/such/tool"]))
        .await
        .unwrap();
    assert_eq!(missing.exit_code, 126, "{missing:?}");
    assert!(missing.stdout.contains("/no/such/tool"), "{missing:?}");
}

#[tokio::test]
async fn exec_keeps_stdout_and_stderr_apart() {
    let container = idle().await;
    let output = container
        .exec(sh("echo out1; echo err1 >&2; echo out2; echo err2 >&2"))
        .await
        .unwrap();
    assert_eq!(output.stdout, "out1\nout2\n");
    assert_eq!(output.stderr, "err1\nerr2\n");
    assert_eq!(output.exit_code, 0);
}

#[tokio::test]
async fn exec_applies_environment_working_dir_and_user() {
    let container = ContainerRequest::new(BUSYBOX)
        .cmd(["sleep", "3600"])
        .env("FROM_CONTAINER", "kept")
        .start()
        .await
        .unwrap();
    let output = container
        .exec(
            sh("echo \"$GREETING $FROM_CONTAINER\"; pwd; id -u; id -g")
                .env("GREETING", "first")
                .env("GREETING", "hello")
                .working_dir("/tmp")
                .user("1234:5678"),
        )
        .await
        .unwrap();
    assert_eq!(
        output.stdout, "hello kept\n/tmp\n1234\n5678\n",
        "{output:?}"
    );

    let default = container.exec(sh("pwd; id -u")).await.unwrap();
    assert_eq!(default.stdout, "/\n0\n");
}

#[tokio::test]
async fn exec_in_a_stopped_container_is_an_engine_error() {
    let container = ContainerRequest::new(BUSYBOX)
        .cmd(["true"])
        .start()
        .await
        .unwrap();
    let mut error = None;
    for _ in 0..100 {
        match container.exec(ExecCommand::new(["true"])).await {
            Err(refused) => {
                error = Some(refused);
                break;
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    match error {
        Some(Error::Engine { action, .. }) => {
            assert!(action.contains(container.name()), "{action}");
        }
        other => panic!("expected an engine error, got {other:?}"),
    }
}

#[test]
fn exec_and_logs_work_without_an_async_runtime() {
    let container = busybox("echo started; sleep 3600")
        .wait_for(Wait::log("started"))
        .start_blocking()
        .unwrap();
    let output = container.exec_blocking(sh("echo blocking")).unwrap();
    assert_eq!(output.stdout, "blocking\n");
    let logs = container.logs_blocking(LogsRequest::new()).unwrap();
    assert_eq!(logs.stdout, "started\n");
}

// --- copies ---------------------------------------------------------------

#[tokio::test]
async fn bytes_copied_in_keep_their_mode_and_parents_are_made() {
    let container = idle().await;
    let script = "#!/bin/sh\necho \"greetings from $0\"\n";
    container
        .copy_bytes_in("/opt/tools/greet", script, 0o755)
        .await
        .unwrap();
    let run = container
        .exec(ExecCommand::new(["/opt/tools/greet"]))
        .await
        .unwrap();
    assert_eq!(run.exit_code, 0, "{run:?}");
    assert_eq!(run.stdout, "greetings from /opt/tools/greet\n");

    container
        .copy_bytes_in("/opt/tools/plain", script, 0o640)
        .await
        .unwrap();
    let listing = container
        .exec(sh("stat -c '%a %u %g' /opt/tools/greet /opt/tools/plain"))
        .await
        .unwrap();
    assert_eq!(listing.stdout, "755 0 0\n640 0 0\n");
    let refused = container
        .exec(ExecCommand::new(["/opt/tools/plain"]))
        .await
        .unwrap();
    assert_eq!(refused.exit_code, 126, "not executable: {refused:?}");
}

#[tokio::test]
async fn a_copy_never_replaces_a_directory_with_a_file_or_the_root() {
    let container = idle().await;
    container.exec(sh("echo kept > /tmp/kept")).await.unwrap();
    for path in ["/tmp", "/"] {
        let result = container.copy_bytes_in(path, "flat", 0o644).await;
        assert!(
            matches!(&result, Err(Error::CopyFailed { path: failed, .. }) if failed == path),
            "{path}: {result:?}"
        );
    }
    let still = container.exec(sh("cat /tmp/kept")).await.unwrap();
    assert_eq!(still.stdout, "kept\n", "{still:?}");
}

#[tokio::test]
async fn a_host_file_and_directory_copied_in_show_up() {
    let scratch = Scratch::new("copy-in");
    write(&scratch.path("site/index.html"), "<h1>fixture</h1>\n");
    write(&scratch.path("site/assets/app.js"), "console.log(1)\n");
    write(&scratch.path("app.conf"), "port = 8080\n");
    let container = idle().await;

    container
        .copy_in(scratch.path("site"), "/srv/www")
        .await
        .unwrap();
    container
        .copy_in(scratch.path("app.conf"), "/etc/app/settings.conf")
        .await
        .unwrap();
    let output = container
        .exec(sh(
            "cat /srv/www/index.html /srv/www/assets/app.js /etc/app/settings.conf; \
             stat -c '%u' /srv/www/assets/app.js",
        ))
        .await
        .unwrap();
    assert_eq!(
        output.stdout, "<h1>fixture</h1>\nconsole.log(1)\nport = 8080\n0\n",
        "{output:?}"
    );
}

#[tokio::test]
async fn a_file_written_inside_is_copied_out() {
    let container = idle().await;
    let wrote = container
        .exec(sh("printf 'line one\\nline two\\n' > /tmp/report.txt"))
        .await
        .unwrap();
    assert_eq!(wrote.exit_code, 0, "{wrote:?}");
    let contents = container.copy_bytes_out("/tmp/report.txt").await.unwrap();
    assert_eq!(contents, b"line one\nline two\n");

    let scratch = Scratch::new("file-out");
    let target = scratch.path("nested/copy.txt");
    container
        .copy_out("/tmp/report.txt", &target)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(target).unwrap(),
        "line one\nline two\n"
    );
}

#[tokio::test]
async fn a_directory_copied_out_has_its_files() {
    let container = idle().await;
    container
        .exec(sh(
            "mkdir -p /tmp/results/sub && echo one > /tmp/results/one.txt \
             && echo two > /tmp/results/sub/two.txt",
        ))
        .await
        .unwrap();
    let scratch = Scratch::new("dir-out");
    let target = scratch.path("results-copy");
    container.copy_out("/tmp/results", &target).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(target.join("one.txt")).unwrap(),
        "one\n"
    );
    assert_eq!(
        std::fs::read_to_string(target.join("sub/two.txt")).unwrap(),
        "two\n"
    );
    let mut left: Vec<_> = std::fs::read_dir(scratch.path(""))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    left.sort();
    assert_eq!(left, ["results-copy"], "no staging directory is left");
}

#[tokio::test]
async fn a_missing_path_is_a_copy_error_naming_container_and_path() {
    let container = idle().await;
    let scratch = Scratch::new("missing");

    let out = container.copy_bytes_out("/no/such/file").await;
    let to_host = container
        .copy_out("/no/such/dir", scratch.path("copy"))
        .await;
    let from_host = container
        .copy_in(scratch.path("absent"), "/tmp/absent")
        .await;
    let directory = container.copy_bytes_out("/tmp").await;
    for (result, path) in [
        (out.map(drop), "/no/such/file"),
        (to_host, "/no/such/dir"),
        (from_host, "/tmp/absent"),
        (directory.map(drop), "/tmp"),
    ] {
        match result {
            Err(Error::CopyFailed {
                container: name,
                path: failed,
                reason,
            }) => {
                assert_eq!(name, container.name());
                assert_eq!(failed, path);
                assert!(!reason.is_empty());
            }
            other => panic!("expected CopyFailed for {path}, got {other:?}"),
        }
    }
    let error = container.copy_bytes_out("/no/such/file").await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("/no/such/file") && message.contains(container.name()),
        "{message}"
    );
}

// --- logs -----------------------------------------------------------------

#[tokio::test]
async fn logs_keep_stdout_and_stderr_apart() {
    let container = logging("echo out1; echo err1 >&2; echo out2", "out2").await;
    let logs = container.logs(LogsRequest::new()).await.unwrap();
    assert_eq!(logs.stdout, "out1\nout2\n");
    assert_eq!(logs.stderr, "err1\n");

    let only_stderr = container
        .logs(LogsRequest::new().on(LogStream::Stderr))
        .await
        .unwrap();
    assert_eq!(only_stderr.stdout, "");
    assert_eq!(only_stderr.stderr, "err1\n");
}

#[tokio::test]
async fn tail_gives_the_last_lines() {
    let container = logging("for i in 1 2 3 4 5; do echo line$i; done", "line5").await;
    let logs = container.logs(LogsRequest::new().tail(2)).await.unwrap();
    assert_eq!(logs.stdout, "line4\nline5\n");
}

#[tokio::test]
async fn timestamps_start_each_line_with_an_rfc3339_time() {
    let container = logging("echo first; echo second >&2", "second").await;
    let logs = container
        .logs(LogsRequest::new().timestamps(true))
        .await
        .unwrap();
    for (text, stream) in [("first", &logs.stdout), ("second", &logs.stderr)] {
        let line = stream.strip_suffix('\n').unwrap();
        let (time, rest) = line.split_once(' ').unwrap();
        assert_eq!(rest, text);
        assert!(is_rfc3339(time), "{time:?} in {line:?}");
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]` then `Z` or `±HH:MM`.
fn is_rfc3339(time: &str) -> bool {
    let bytes = time.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:dd";
    if bytes.len() < shape.len() + 1 {
        return false;
    }
    let fixed = shape.iter().zip(bytes).all(|(want, got)| match want {
        b'd' => got.is_ascii_digit(),
        other => other == got,
    });
    let mut rest = &time[shape.len()..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &fraction[digits..];
    }
    fixed && (rest == "Z" || (rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-'))))
}

#[tokio::test]
async fn since_leaves_out_older_lines() {
    // Three seconds apart, so a cut 1.5 s before `new` is seen falls
    // between the two even at the engine's whole-second precision.
    let container = logging("echo old; sleep 3; echo new", "new").await;
    let since = SystemTime::now() - Duration::from_millis(1500);
    let logs = container
        .logs(LogsRequest::new().since(since))
        .await
        .unwrap();
    assert_eq!(logs.stdout, "new\n");
    let all = container.logs(LogsRequest::new()).await.unwrap();
    assert_eq!(all.stdout, "old\nnew\n");
}

#[tokio::test]
async fn follow_sees_lines_printed_after_it_started_until_the_container_goes() {
    let container = logging("echo before", "before").await;
    let (lines, seen) = mpsc::channel();
    container.follow_logs(LogsRequest::new(), move |line| {
        let _ = lines.send(line);
    });
    let next = || seen.recv_timeout(Duration::from_secs(10)).unwrap();
    // The first line comes from before the call: from here on, following
    // is under way, and what comes next was printed after it started.
    assert_eq!(next(), line(LogStream::Stdout, "before"));

    // PID 1's stdout and stderr are the container's logs.
    container
        .exec(sh("echo after > /proc/1/fd/1; echo late > /proc/1/fd/2"))
        .await
        .unwrap();
    let mut later = [next(), next()];
    later.sort_by_key(|line| line.text.clone());
    assert_eq!(
        later,
        [
            line(LogStream::Stdout, "after"),
            line(LogStream::Stderr, "late")
        ]
    );

    container.remove().await.unwrap();
    assert_eq!(
        seen.recv_timeout(Duration::from_secs(10)),
        Err(mpsc::RecvTimeoutError::Disconnected),
        "following ends with the container"
    );
}

fn line(stream: LogStream, text: &str) -> LogLine {
    LogLine {
        stream,
        text: text.to_string(),
    }
}

/// Set in the child process that `print_logs_go_to_the_calling_tests_output`
/// runs; the child test then prints a container's logs and fails, so that
/// libtest shows what it captured for that test.
const PRINT_LOGS_CHILD: &str = "DOCKHAND_PRINT_LOGS_CHILD";

#[tokio::test]
async fn print_logs_child() {
    if std::env::var_os(PRINT_LOGS_CHILD).is_none() {
        return; // only meaningful in the child process
    }
    let container = logging("echo hello; echo oops >&2", "oops").await;
    println!("container {}", container.name());
    container.print_logs(LogsRequest::new()).await.unwrap();
    panic!("failing on purpose to show the captured output");
}

#[test]
fn print_logs_go_to_the_calling_tests_output() {
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["print_logs_child", "--exact", "--test-threads=1"])
        .env(PRINT_LOGS_CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&child.stdout);
    let section = stdout
        .split_once("---- print_logs_child stdout ----")
        .map(|(_, captured)| captured)
        .unwrap_or_else(|| panic!("no captured output for the child test:\n{stdout}"));
    let name = section
        .lines()
        .find_map(|line| line.strip_prefix("container "))
        .unwrap_or_else(|| panic!("{section}"));
    assert!(section.contains(&format!("[{name}] hello\n")), "{section}");
    assert!(
        section.contains(&format!("[{name} stderr] oops\n")),
        "{section}"
    );
}
