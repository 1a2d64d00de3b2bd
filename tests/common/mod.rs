//! What the integration tests share: an independent view of the engine
//! through the `docker` command line, so that a test of removal does not
//! trust dockhand's own word for it; the busybox requests and commands they
//! run; and the checks they keep making (an error's variant, a removal, a
//! child test process).

#![allow(dead_code, reason = "each test binary uses its own part of this")]

pub mod registry;

use std::io::{BufRead, BufReader, Lines, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dockhand::{Container, ContainerRequest, ExecCommand};

/// The tiny image the generic tests run (sh, sleep, httpd, nc).
pub const BUSYBOX: &str = "busybox:1.36";

/// A [`BUSYBOX`] container that runs `script` with `sh -c`.
pub fn busybox(script: &str) -> ContainerRequest {
    ContainerRequest::new(BUSYBOX).cmd(["sh", "-c", script])
}

/// `script`, to run with `sh -c` in a container.
pub fn sh(script: &str) -> ExecCommand {
    ExecCommand::new(["sh", "-c", script])
}

/// A name no other test, process or run uses, e.g. for an image tag.
pub fn unique(prefix: &str) -> String {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let count = COUNT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{nanos}-{count}", std::process::id())
}

/// The engine's id of a local image, through the `docker` command line;
/// `None` if the engine does not have it.
pub fn image_id(image: &str) -> Option<String> {
    let output = docker_output(&["image", "inspect", "--format", "{{.Id}}", image]);
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Removes local image names through the `docker` command line (the image
/// itself goes with its last name, unless something uses it).
pub fn remove_images(images: &[&str]) {
    docker(&[&["image", "rm", "--force"], images].concat());
}

/// Matches an error against a pattern of `dockhand::Error` and binds what
/// the pattern names, as `let PATTERN = &error else { panic!(..) };` does,
/// or fails the test saying what the error was instead.
///
/// ```ignore
/// let_variant!(error => Error::WaitTimeout { timeout, state, .. });
/// assert_eq!(state, "running");
/// ```
#[allow(unused_macros, reason = "each test binary uses its own part of this")]
macro_rules! let_variant {
    ($error:expr => $pattern:pat) => {
        let error = &$error;
        let $pattern = error else {
            panic!("expected {}, got {error:?}", stringify!($pattern));
        };
    };
}
#[allow(unused_imports, reason = "each test binary uses its own part of this")]
pub(crate) use let_variant;

/// What `tracing` reports on the current thread (and in the dockhand calls
/// made from it), at every level, while this is alive.
pub struct Traced {
    lines: Arc<Mutex<Vec<u8>>>,
    _default: tracing::subscriber::DefaultGuard,
}

impl Traced {
    pub fn start() -> Traced {
        // While only one dispatcher exists, tracing-core caches "no interest"
        // for a callsite that a thread without a subscriber reaches first
        // (tokio-rs/tracing#3611); a second, idle one takes that path away.
        static SECOND: OnceLock<tracing::Dispatch> = OnceLock::new();
        SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&lines);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || SharedWriter(Arc::clone(&writer)))
            .finish();
        Traced {
            lines,
            _default: tracing::subscriber::set_default(subscriber),
        }
    }

    /// Everything reported so far, one event a line.
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.lines.lock().unwrap()).into_owned()
    }
}

struct SharedWriter(Arc<Mutex<Vec<u8>>>);

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether the engine has a container of this name or id.
pub fn container_exists(name: &str) -> bool {
    docker_output(&["container", "inspect", "--format", "{{.Id}}", name])
        .status
        .success()
}

/// Whether the engine has a network of this name or id.
pub fn network_exists(name: &str) -> bool {
    docker_output(&["network", "inspect", "--format", "{{.Id}}", name])
        .status
        .success()
}

/// Waits up to `limit` for `condition` to hold; true if it does.
pub fn within(limit: Duration, condition: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    condition()
}

/// Asserts that the container is gone, or goes within 20 seconds (dockhand
/// removes in the background).
pub fn assert_gone(name: &str) {
    assert!(
        within(Duration::from_secs(20), || !container_exists(name)),
        "{name} is still there"
    );
}

/// The ids of the containers, running or not, that carry every one of
/// `labels` (`key=value` or `key`).
pub fn containers_labelled(labels: &[&str]) -> Vec<String> {
    let filters: Vec<String> = labels
        .iter()
        .map(|label| format!("label={label}"))
        .collect();
    let mut args = vec!["ps", "-aq", "--no-trunc"];
    for filter in &filters {
        args.extend(["--filter", filter]);
    }
    docker(&args).lines().map(str::to_string).collect()
}

