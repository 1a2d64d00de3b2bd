//! Running a command inside a running container, as `docker exec` does.
//!
//! A test often needs to look inside the service it started: run a client
//! that ships with the image, check a file, or seed data. [`Container::exec`]
//! runs the command to its end and hands back its exit code and its stdout
//! and stderr, kept apart. A command that fails is not an error: its non-zero
//! exit code is the answer the test asked for. Only an engine that refuses
//! (say, because the container has stopped) gives an [`Error`].

use std::future::Future;
use std::time::Duration;

use bollard::exec::StartExecResults;
use bollard::models::ExecConfig;
use futures_util::StreamExt;

use crate::container::Container;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::runtime;

/// How often the exit code is asked for while the engine still reports the
/// command as running after its output has ended.
const EXIT_POLL_INTERVAL: Duration = Duration::from_millis(20);

/// A command to run in a container; see [`Container::exec`].
///
/// ```no_run
/// use dockhand::{ContainerRequest, ExecCommand};
///
/// # async fn demo() -> dockhand::Result<()> {
/// let container = ContainerRequest::new("busybox:1.36")
///     .cmd(["sleep", "3600"])
///     .start()
///     .await?;
/// let output = container
///     .exec(
///         ExecCommand::new(["sh", "-c", "echo \"$GREETING from $(pwd)\""])
///             .env("GREETING", "hello")
///             .working_dir("/tmp"),
///     )
///     .await?;
/// assert_eq!(output.exit_code, 0);
/// assert_eq!(output.stdout, "hello from /tmp\n");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a command does nothing until it is passed to Container::exec"]
pub struct ExecCommand {
    cmd: Vec<String>,
    env: Vec<(String, String)>,
    working_dir: Option<String>,
    user: Option<String>,
}

impl ExecCommand {
    /// The command and its arguments, e.g. `["sh", "-c", "echo hi"]`. It is
    /// not run through a shell unless it names one.
    pub fn new<I, S>(cmd: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ExecCommand {
            cmd: cmd.into_iter().map(Into::into).collect(),
            env: Vec::new(),
            working_dir: None,
            user: None,
        }
    }

    /// Sets an environment variable for the command, on top of the
    /// container's own (a later value for a name wins).
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.env.retain(|(existing, _)| *existing != name);
        self.env.push((name, value.into()));
        self
    }

    /// The directory the command runs in (default: the container's).
    pub fn working_dir(mut self, path: impl Into<String>) -> Self {
        self.working_dir = Some(path.into());
        self
    }

    /// The command and its arguments.
    pub(crate) fn argv(&self) -> &[String] {
        &self.cmd
    }

    /// The user to run as: `name`, `uid`, `name:group` or `uid:gid`
    /// (default: the container's). A name must exist in the image's
    /// `/etc/passwd`; a numeric id need not.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }
}

/// What a command run by [`Container::exec`] left behind.
///
/// ```no_run
/// use dockhand::{Container, ExecCommand};
///
/// # async fn demo(container: Container) -> dockhand::Result<()> {
/// let output = container.exec(ExecCommand::new(["ls", "/missing"])).await?;
/// assert_ne!(output.exit_code, 0); // a failing command is an answer, not an error
/// assert!(output.stderr.contains("No such file"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// The command's exit code; 0 for success. A command the engine cannot
    /// start at all (not found, not executable, unknown user) gives 126,
    /// with the engine's reason on stdout.
    pub exit_code: i64,
    /// Everything it wrote to standard output (invalid UTF-8 replaced).
    pub stdout: String,
    /// Everything it wrote to standard error (invalid UTF-8 replaced).
    pub stderr: String,
}

impl Container {
    /// Runs `command` in the container, waits for it to end, and returns its
    /// exit code and output. A non-zero exit code is an `Ok`; an error means
    /// the engine would not run the command, e.g. because the container is
    /// no longer running.
    pub async fn exec(&self, command: ExecCommand) -> Result<ExecOutput> {
        runtime::run(self.exec_task(command)).await
    }

    /// [`exec`](Self::exec) for code without an async runtime.
    pub fn exec_blocking(&self, command: ExecCommand) -> Result<ExecOutput> {
        runtime::block_on(self.exec_task(command))
    }

    /// The whole exec, owning what it needs, to run on the background runtime.
    fn exec_task(
        &self,
        command: ExecCommand,
    ) -> impl Future<Output = Result<ExecOutput>> + Send + 'static {
        let engine = self.engine().clone();
        let id = self.id().to_string();
        let action = self.action(&format!("run {:?} in", command.cmd));
        async move {
            run_to_end(&engine, &id, command)
                .await
                .map_err(Error::engine(action))
        }
    }
}

async fn run_to_end(
    engine: &Engine,
    container: &str,
    command: ExecCommand,
) -> Result<ExecOutput, bollard::errors::Error> {
    let docker = engine.docker();
    let config = ExecConfig {
        cmd: Some(command.cmd),
        env: Some(
            command
                .env
                .into_iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect(),
        ),
        working_dir: command.working_dir,
        user: command.user,
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        // Without a terminal the engine keeps stdout and stderr apart.
        tty: Some(false),
        ..Default::default()
    };
    let exec = docker.create_exec(container, config).await?;
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    if let StartExecResults::Attached { mut output, .. } = docker.start_exec(&exec.id, None).await?
    {
        while let Some(chunk) = output.next().await {
            match chunk? {
                bollard::container::LogOutput::StdErr { message } => {
                    stderr.extend_from_slice(&message);
                }
                other => stdout.extend_from_slice(other.as_ref()),
            }
        }
    }
    // The output ends when the process closes it, which is usually, but not
    // always, after the engine has recorded its exit code.
    let exit_code = loop {
        let inspect = docker.inspect_exec(&exec.id).await?;
        if inspect.running != Some(true) {
            break inspect.exit_code.unwrap_or(-1);
        }
        tokio::time::sleep(EXIT_POLL_INTERVAL).await;
    };
    Ok(ExecOutput {
        exit_code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}
