//! Stopping, starting, pausing and signalling a running container, as
//! `docker stop`, `start`, `restart`, `pause`, `kill` and `wait` do.
//!
//! Tests of failover, reconnection and shutdown need a service that goes
//! away and comes back. A [`Container`] keeps its name, data and
//! configuration across a stop and a start; what may change is where it is
//! reached: the engine publishes its ports on new random host ports at each
//! start, and [`Container::host_port`] follows. [`Container::start`] and
//! [`Container::restart`] return once the container is ready again by the
//! request's [`Wait`](crate::Wait), within its startup timeout, just as the
//! first start did. The handle is only borrowed, so a container shared by
//! several tests (say, in a `static`) can be restarted by one of them.
//!
//! Each call has a `_blocking` twin for code without an async runtime. An
//! engine that refuses (say, to pause a stopped container) gives an
//! [`Error::Engine`](crate::Error::Engine) naming the action and container.

use std::io;
use std::time::Duration;

use bollard::query_parameters::{
    KillContainerOptionsBuilder, RestartContainerOptionsBuilder, StopContainerOptionsBuilder,
    WaitContainerOptionsBuilder,
};
use futures_util::StreamExt;

use crate::container::Container;
use crate::error::{Error, Result};
use crate::runtime;

impl Container {
    /// Stops the container: its stop signal (SIGTERM unless the image says
    /// otherwise), then SIGKILL if it is still running after `timeout`
    /// (taken in whole seconds, rounded up). Stopping a stopped container
    /// does nothing. Its host ports are released; [`start`](Self::start)
    /// publishes them again.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// use dockhand::{ContainerRequest, Wait};
    ///
    /// # async fn demo() -> dockhand::Result<()> {
    /// let redis = ContainerRequest::new("redis:7")
    ///     .expose(6379)
    ///     .wait_for(Wait::log("Ready to accept connections"))
    ///     .start()
    ///     .await?;
    /// redis.stop(Duration::from_secs(5)).await?;
    /// // … check that the client under test notices …
    /// redis.start().await?;
    /// let port = redis.host_port(6379)?; // maybe not the port it had before
    ///
    /// let job = ContainerRequest::new("busybox:1.36")
    ///     .cmd(["sh", "-c", "sleep 1; exit 3"])
    ///     .start()
    ///     .await?;
    /// assert_eq!(job.wait_for_exit().await?, 3);
    /// # Ok(()) }
    /// ```
    pub async fn stop(&self, timeout: Duration) -> Result<()> {
        let options = StopContainerOptionsBuilder::default()
            .t(whole_seconds(timeout))
            .build();
        runtime::run_borrowed(
            self.engine()
                .docker()
                .stop_container(self.id(), Some(options)),
        )
        .await
        .map_err(Error::engine(self.action("stop")))
    }

    /// [`stop`](Self::stop) for code without an async runtime.
    pub fn stop_blocking(&self, timeout: Duration) -> Result<()> {
        runtime::block_on_borrowed(self.stop(timeout))
    }

    /// Starts the stopped container again and waits until it is ready by
    /// the request's wait strategy, within its startup timeout. Its ports
    /// may be published on other host ports than before:
    /// [`host_port`](Self::host_port) tells the new ones.
    pub async fn start(&self) -> Result<()> {
        runtime::run_borrowed(async {
            self.engine()
                .docker()
                .start_container(self.id(), None)
                .await
                .map_err(Error::engine(self.action("start")))?;
            self.ready_after_start().await
        })
        .await
    }

    /// [`start`](Self::start) for code without an async runtime.
    pub fn start_blocking(&self) -> Result<()> {
        runtime::block_on_borrowed(self.start())
    }

    /// Stops the container as [`stop`](Self::stop) does, starts it again
    /// and waits until it is ready, as [`start`](Self::start) does.
    pub async fn restart(&self, timeout: Duration) -> Result<()> {
        let options = RestartContainerOptionsBuilder::default()
            .t(whole_seconds(timeout))
            .build();
        runtime::run_borrowed(async {
            self.engine()
                .docker()
                .restart_container(self.id(), Some(options))
                .await
                .map_err(Error::engine(self.action("restart")))?;
            self.ready_after_start().await
        })
        .await
    }

