//! A second Docker engine on this machine, reached over TLS on a loopback
//! port: the remote engine that `tests/remote_engine.rs` runs against.
//!
//! It keeps out of the main engine's way: data root, exec root (with its
//! own containerd), pidfile, daemon config, log and certificates live in one
//! tmpfs folder under the temp dir (the storage driver is dockerd's own
//! choice there: overlay2 where the kernel allows); containers get a bridge
//! of their own (`dockhand-tls0`, 10.215.0.1/24) and networks an address
//! pool of their own (10.214.0.0/16). dockerd writes no iptables rules, so
//! the main engine's chains stay as they are (published ports go through
//! Docker's userland proxy); xtask adds one, commented
//! `dockhand-tls-engine`, that lets traffic among those subnets through the
//! FORWARD chain. It starts with no images: [`TlsEngine::load`] copies them
//! over.
//!
//! One runs at a time. [`TlsEngine::stop`], or dropping it, stops dockerd
//! and removes the rule, the bridge and the folder. Should xtask die without either,
//! the kernel sends dockerd SIGTERM (a parent-death signal) and the next
//! start finishes the clean-up it finds.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dockhand::Engine;

use crate::{certs, check, Failure};

const BRIDGE: &str = "dockhand-tls0";
const BRIDGE_ADDRESS: &str = "10.215.0.1/24";
const ADDRESS_POOL: &str = "base=10.214.0.0/16,size=24";
/// Lets the engine's containers reach each other where bridged traffic
/// passes the host's FORWARD chain, which the main engine sets to DROP. The
/// subnets are the bridge's and the address pool's together.
const FORWARD_RULE: &str = "FORWARD --source 10.214.0.0/15 --destination 10.214.0.0/15 \
     --match comment --comment dockhand-tls-engine --jump ACCEPT";
/// The engine's folder is a tmpfs: images unpack in memory and go at once.
const TMPFS_OPTIONS: &str = "size=4g,mode=0700";
const START_LIMIT: Duration = Duration::from_secs(60);
const STOP_LIMIT: Duration = Duration::from_secs(30);

/// A running TLS engine; stopped and cleaned up on [`TlsEngine::stop`] or
/// drop.
pub struct TlsEngine {
    dir: PathBuf,
    port: u16,
    dockerd: Option<Child>,
    stopped: bool,
}

impl TlsEngine {
    /// Makes certificates and a bridge, starts dockerd and waits until it
    /// answers over TLS.
    pub async fn start() -> Result<TlsEngine, Failure> {
        let dir = std::env::temp_dir().join("dockhand-tls-engine");
        take_over(&dir)?;
        std::fs::create_dir_all(&dir)?;
        let mut engine = TlsEngine {
            dir,
            port: free_port()?,
            dockerd: None,
            stopped: false,
        };
        check(
            Command::new("mount")
                .args(["-t", "tmpfs", "-o", TMPFS_OPTIONS, "tmpfs"])
                .arg(&engine.dir),
        )?;
        std::fs::write(engine.dir.join("owner.pid"), std::process::id().to_string())?;
        let started = Instant::now();
        certs::write(&engine.dir.join("server"), &engine.cert_path())?;
        for args in [
            vec!["link", "add", BRIDGE, "type", "bridge"],
            vec!["addr", "add", BRIDGE_ADDRESS, "dev", BRIDGE],
            vec!["link", "set", BRIDGE, "up"],
        ] {
            check(Command::new("ip").args(args))?;
        }
        if bridged_traffic_is_filtered() {
            check(
                Command::new("iptables")
                    .arg("--insert")
                    .args(FORWARD_RULE.split_whitespace()),
            )?;
        }
        engine.dockerd = Some(engine.spawn_dockerd()?);
        engine.wait_until_ready().await?;
        println!(
            "xtask: TLS engine at {} ready in {:.1?}",
            engine.address(),
            started.elapsed()
        );
        Ok(engine)
    }

    /// `tcp://127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// The client's TLS material: `ca.pem`, `cert.pem`, `key.pem`.
    pub fn cert_path(&self) -> PathBuf {
        self.dir.join("client")
    }

