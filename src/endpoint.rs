//! Where the Docker engine is: the detection order that
//! [`Engine::from_env`](crate::Engine::from_env) documents, as a pure
//! function of the environment, so that it is tested without an engine.
//!
//! `DOCKER_HOST` and the current Docker context are the user's choice: when
//! one is set it is the only engine tried. The sockets of Docker, rootless
//! Docker and Podman are guesses, tried in order until one answers.

use std::path::{Path, PathBuf};

use crate::docker_config;
use crate::docker_context;
use crate::error::Result;

/// An engine address and how to reach it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Endpoint {
    address: String,
    tls: Option<PathBuf>,
    origin: Option<String>,
}

impl Endpoint {
    /// `address` reached over TLS with the material in `tls` (a folder with
    /// `ca.pem`, `cert.pem`, `key.pem`) if given; `origin` says where the
    /// address came from, for error messages.
    pub(crate) fn new(
        address: impl Into<String>,
        tls: Option<PathBuf>,
        origin: impl Into<String>,
    ) -> Endpoint {
        Endpoint {
            address: address.into(),
            tls,
            origin: Some(origin.into()),
        }
    }

    /// `address` as given by the program itself, not found in the
    /// environment.
    pub(crate) fn given(address: impl Into<String>, tls: Option<PathBuf>) -> Endpoint {
        Endpoint {
            address: address.into(),
            tls,
            origin: None,
        }
    }

    /// The engine address, e.g. `unix:///var/run/docker.sock`.
    pub(crate) fn address(&self) -> &str {
        &self.address
    }

    /// The folder of TLS material, when the engine is reached over TLS.
    pub(crate) fn tls(&self) -> Option<&Path> {
        self.tls.as_deref()
    }

    /// Where the address came from, e.g. `DOCKER_HOST`, unless the program
    /// gave it.
    pub(crate) fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }
}

/// What the environment says about the engine.
#[derive(Debug, PartialEq)]
pub(crate) enum Discovery {
    /// The user named an engine: only this one is tried.
    Configured(Endpoint),
    /// Nothing is named: these are tried in order.
    Probe(Vec<Endpoint>),
}

/// The engine(s) to try, from environment variables read through `var`.
pub(crate) fn discover(var: impl Fn(&str) -> Option<String>) -> Result<Discovery> {
    let var = |name: &str| var(name).filter(|value| !value.is_empty());
    let config_dir = docker_config::user_dir(var);
    if let Some(address) = var("DOCKER_HOST") {
        let tls = (address.starts_with("tcp://") && var("DOCKER_TLS_VERIFY").is_some())
            .then(|| var("DOCKER_CERT_PATH").map(PathBuf::from).or(config_dir))
            .flatten();
        return Ok(Discovery::Configured(Endpoint::new(
            address,
            tls,
            "DOCKER_HOST",
        )));
    }
    if let Some(config_dir) = &config_dir {
        if let Some(endpoint) = docker_context::current(config_dir, var("DOCKER_CONTEXT"))? {
            return Ok(Discovery::Configured(endpoint));
        }
    }
    let mut sockets = vec![("/var/run/docker.sock".to_string(), "the default socket")];
    if let Some(runtime_dir) = var("XDG_RUNTIME_DIR") {
        sockets.push((format!("{runtime_dir}/docker.sock"), "rootless Docker"));
        sockets.push((
            format!("{runtime_dir}/podman/podman.sock"),
            "rootless Podman",
        ));
    }
    sockets.push(("/run/podman/podman.sock".to_string(), "Podman"));
    Ok(Discovery::Probe(
        sockets
            .into_iter()
            .map(|(path, origin)| Endpoint::new(format!("unix://{path}"), None, origin))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::docker_context::tests::ConfigDir;

    fn discover_in(vars: &[(&str, &str)]) -> Discovery {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        discover(|name| vars.get(name).cloned()).unwrap()
    }

    fn addresses(discovery: Discovery) -> Vec<String> {
        match discovery {
            Discovery::Probe(endpoints) => endpoints
                .iter()
                .map(|endpoint| endpoint.address().to_string())
                .collect(),
            configured => panic!("expected sockets to probe, got {configured:?}"),
        }
    }

    #[test]
    fn with_nothing_configured_the_sockets_are_probed_in_order() {
        assert_eq!(
            addresses(discover_in(&[("XDG_RUNTIME_DIR", "/run/user/1000")])),
            [
                "unix:///var/run/docker.sock",
                "unix:///run/user/1000/docker.sock",
                "unix:///run/user/1000/podman/podman.sock",
                "unix:///run/podman/podman.sock",
            ]
        );
        assert_eq!(
            addresses(discover_in(&[
                ("DOCKER_HOST", ""),
                ("HOME", "/nonexistent")
            ])),
            [
                "unix:///var/run/docker.sock",
                "unix:///run/podman/podman.sock"
            ],
            "an empty DOCKER_HOST is no DOCKER_HOST"
        );
    }

    #[test]
    fn docker_host_comes_first_with_tls_material_from_docker_cert_path() {
        let config = ConfigDir::new();
        config
            .write("config.json", r#"{"currentContext": "remote"}"#)
            .remote_context("tcp://from-context:2376");
        let config_dir = config.0.to_str().unwrap();
        let tcp = "tcp://127.0.0.1:2376";
        let plain = discover_in(&[("DOCKER_HOST", tcp), ("DOCKER_CONFIG", config_dir)]);
        assert_eq!(
            plain,
            Discovery::Configured(Endpoint::new(tcp, None, "DOCKER_HOST"))
        );
        let tls = |vars: &[(&str, &str)]| match discover_in(vars) {
            Discovery::Configured(endpoint) => endpoint.tls().map(Path::to_path_buf),
            probe => panic!("expected DOCKER_HOST, got {probe:?}"),
        };
        let verify = [("DOCKER_HOST", tcp), ("DOCKER_TLS_VERIFY", "1")];
        assert_eq!(
            tls(&[verify[0], verify[1], ("DOCKER_CERT_PATH", "/certs")]),
            Some(PathBuf::from("/certs"))
        );
        assert_eq!(
            tls(&[verify[0], verify[1], ("HOME", "/home/me")]),
            Some(PathBuf::from("/home/me/.docker")),
            "the default cert path is the Docker config folder"
        );
        assert_eq!(
            tls(&[
                ("DOCKER_HOST", "unix:///var/run/docker.sock"),
                verify[1],
                ("DOCKER_CERT_PATH", "/certs")
            ]),
            None,
            "a unix socket has no TLS"
        );
    }

    #[test]
    fn the_current_context_comes_before_the_sockets() {
        let config = ConfigDir::new();
        config
            .write("config.json", r#"{"currentContext": "remote"}"#)
            .remote_context("tcp://from-context:2376");
        let config_dir = config.0.to_str().unwrap();
        match discover_in(&[("DOCKER_CONFIG", config_dir)]) {
            Discovery::Configured(endpoint) => {
                assert_eq!(endpoint.address(), "tcp://from-context:2376")
            }
            probe => panic!("expected the context, got {probe:?}"),
        }
        assert_eq!(
            addresses(discover_in(&[
                ("DOCKER_CONFIG", config_dir),
                ("DOCKER_CONTEXT", "default")
            ]))[0],
            "unix:///var/run/docker.sock"
        );
    }
}