    /// [`restart`](Self::restart) for code without an async runtime.
    pub fn restart_blocking(&self, timeout: Duration) -> Result<()> {
        runtime::block_on_borrowed(self.restart(timeout))
    }

    /// Freezes every process of the container (the cgroup freezer): it
    /// keeps its memory and connections but answers nothing, and `exec`
    /// is refused, until [`unpause`](Self::unpause).
    pub async fn pause(&self) -> Result<()> {
        runtime::run_borrowed(self.engine().docker().pause_container(self.id()))
            .await
            .map_err(Error::engine(self.action("pause")))
    }

    /// [`pause`](Self::pause) for code without an async runtime.
    pub fn pause_blocking(&self) -> Result<()> {
        runtime::block_on_borrowed(self.pause())
    }

    /// Lets a paused container's processes run on.
    pub async fn unpause(&self) -> Result<()> {
        runtime::run_borrowed(self.engine().docker().unpause_container(self.id()))
            .await
            .map_err(Error::engine(self.action("unpause")))
    }

    /// [`unpause`](Self::unpause) for code without an async runtime.
    pub fn unpause_blocking(&self) -> Result<()> {
        runtime::block_on_borrowed(self.unpause())
    }

    /// Sends `signal` to the container's main process: a name (`"SIGHUP"`,
    /// `"HUP"`) or a number (`"1"`). `"SIGKILL"` stops the container at
    /// once; other signals do what the process makes of them (a main
    /// process running as PID 1 ignores those it has no handler for).
    pub async fn kill(&self, signal: &str) -> Result<()> {
        let options = KillContainerOptionsBuilder::default()
            .signal(signal)
            .build();
        runtime::run_borrowed(
            self.engine()
                .docker()
                .kill_container(self.id(), Some(options)),
        )
        .await
        .map_err(Error::engine(self.action(&format!("send {signal} to"))))
    }

    /// [`kill`](Self::kill) for code without an async runtime.
    pub fn kill_blocking(&self, signal: &str) -> Result<()> {
        runtime::block_on_borrowed(self.kill(signal))
    }

    /// Waits until the container has stopped and returns its exit code: the
    /// main process's own, or 128 + the signal's number if a signal ended
    /// it (137 for SIGKILL). A stopped container answers at once. Unbounded:
    /// wrap it in a timeout if the container might run on.
    pub async fn wait_for_exit(&self) -> Result<i64> {
        let options = WaitContainerOptionsBuilder::default()
            .condition("not-running")
            .build();
        let action = self.action("wait for the exit of");
        runtime::run_borrowed(async {
            let mut answers = self
                .engine()
                .docker()
                .wait_container(self.id(), Some(options));
            match answers.next().await {
                Some(Ok(exit)) => Ok(exit.status_code),
                // bollard reports a non-zero exit code as an error carrying it.
                Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => {
                    Ok(code)
                }
                Some(Err(error)) => Err(Error::engine(action)(error)),
                None => Err(Error::engine(action)(
                    io::Error::new(io::ErrorKind::UnexpectedEof, "the engine gave no exit code")
                        .into(),
                )),
            }
        })
        .await
    }

    /// [`wait_for_exit`](Self::wait_for_exit) for code without an async
    /// runtime.
    pub fn wait_for_exit_blocking(&self) -> Result<i64> {
        runtime::block_on_borrowed(self.wait_for_exit())
    }
}

/// The engine takes stop timeouts in whole seconds.
fn whole_seconds(timeout: Duration) -> i32 {
    let rounded_up = timeout
        .as_secs()
        .saturating_add(u64::from(timeout.subsec_nanos() > 0));
    i32::try_from(rounded_up).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_timeouts_round_up_to_whole_seconds() {
        assert_eq!(whole_seconds(Duration::ZERO), 0);
        assert_eq!(whole_seconds(Duration::from_millis(200)), 1);
        assert_eq!(whole_seconds(Duration::from_secs(2)), 2);
        assert_eq!(whole_seconds(Duration::from_millis(2001)), 3);
        assert_eq!(whole_seconds(Duration::MAX), i32::MAX);
    }
}