    /// The environment that points `docker` and dockhand at this engine.
    pub fn env(&self) -> [(&'static str, String); 3] {
        [
            ("DOCKER_HOST", self.address()),
            ("DOCKER_TLS_VERIFY", "1".to_string()),
            ("DOCKER_CERT_PATH", self.cert_path().display().to_string()),
        ]
    }

    /// Copies `images` from the main engine (the one the environment
    /// names) to this one.
    pub fn load(&self, images: &[String]) -> Result<(), Failure> {
        for image in images {
            let started = Instant::now();
            let mut save = Command::new("docker")
                .args(["save", image])
                .stdout(Stdio::piped())
                .spawn()?;
            let load = self
                .docker()
                .arg("load")
                .stdin(save.stdout.take().expect("piped"))
                .stdout(Stdio::null())
                .status()?;
            if !save.wait()?.success() || !load.success() {
                return Err(format!("copying {image} to the TLS engine failed").into());
            }
            println!(
                "xtask: {image} loaded into the TLS engine in {:.1?}",
                started.elapsed()
            );
        }
        Ok(())
    }

    /// What dockhand left on this engine: containers, networks and volumes
    /// labelled `dockhand.managed=true`, one per line.
    pub fn leftovers(&self) -> Result<String, Failure> {
        let mut left = String::new();
        for kind in ["container", "network", "volume"] {
            let output = self
                .docker()
                .args([kind, "ls", "-q", "--filter", "label=dockhand.managed=true"])
                .args((kind == "container").then_some("--all"))
                .output()?;
            if !output.status.success() {
                return Err(format!(
                    "listing {kind}s on the TLS engine failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                )
                .into());
            }
            for id in String::from_utf8_lossy(&output.stdout).lines() {
                left.push_str(&format!("{kind} {id}\n"));
            }
        }
        Ok(left)
    }

    /// Stops dockerd and removes the bridge and the folder.
    pub fn stop(mut self) -> Result<(), Failure> {
        self.stopped = true;
        clean_up(&self.dir, self.dockerd.take())?;
        println!("xtask: TLS engine stopped and removed");
        Ok(())
    }

    fn docker(&self) -> Command {
        let mut command = Command::new("docker");
        command.envs(self.env()).env_remove("DOCKER_CONTEXT");
        command
    }

    fn spawn_dockerd(&self) -> Result<Child, Failure> {
        let dir = &self.dir;
        let path = |name: &str| dir.join(name).display().to_string();
        std::fs::write(dir.join("daemon.json"), "{}\n")?;
        let log = std::fs::File::create(dir.join("dockerd.log"))?;
        let mut command = Command::new("dockerd");
        command
            .args(["--config-file", &path("daemon.json")])
            .args(["--data-root", &path("data")])
            .args(["--exec-root", &path("exec")])
            .args(["--pidfile", &path("dockerd.pid")])
            .args(["--host", &self.address(), "--tlsverify"])
            .args(["--tlscacert", &path("server/ca.pem")])
            .args(["--tlscert", &path("server/cert.pem")])
            .args(["--tlskey", &path("server/key.pem")])
            .args(["--bridge", BRIDGE])
            .args(["--iptables=false", "--ip-forward=false", "--ip-masq=false"])
            .args(["--default-address-pool", ADDRESS_POOL])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Out of the terminal's process group, so Ctrl-C reaches xtask,
            // which stops the engine in order.
            .process_group(0);
        // SAFETY: prctl is async-signal-safe and touches no memory of ours.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        Ok(command.spawn()?)
    }

    async fn wait_until_ready(&mut self) -> Result<(), Failure> {
        let deadline = Instant::now() + START_LIMIT;
        loop {
            let last = match Engine::connect_tls(self.address(), self.cert_path()).await {
                Ok(_) => return Ok(()),
                Err(error) => error,
            };
            let exited = self
                .dockerd
                .as_mut()
                .and_then(|d| d.try_wait().ok().flatten());
            if exited.is_some() || Instant::now() > deadline {
                let log = std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(15).collect();
                return Err(format!(
                    "the TLS engine did not start ({}): {last}\n--- dockerd.log ---\n{}",
                    exited.map_or("no answer in time".to_string(), |s| s.to_string()),
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

impl Drop for TlsEngine {
    fn drop(&mut self) {
        if !self.stopped {
            if let Err(error) = clean_up(&self.dir, self.dockerd.take()) {
                eprintln!("xtask: cleaning up the TLS engine: {error}");
            }
        }
    }
}

/// Refuses while another xtask's engine runs; cleans up what a dead one
/// left.
fn take_over(dir: &Path) -> Result<(), Failure> {
    let owner = std::fs::read_to_string(dir.join("owner.pid"))
        .ok()
        .and_then(|pid| pid.trim().parse::<u32>().ok());
    if let Some(owner) = owner
        .filter(|&pid| pid != std::process::id())
        .filter(|pid| {
            cmdline(Path::new("/proc").join(pid.to_string()))
                .is_some_and(|args| program(&args) == "xtask")
        })
    {
        return Err(format!(
            "a TLS engine of process {owner} is running ({}); stop it first",
            dir.display()
        )
        .into());
    }
    clean_up(dir, None)
}

/// Stops the engine whose files are in `dir` and removes all trace of it:
/// dockerd gets SIGTERM and time to stop its containers; what is left of
/// it (dockerd, containerd, shims) is killed, its mounts (the tmpfs last)
/// are detached, the bridge and the folder are removed.
fn clean_up(dir: &Path, mut dockerd: Option<Child>) -> Result<(), Failure> {
    let daemon = |args: &[String]| program(args) == "dockerd" && mentions(args, dir);
    for (pid, _) in processes(daemon) {
        signal(pid, libc::SIGTERM);
    }
    let deadline = Instant::now() + STOP_LIMIT;
    while !processes(daemon).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let engine_process = |args: &[String]| {
        ["dockerd", "containerd"]
            .iter()
            .any(|name| program(args).starts_with(name))
            && mentions(args, dir)
    };
    for (pid, _) in processes(engine_process) {
        signal(pid, libc::SIGKILL);
    }
    if let Some(dockerd) = &mut dockerd {
        dockerd.wait()?;
    }
    for mount in mounts_under(dir)? {
        let path = std::ffi::CString::new(mount.as_os_str().as_encoded_bytes())?;
        // SAFETY: a valid NUL-terminated path; detaching has no memory effects.
        unsafe { libc::umount2(path.as_ptr(), libc::MNT_DETACH) };
    }
    while bridged_traffic_is_filtered() && iptables_has_forward_rule() {
        check(
            Command::new("iptables")
                .arg("--delete")
                .args(FORWARD_RULE.split_whitespace()),
        )?;
    }
    if Path::new("/sys/class/net").join(BRIDGE).exists() {
        check(Command::new("ip").args(["link", "delete", BRIDGE]))?;
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .map_err(|error| format!("removing {}: {error}", dir.display()))?;
    }
    Ok(())
}

/// Whether traffic between containers on one bridge goes through iptables.
fn bridged_traffic_is_filtered() -> bool {
    std::fs::read_to_string("/proc/sys/net/bridge/bridge-nf-call-iptables")
        .is_ok_and(|value| value.trim() == "1")
}

fn iptables_has_forward_rule() -> bool {
    Command::new("iptables")
        .arg("--check")
        .args(FORWARD_RULE.split_whitespace())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Processes whose command line satisfies `wanted`, with it.
pub fn processes(wanted: impl Fn(&[String]) -> bool) -> Vec<(i32, Vec<String>)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let args = cmdline(entry.path())?;
            wanted(&args).then_some((pid, args))
        })
        .collect()
}

/// A process's arguments; `None` once it is gone (or a zombie).
fn cmdline(proc_dir: PathBuf) -> Option<Vec<String>> {
    let raw = std::fs::read(proc_dir.join("cmdline")).ok()?;
    let args: Vec<String> = raw
        .split(|&byte| byte == 0)
        .filter(|arg| !arg.is_empty())
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect();
    (!args.is_empty()).then_some(args)
}

/// The file name of the program a process runs.
fn program(args: &[String]) -> &str {
    args.first()
        .map_or("", |arg0| arg0.rsplit('/').next().unwrap_or(arg0))
}

fn mentions(args: &[String], dir: &Path) -> bool {
    let dir = dir.display().to_string();
    args.iter().any(|arg| arg.contains(&dir))
}

fn signal(pid: i32, signal: i32) {
    // SAFETY: kill has no memory effects; a pid that is gone is an error
    // we do not need.
    unsafe { libc::kill(pid, signal) };
}

/// Mount points inside `dir`, deepest first.
fn mounts_under(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let mut mounts: Vec<PathBuf> = std::fs::read_to_string("/proc/self/mountinfo")?
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(PathBuf::from)
        .filter(|mount| mount.starts_with(dir))
        .collect();
    mounts.sort_by_key(|mount| std::cmp::Reverse(mount.as_os_str().len()));
    Ok(mounts)
}

fn free_port() -> Result<u16, Failure> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