/// The labels of a container, as `key=value` lines, each ending in `\n`.
pub fn container_labels(name: &str) -> String {
    let format = "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}\n{{end}}";
    let output = docker_output(&["container", "inspect", "--format", format, name]);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The local image that runs for `reference`: its substitute from the
/// `DOCKHAND_SUBSTITUTIONS` file, if it has one (for a Dockerfile's `FROM`,
/// which no substitution reaches).
pub fn local_image(reference: &str) -> String {
    let substitutes = std::env::var("DOCKHAND_SUBSTITUTIONS")
        .ok()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
    substitutes
        .as_ref()
        .and_then(|file| file["images"][reference].as_str())
        .unwrap_or(reference)
        .to_string()
}

/// Sends `request` over TCP and reads the answer until the peer closes or
/// `until` appears.
pub fn exchange(host: &str, port: u16, request: &[u8], until: &str) -> String {
    use std::io::{Read, Write};
    let mut stream =
        std::net::TcpStream::connect((host, port)).expect("the published port accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains(until) {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// How many containers, networks and volumes carry the session's label.
pub fn session_resources(session: &str) -> usize {
    let filter = format!("label=dockhand.session={session}");
    [
        vec!["ps", "-aq", "--filter", &filter],
        vec!["network", "ls", "-q", "--filter", &filter],
        vec!["volume", "ls", "-q", "--filter", &filter],
    ]
    .iter()
    .map(|args| docker(args).lines().count())
    .sum()
}

/// Waits up to `limit` for the session to have nothing left; returns what is left.
pub fn session_left_after(session: &str, limit: Duration) -> usize {
    let deadline = Instant::now() + limit;
    loop {
        let left = session_resources(session);
        if left == 0 || Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A fresh host directory for one test, removed with everything in it when
/// dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(unique(&format!("dockhand-test-{test}")));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// The directory itself.
    pub fn dir(&self) -> &Path {
        &self.0
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `script` with `sh -c` in `container`: its exit code, stdout and
/// stderr (stdout first, then stderr).
pub async fn sh_in(container: &Container, script: &str) -> (i64, String) {
    let output = container
        .exec(sh(script))
        .await
        .expect("the engine runs the command");
    (
        output.exit_code,
        format!("{}{}", output.stdout, output.stderr),
    )
}

/// What `docker inspect --format FORMAT` says about a container, image,
/// network or volume, trimmed.
pub fn inspect(name: &str, format: &str) -> String {
    docker(&["inspect", "--format", format, name])
}

/// Runs the `docker` command line, which must succeed; returns its trimmed
/// stdout.
pub fn docker(args: &[&str]) -> String {
    let output = docker_output(args);
    assert!(
        output.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Runs the `docker` command line to its end, whatever it answers.
fn docker_output(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("the docker command line runs")
}

/// Whether a reaper process watches `session`: its environment says so.
pub fn reaper_runs_for(session: &str) -> bool {
    let marker = format!("DOCKHAND_REAPER_SESSION={session}");
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        std::fs::read(entry.path().join("environ")).is_ok_and(|environ| {
            environ
                .split(|&b| b == 0)
                .any(|var| var == marker.as_bytes())
        })
    })
}

/// This test binary run again as a child process that runs only the
/// ignored test `test`, with `env`: a test session of its own, for what
/// needs a process of its own (its environment, or its exit).
pub struct ChildTest {
    /// The child process.
    pub process: Child,
    stdin: Option<ChildStdin>,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl ChildTest {
    /// Starts the child, for a test that watches it from outside while it
    /// runs.
    pub fn spawn(test: &str, env: &[(&str, &str)]) -> ChildTest {
        let mut process = ChildTest::command(test, env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the test binary runs");
        ChildTest {
            stdin: process.stdin.take(),
            stdout: BufReader::new(process.stdout.take().unwrap()).lines(),
            process,
        }
    }

    /// Runs the child to its end; panics with its output if its test
    /// failed. Returns what it printed.
    pub fn run(test: &str, env: &[(&str, &str)]) -> String {
        let output = ChildTest::command(test, env)
            .output()
            .expect("the test binary runs");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "child test {test} failed:\n{stdout}\n{stderr}"
        );
        stdout.into_owned()
    }

    /// The command that runs the child, for callers that adjust it.
    pub fn command(test: &str, env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args([
                test,
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .envs(env.iter().copied());
        command
    }

    /// Reads what the child prints up to a `KEY=value` line; returns the
    /// lines before it and the value.
    pub fn read_until(&mut self, key: &str) -> (Vec<String>, String) {
        let marker = format!("{key}=");
        let mut before = Vec::new();
        for line in self.stdout.by_ref() {
            let line = line.unwrap();
            // libtest may print `test NAME ... ` before it on the line.
            match line.split_once(&marker) {
                Some((_, value)) => return (before, value.to_string()),
                None => before.push(line),
            }
        }
        panic!(
            "the child ended before it printed {key}: {:?}",
            self.process.wait()
        );
    }

    /// The value of the next `KEY=value` line the child prints.
    pub fn read(&mut self, key: &str) -> String {
        self.read_until(key).1
    }

    /// Lets a child that waits for it go on (its standard input closes),
    /// and waits for it to end.
    pub fn finish(mut self) -> ExitStatus {
        drop(self.stdin.take());
        // Read to the end, so the child's last words meet no closed pipe.
        self.stdout.by_ref().for_each(drop);
        self.process.wait().unwrap()
    }
}
