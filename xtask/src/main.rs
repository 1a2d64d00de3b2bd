//! The project's own tool: `cargo xtask images | test | demo`.
//!
//! There may be no registry to pull from (this project's CI has none), so
//! `images` makes every image the tests and examples run:
//! - where the official images can be pulled, it pulls them and substitutes
//!   nothing;
//! - elsewhere it builds stand-ins from Debian's packages (a `debootstrap`
//!   base, then `images/NAME/Dockerfile` on top) and writes the image
//!   substitution file `.dockhand/substitutions.json`, which maps each
//!   official reference to its stand-in (see `DOCKHAND_SUBSTITUTIONS`).
//!
//! Every image carries a digest of what it was made from; a second run finds
//! them current and finishes in seconds. `test` and `demo` run `images`
//! first, then `cargo test --workspace` or the demo example.
//!
//! `tls-engine` starts a second engine on this machine, reached over TLS on
//! a loopback port (see `tls_engine.rs`), copies the images the remote-engine
//! tests run into it, prints the environment that points `docker` and
//! dockhand at it, and stops it on Ctrl-C. `test` does the same after the
//! main suite and runs `tests/remote_engine.rs` against it.

mod certs;
mod tls_engine;

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use dockhand::{Engine, ImageBuild};
use tls_engine::TlsEngine;

/// The label that records what an image was made from.
const DIGEST_LABEL: &str = "dockhand.standin.digest";
/// The label that says which official image a stand-in stands in for.
const STANDS_IN_FOR_LABEL: &str = "dockhand.stands-in-for";
const BASE: &str = "dockhand-standin/debian:bookworm";
/// The images `tests/remote_engine.rs` runs on the TLS engine.
const REMOTE_ENGINE_IMAGES: &[&str] = &["busybox:1.36", "redis:7"];

/// A stand-in: its folder under `images/`, its tag, the official image.
struct StandIn {
    dir: &'static str,
    tag: &'static str,
    official: &'static str,
}

const STANDINS: &[StandIn] = &[
    StandIn {
        dir: "busybox",
        tag: "dockhand-standin/busybox:1.35",
        official: "busybox:1.36",
    },
    StandIn {
        dir: "postgres",
        tag: "dockhand-standin/postgres:15",
        official: "postgres:15",
    },
    StandIn {
        dir: "redis",
        tag: "dockhand-standin/redis:7",
        official: "redis:7",
    },
    StandIn {
        dir: "nginx",
        tag: "dockhand-standin/nginx:1.22",
        official: "nginx:1.22",
    },
];

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("images") => images().await.map(drop),
        Some("test") => test(&args[1..]).await,
        Some("demo") => {
            run_after_images(cargo(&["run", "--quiet", "--example", "demo"], &args[1..])).await
        }
        Some("tls-engine") => tls_engine().await,
        _ => Err("usage: cargo xtask images | test [ARGS…] | demo | tls-engine".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

fn cargo(base: &[&str], extra: &[String]) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(base).args(extra).current_dir(workspace());
    command
}

async fn run_after_images(mut command: Command) -> Result<(), Failure> {
    images().await?;
    check(with_substitutions(&mut command))
}

fn with_substitutions(command: &mut Command) -> &mut Command {
    command.env(
        dockhand::substitution::SUBSTITUTIONS_ENV,
        substitutions_file(),
    )
}

/// The whole suite on the main engine, then (whatever its outcome) the
/// remote-engine tests on a TLS engine started for them.
async fn test(extra: &[String]) -> Result<(), Failure> {
    // The registry tests start Debian's registry on loopback; the TLS
    // engine needs a bridge of its own and one forwarding rule.
    for (command, package) in [
        ("docker-registry", "docker-registry"),
        ("ip", "iproute2"),
        ("iptables", "iptables"),
    ] {
        ensure_tool(command, package)?;
    }
    let images = images().await?;
    let suite = check(with_substitutions(&mut cargo(
        &["test", "--workspace", "--all-features"],
        extra,
    )));
    let remote = remote_engine_tests(&images).await;
    match (suite, remote) {
        (Err(suite), Err(remote)) => Err(format!("{suite}\nxtask: {remote}").into()),
        (suite, remote) => suite.and(remote),
    }
}

