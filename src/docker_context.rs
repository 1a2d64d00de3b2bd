//! The current Docker context, as the `docker` command line keeps it.
//!
//! `docker context use remote` writes `"currentContext": "remote"` into
//! `config.json` of the Docker config folder (`DOCKER_CONFIG`, else
//! `~/.docker`); `DOCKER_CONTEXT` overrides it. The context itself lives in
//! `contexts/meta/<sha256 of its name>/meta.json`, whose endpoint
//! `Endpoints.docker.Host` is the engine's address, and its TLS material (if
//! any) in `contexts/tls/<same hash>/docker/{ca,cert,key}.pem`. A user who
//! switched contexts gets their containers on that engine, as with `docker`.
//!
//! The context named `default` means "no context": the engine is then found
//! as if none were set.

use std::path::{Path, PathBuf};

use crate::endpoint::Endpoint;
use crate::error::{Error, Result};

/// The name `docker` gives to "no context".
const DEFAULT_CONTEXT: &str = "default";

/// The engine of the current context, or `None` when no context other than
/// `default` is selected. `selected` is `DOCKER_CONTEXT`, if set.
pub(crate) fn current(config_dir: &Path, selected: Option<String>) -> Result<Option<Endpoint>> {
    let name = match selected {
        Some(name) => name,
        None => match current_in_config(config_dir)? {
            Some(name) => name,
            None => return Ok(None),
        },
    };
    if name == DEFAULT_CONTEXT {
        return Ok(None);
    }
    resolve(config_dir, &name).map(Some)
}

/// `currentContext` of `config.json`, if the file exists and names one.
fn current_in_config(config_dir: &Path) -> Result<Option<String>> {
    let path = config_dir.join("config.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(unusable("currentContext", &path, error)),
    };
    let config: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| unusable("currentContext", &path, error))?;
    Ok(config["currentContext"]
        .as_str()
        .filter(|name| !name.is_empty())
        .map(str::to_string))
}

/// The endpoint stored for context `name`.
fn resolve(config_dir: &Path, name: &str) -> Result<Endpoint> {
    let folder = folder_name(name);
    let meta = config_dir
        .join("contexts/meta")
        .join(&folder)
        .join("meta.json");
    let text = std::fs::read_to_string(&meta).map_err(|error| Error::DockerContext {
        context: name.to_string(),
        reason: format!("no such context ({}: {error})", meta.display()),
    })?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| unusable(name, &meta, error))?;
    let address = json["Endpoints"]["docker"]["Host"]
        .as_str()
        .filter(|host| !host.is_empty())
        .ok_or_else(|| unusable(name, &meta, "it has no Endpoints.docker.Host"))?;
    let tls = config_dir.join("contexts/tls").join(&folder).join("docker");
    Ok(Endpoint::new(
        address,
        tls.is_dir().then_some(tls),
        format!("Docker context `{name}`"),
    ))
}

/// The folder a context's files are kept in: the hex SHA-256 of its name.
fn folder_name(name: &str) -> PathBuf {
    let digest = ring::digest::digest(&ring::digest::SHA256, name.as_bytes());
    let hex: String = digest
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    PathBuf::from(hex)
}

fn unusable(context: &str, path: &Path, error: impl std::fmt::Display) -> Error {
    Error::DockerContext {
        context: context.to_string(),
        reason: format!("{}: {error}", path.display()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The folder `docker context create remote` makes: sha256("remote").
    const REMOTE: &str = "b71199ebd070b36beab7317920c2c2f1d777df8d05e5527d8458fda57cb17a7a";

    /// A Docker config folder of its own, removed on drop.
    pub(crate) struct ConfigDir(pub(crate) PathBuf);

    impl ConfigDir {
        pub(crate) fn new() -> ConfigDir {
            let dir = std::env::temp_dir().join(format!(
                "dockhand-docker-config-{}",
                crate::session::random_suffix(10)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            ConfigDir(dir)
        }

        pub(crate) fn write(&self, path: &str, text: &str) -> &ConfigDir {
            let path = self.0.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
            self
        }

        /// A context named `remote` for `host`, as the `docker` command
        /// line stores it.
        pub(crate) fn remote_context(&self, host: &str) -> &ConfigDir {
            self.write(
                &format!("contexts/meta/{REMOTE}/meta.json"),
                &serde_json::json!({
                    "Name": "remote",
                    "Metadata": {},
                    "Endpoints": { "docker": { "Host": host, "SkipTLSVerify": false } },
                })
                .to_string(),
            )
        }
    }

    impl Drop for ConfigDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn the_current_context_of_config_json_names_its_endpoint_and_tls_folder() {
        let config = ConfigDir::new();
        config
            .write(
                "config.json",
                r#"{"auths": {}, "currentContext": "remote"}"#,
            )
            .remote_context("tcp://engine.example:2376")
            .write(&format!("contexts/tls/{REMOTE}/docker/ca.pem"), "");
        let endpoint = current(&config.0, None).unwrap().unwrap();
        assert_eq!(endpoint.address(), "tcp://engine.example:2376");
        assert_eq!(
            endpoint.tls(),
            Some(
                config
                    .0
                    .join(format!("contexts/tls/{REMOTE}/docker"))
                    .as_path()
            )
        );
        assert_eq!(endpoint.origin(), Some("Docker context `remote`"));
    }

    #[test]
    fn docker_context_overrides_config_json_and_default_means_none() {
        let config = ConfigDir::new();
        config
            .write("config.json", r#"{"currentContext": "remote"}"#)
            .remote_context("unix:///run/remote.sock");
        assert!(current(&config.0, Some("default".into()))
            .unwrap()
            .is_none());
        let endpoint = current(&config.0, Some("remote".into())).unwrap().unwrap();
        assert_eq!(endpoint.address(), "unix:///run/remote.sock");
        assert_eq!(endpoint.tls(), None, "no tls folder, no TLS");

        let empty = ConfigDir::new();
        assert!(current(&empty.0, None).unwrap().is_none(), "no config.json");
        empty.write("config.json", r#"{"currentContext": "default"}"#);
        assert!(current(&empty.0, None).unwrap().is_none());
    }

    #[test]
    fn a_context_that_does_not_resolve_is_an_error_naming_it() {
        let config = ConfigDir::new();
        let error = current(&config.0, Some("gone".into())).unwrap_err();
        assert!(
            matches!(&error, Error::DockerContext { context, .. } if context == "gone"),
            "{error:?}"
        );
        config.write("config.json", "{ not json");
        let error = current(&config.0, None).unwrap_err().to_string();
        assert!(error.contains("config.json"), "{error}");
        config.write(
            &format!("contexts/meta/{REMOTE}/meta.json"),
            r#"{"Name":"remote"}"#,
        );
        let error = current(&config.0, Some("remote".into()))
            .unwrap_err()
            .to_string();
        assert!(error.contains("Endpoints.docker.Host"), "{error}");
    }
}
