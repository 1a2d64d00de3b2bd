//! A real registry on loopback for push, pull and credential tests:
//! Debian's `docker-registry` (the distribution registry) started as
//! `docker-registry serve CONFIG` on a free port of 127.0.0.1, with a
//! temporary storage root and htpasswd (bcrypt) basic auth, so that it
//! refuses anonymous and wrong credentials. The engine trusts loopback
//! registries without TLS. Dropping it stops the process, removes its
//! storage and the engine's local names under its address.

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;

use super::{exchange, unique, Scratch};

/// The one user the registry knows.
pub const USER: &str = "dockhand";

/// How long the registry may take to listen.
const START_LIMIT: Duration = Duration::from_secs(20);

pub struct Registry {
    process: Child,
    address: String,
    password: String,
    /// Config, credentials, storage and log; removed after the process.
    files: Scratch,
}

impl Registry {
    /// Starts a registry that lets only [`USER`] with [`Registry::password`] in.
    pub fn start() -> Registry {
        let dir = Scratch::new("registry");
        let password = unique("pw");
        let hash = bcrypt::hash(&password, 4).unwrap();
        std::fs::write(dir.dir().join("htpasswd"), format!("{USER}:{hash}\n")).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let address = format!("127.0.0.1:{port}");
        let config = format!(
            "version: 0.1\n\
             log:\n  level: error\n  accesslog:\n    disabled: true\n\
             storage:\n  filesystem:\n    rootdirectory: {root}/data\n\
             http:\n  addr: {address}\n\
             auth:\n  htpasswd:\n    realm: dockhand-tests\n    path: {root}/htpasswd\n",
            root = dir.dir().display()
        );
        let config_file = dir.dir().join("config.yml");
        std::fs::write(&config_file, config).unwrap();
        let log = File::create(dir.dir().join("registry.log")).unwrap();
        let process = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_file)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("docker-registry runs (apt-get install docker-registry)");
        let mut registry = Registry {
            process,
            address,
            password,
            files: dir,
        };
        registry.wait_until_listening();
        registry
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + START_LIMIT;
        while TcpStream::connect(&self.address).is_err() {
            if let Ok(Some(status)) = self.process.try_wait() {
                let log = std::fs::read_to_string(self.files.dir().join("registry.log"));
                panic!(
                    "docker-registry exited ({status}): {}",
                    log.unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "docker-registry did not listen on {} within {START_LIMIT:?}",
                self.address
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// `path` (e.g. `team/app:1`) in this registry.
    pub fn image(&self, path: &str) -> String {
        format!("{}/{path}", self.address)
    }

    /// The password of [`USER`].
    pub fn password(&self) -> &str {
        &self.password
    }

    /// A Docker config folder whose `auths` entry for this registry holds
    /// [`USER`] with `password`, as `docker login` writes it.
    pub fn docker_config(&self, password: &str) -> Scratch {
        let dir = Scratch::new("registry");
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{password}"));
        let config = serde_json::json!({ "auths": { &self.address: { "auth": auth } } });
        std::fs::write(dir.dir().join("config.json"), config.to_string()).unwrap();
        dir
    }

    /// The tags of `repository` as the registry itself lists them (asked
    /// over HTTP with the right credentials), not as the engine says.
    pub fn tags(&self, repository: &str) -> String {
        let auth =
            base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{}", self.password));
        let request = format!(
            "GET /v2/{repository}/tags/list HTTP/1.0\r\nAuthorization: Basic {auth}\r\n\r\n"
        );
        let (host, port) = self.address.split_once(':').unwrap();
        exchange(host, port.parse().unwrap(), request.as_bytes(), "]}")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let listing = Command::new("docker")
            .args(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"])
            .output()
            .expect("the docker command line runs");
        let prefix = format!("{}/", self.address);
        let names: Vec<String> = String::from_utf8_lossy(&listing.stdout)
            .lines()
            .filter(|name| name.starts_with(&prefix))
            .map(str::to_string)
            .collect();
        if !names.is_empty() {
            let _ = Command::new("docker")
                .args(["image", "rm", "--force"])
                .args(&names)
                .output();
        }
    }
}