/// `tests/remote_engine.rs` and the redis module's tests on a TLS engine,
/// which is stopped whatever they do; fails too if they leave anything on it.
async fn remote_engine_tests(images: &HashMap<String, String>) -> Result<(), Failure> {
    let engine = start_tls_engine(images).await?;
    let generic = check(
        with_substitutions(&mut cargo(
            &["test", "-p", "dockhand", "--test", "remote_engine", "--"],
            &remote_engine_test_args(),
        ))
        .envs(engine.env()),
    );
    let module = check(
        with_substitutions(&mut cargo(
            &[
                "test",
                "-p",
                "dockhand-modules",
                "--all-features",
                "--test",
                "redis",
            ],
            &[],
        ))
        .envs(engine.env()),
    );
    // The test binaries re-run themselves as reapers; they finish their
    // removals before the engine goes.
    wait_for_exit(|args| {
        args.first()
            .is_some_and(|arg0| arg0.contains("/remote_engine-") || arg0.contains("/redis-"))
    });
    let leftovers = engine.leftovers();
    engine.stop()?;
    generic?;
    module?;
    match leftovers? {
        left if left.is_empty() => {
            println!("xtask: nothing left on the TLS engine");
            Ok(())
        }
        left => Err(format!("dockhand resources left on the TLS engine:\n{left}").into()),
    }
}

/// `cargo xtask tls-engine`: a TLS engine for running the remote-engine
/// tests by hand, until Ctrl-C.
async fn tls_engine() -> Result<(), Failure> {
    let engine = start_tls_engine(&images().await?).await?;
    println!("xtask: in another shell, point docker and dockhand at it:");
    for (name, value) in engine.env() {
        println!("export {name}={value}");
    }
    println!(
        "xtask: then `cargo test --test remote_engine -- {}`; Ctrl-C stops the engine",
        remote_engine_test_args().join(" ")
    );
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    engine.stop()
}

/// The remote-engine tests are ignored unless asked for; their child
/// process is run by the tests themselves.
fn remote_engine_test_args() -> [String; 3] {
    ["--ignored", "--skip", "child_process"].map(String::from)
}

async fn start_tls_engine(images: &HashMap<String, String>) -> Result<TlsEngine, Failure> {
    let engine = TlsEngine::start().await?;
    let images: Vec<String> = REMOTE_ENGINE_IMAGES
        .iter()
        .map(|official| {
            images
                .get(*official)
                .cloned()
                .unwrap_or(official.to_string())
        })
        .collect();
    engine.load(&images)?;
    Ok(engine)
}

/// Waits up to ten seconds for the processes that `wanted` picks to end.
fn wait_for_exit(wanted: impl Fn(&[String]) -> bool + Copy) {
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    while !tls_engine::processes(wanted).is_empty() && Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Makes sure every image is there and writes the substitution file.
/// Returns the image that runs for each official one.
async fn images() -> Result<HashMap<String, String>, Failure> {
    let engine = Engine::from_env().await?;
    let mut substitutions = serde_json::Map::new();
    if pull_officials(&engine).await {
        println!("xtask: official images pulled; no substitutions");
    } else {
        let base_digest = ensure_base(&engine).await?;
        for standin in STANDINS {
            ensure_standin(&engine, standin, &base_digest).await?;
            substitutions.insert(standin.official.into(), standin.tag.into());
        }
    }
    let file = substitutions_file();
    std::fs::create_dir_all(file.parent().expect("the file is in a folder"))?;
    let json = serde_json::json!({ "images": substitutions });
    std::fs::write(&file, serde_json::to_string_pretty(&json)? + "\n")?;
    Ok(STANDINS
        .iter()
        .map(|standin| {
            let runs = substitutions
                .get(standin.official)
                .and_then(|image| image.as_str())
                .unwrap_or(standin.official);
            (standin.official.to_string(), runs.to_string())
        })
        .collect())
}

/// Pulls the official images unless told to use stand-ins; false if any
/// cannot be had.
async fn pull_officials(engine: &Engine) -> bool {
    if std::env::var("DOCKHAND_STANDINS").is_ok_and(|v| v == "1") {
        return false;
    }
    for standin in STANDINS {
        let present = matches!(engine.image_labels(standin.official).await, Ok(Some(_)));
        if !present && engine.pull(standin.official).await.is_err() {
            println!(
                "xtask: {} cannot be pulled; using stand-ins",
                standin.official
            );
            return false;
        }
    }
    true
}

/// Makes the Debian base unless it is current; returns its digest.
async fn ensure_base(engine: &Engine) -> Result<String, Failure> {
    let packages = std::fs::read_to_string(workspace().join("images/base/packages"))?;
    let packages: Vec<&str> = packages
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let digest = digest_of(&packages);
    if is_current(engine, BASE, &digest).await? {
        return Ok(digest);
    }
    let started = Instant::now();
    ensure_tool("debootstrap", "debootstrap")?;
    let root = std::env::temp_dir().join(format!("dockhand-rootfs-{}", std::process::id()));
    let made = debootstrap_and_import(&root, &packages, &digest);
    let _ = std::fs::remove_dir_all(&root);
    made?;
    println!("xtask: made {BASE} in {:.0?}", started.elapsed());
    Ok(digest)
}

fn debootstrap_and_import(root: &Path, packages: &[&str], digest: &str) -> Result<(), Failure> {
    let mirror = debian_mirror()?;
    println!(
        "xtask: debootstrap of bookworm with {} (about a minute)",
        packages.join(", ")
    );
    check(
        Command::new("debootstrap")
            .args([
                "--variant=minbase",
                &format!("--include={}", packages.join(",")),
            ])
            .args(["bookworm".as_ref(), root.as_os_str(), mirror.as_ref()])
            .stdout(Stdio::null()),
    )?;
    // Package lists and downloaded packages are of no use in an image.
    for cache in ["var/lib/apt/lists", "var/cache/apt/archives"] {
        let cache = root.join(cache);
        std::fs::remove_dir_all(&cache)?;
        std::fs::create_dir_all(cache.join("partial"))?;
    }
    // Streams the root file system straight into the engine's image import.
    let mut tar = Command::new("tar")
        .arg("-C")
        .arg(root)
        .args(["-c", "."])
        .stdout(Stdio::piped())
        .spawn()?;
    let import = Command::new("docker")
        .args([
            "import",
            "--change",
            &format!("LABEL {DIGEST_LABEL}={digest}"),
            "-",
            BASE,
        ])
        .stdin(tar.stdout.take().expect("piped"))
        .stdout(Stdio::null())
        .status()?;
    if !tar.wait()?.success() || !import.success() {
        return Err(format!("importing {} as {BASE} failed", root.display()).into());
    }
    Ok(())
}

/// Builds `images/DIR` unless its image is current.
async fn ensure_standin(
    engine: &Engine,
    standin: &StandIn,
    base_digest: &str,
) -> Result<(), Failure> {
    let dir = workspace().join("images").join(standin.dir);
    let mut inputs = vec![base_digest.to_string()];
    for file in files_in(&dir)? {
        inputs.push(file.strip_prefix(&dir)?.display().to_string());
        inputs.push(String::from_utf8_lossy(&std::fs::read(&file)?).into_owned());
    }
    let digest = digest_of(&inputs);
    if is_current(engine, standin.tag, &digest).await? {
        return Ok(());
    }
    let started = Instant::now();
    ImageBuild::new(standin.tag)
        .context_dir(&dir)
        .label(DIGEST_LABEL, &digest)
        .label(STANDS_IN_FOR_LABEL, standin.official)
        .build_on(engine)
        .await?;
    println!("xtask: built {} in {:.1?}", standin.tag, started.elapsed());
    Ok(())
}

async fn is_current(engine: &Engine, image: &str, digest: &str) -> Result<bool, Failure> {
    let labels = engine.image_labels(image).await?;
    Ok(labels.is_some_and(|labels| labels.get(DIGEST_LABEL).map(String::as_str) == Some(digest)))
}

/// Installs Debian's `package` with apt-get unless `command` runs.
fn ensure_tool(command: &str, package: &str) -> Result<(), Failure> {
    if Command::new(command).arg("--version").output().is_ok() {
        return Ok(());
    }
    println!("xtask: installing {package}");
    let has_lists = std::fs::read_dir("/var/lib/apt/lists")
        .is_ok_and(|entries| entries.flatten().any(|entry| entry.file_name() != "lock"));
    if !has_lists {
        check(Command::new("apt-get").args(["update", "-q"]))?;
    }
    check(
        Command::new("apt-get")
            .args(["install", "-y", "-q", package])
            .stdout(Stdio::null()),
    )
}

/// The Debian mirror this machine's apt uses, so no host is written here.
fn debian_mirror() -> Result<String, Failure> {
    let mut sources = Vec::new();
    for entry in std::fs::read_dir("/etc/apt/sources.list.d")? {
        sources.push(std::fs::read_to_string(entry?.path()).unwrap_or_default());
    }
    sources.push(std::fs::read_to_string("/etc/apt/sources.list").unwrap_or_default());
    for text in &sources {
        for stanza in text.split("\n\n") {
            let field = |name: &str| {
                stanza
                    .lines()
                    .find_map(|line| line.strip_prefix(name).map(str::trim))
            };
            if let (Some(uris), Some(suites)) = (field("URIs:"), field("Suites:")) {
                if suites.split_whitespace().any(|suite| suite == "bookworm") {
                    return Ok(uris.split_whitespace().next().unwrap_or(uris).to_string());
                }
            }
            for line in stanza.lines() {
                let words: Vec<&str> = line.split_whitespace().collect();
                if let ["deb", uri, "bookworm", ..] = words[..] {
                    return Ok(uri.to_string());
                }
            }
        }
    }
    Err("no Debian bookworm source in /etc/apt; add one to make the stand-in images".into())
}

fn files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(folder)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn digest_of<T: Hash>(inputs: &[T]) -> String {
    let mut hasher = DefaultHasher::new();
    inputs.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

fn check(command: &mut Command) -> Result<(), Failure> {
    let status = command.status().map_err(|e| format!("{command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}").into())
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is in the workspace")
        .to_path_buf()
}

fn substitutions_file() -> PathBuf {
    workspace().join(".dockhand/substitutions.json")
}
