//! The Docker config: where registry credentials come from.
//!
//! A private registry wants the credentials the user already gave the
//! `docker` command line, so dockhand reads them the same way: `config.json`
//! in the folder `DOCKER_CONFIG` names, else in `~/.docker`. A registry's
//! entry in `auths` (as `docker login` writes it) is used as it is;
//! `credHelpers` (per registry) and `credsStore` (for every registry) name a
//! credential helper, `docker-credential-NAME` on `PATH`, which the
//! [`docker_credential`] crate asks. No config file, no entry for the
//! registry, or a helper that has none means an anonymous pull or push.
//!
//! A test that needs other credentials than the user's names a folder of its
//! own per call, without touching the process environment (which tests
//! running in parallel share), as the example on [`DockerConfig`] shows.

use std::fs::File;
use std::io::{BufReader, ErrorKind};
use std::path::{Path, PathBuf};

use bollard::auth::DockerCredentials;
use docker_credential::{CredentialRetrievalError, DockerCredential};

/// What a credential helper answers when it holds nothing for a server (the
/// helper protocol's own words): no error, an anonymous access.
const HELPER_HAS_NONE: &str = "credentials not found";

/// The key under which Docker Hub's credentials are stored.
const DOCKER_HUB_SERVER: &str = "https://index.docker.io/v1/";

/// A Docker config folder (the one holding `config.json`).
///
/// ```no_run
/// use dockhand::{ContainerRequest, DockerConfig};
///
/// # async fn demo() -> dockhand::Result<()> {
/// let app = ContainerRequest::new("registry.internal:5000/team/app:1")
///     .docker_config(DockerConfig::at("/tmp/ci-docker-config"))
///     .start()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerConfig {
    dir: Option<PathBuf>,
}

impl DockerConfig {
    /// The user's config: `DOCKER_CONFIG` if set, else `~/.docker`, read
    /// when credentials are needed. The same as `DockerConfig::default()`.
    pub fn from_env() -> Self {
        DockerConfig::default()
    }

    /// The config in folder `dir`, whatever the environment says.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        DockerConfig {
            dir: Some(dir.into()),
        }
    }

    /// The config file this config reads.
    pub(crate) fn file(&self) -> PathBuf {
        self.dir
            .clone()
            .or_else(|| user_dir(|name| std::env::var(name).ok()))
            .unwrap_or_else(|| PathBuf::from(".docker"))
            .join("config.json")
    }

    /// The credentials for `registry` (e.g. `docker.io`, `127.0.0.1:5000`),
    /// `None` for anonymous access; an error says why they could not be had.
    /// May run a credential helper, so it blocks: call it off the runtime's
    /// worker threads.
    pub(crate) fn credentials(&self, registry: &str) -> Result<Option<DockerCredentials>, String> {
        let server = match registry {
            "docker.io" => DOCKER_HUB_SERVER,
            other => other,
        };
        lookup(&self.file(), server)
    }
}

/// The user's Docker config folder, from environment variables read
/// through `var`: `DOCKER_CONFIG`, else `~/.docker`; `None` without either.
/// Credentials and Docker contexts are both found there.
pub(crate) fn user_dir(var: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let var = |name: &str| var(name).filter(|value| !value.is_empty());
    var("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| Path::new(&home).join(".docker")))
}

fn lookup(file: &Path, server: &str) -> Result<Option<DockerCredentials>, String> {
    let reader = match File::open(file) {
        Ok(file) => BufReader::new(file),
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(format!("cannot read {}: {error}", file.display())),
    };
    let credentials = DockerCredentials {
        serveraddress: Some(server.to_string()),
        ..Default::default()
    };
    match docker_credential::get_credential_from_reader(reader, server) {
        Ok(DockerCredential::UsernamePassword(username, password)) => Ok(Some(DockerCredentials {
            username: Some(username),
            password: Some(password),
            ..credentials
        })),
        Ok(DockerCredential::IdentityToken(token)) => Ok(Some(DockerCredentials {
            identitytoken: Some(token),
            ..credentials
        })),
        Err(CredentialRetrievalError::NoCredentialConfigured) => Ok(None),
        Err(CredentialRetrievalError::HelperFailure { stdout, .. })
            if stdout.contains(HELPER_HAS_NONE) =>
        {
            Ok(None)
        }
        Err(error) => Err(format!(
            "its credentials could not be read from {}: {error}",
            file.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config folder of its own with `config.json` holding `json`;
    /// removed when dropped.
    struct TempConfig(PathBuf);

    impl TempConfig {
        fn new(json: &str) -> TempConfig {
            let dir = std::env::temp_dir().join(format!(
                "dockhand-config-{}",
                crate::session::random_suffix(12)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("config.json"), json).unwrap();
            TempConfig(dir)
        }

        fn config(&self) -> DockerConfig {
            DockerConfig::at(&self.0)
        }
    }

    impl Drop for TempConfig {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn auths_entries_give_user_and_password() {
        // "alice:s3cret", as `docker login` writes it.
        let dir = TempConfig::new(r#"{"auths": {"127.0.0.1:5000": {"auth": "YWxpY2U6czNjcmV0"}}}"#);
        let config = dir.config();
        let found = config.credentials("127.0.0.1:5000").unwrap().unwrap();
        assert_eq!(found.username.as_deref(), Some("alice"));
        assert_eq!(found.password.as_deref(), Some("s3cret"));
        assert_eq!(found.serveraddress.as_deref(), Some("127.0.0.1:5000"));
        assert_eq!(config.credentials("ghcr.io").unwrap(), None);
    }

    #[test]
    fn docker_hub_credentials_are_found_under_their_legacy_key() {
        let dir = TempConfig::new(
            r#"{"auths": {"https://index.docker.io/v1/": {"auth": "YWxpY2U6czNjcmV0"}}}"#,
        );
        let found = dir.config().credentials("docker.io").unwrap().unwrap();
        assert_eq!(found.username.as_deref(), Some("alice"));
    }

    #[test]
    fn no_config_file_means_anonymous() {
        let config = DockerConfig::at("/nonexistent/dockhand-docker-config");
        assert_eq!(config.credentials("docker.io").unwrap(), None);
    }

    #[test]
    fn a_broken_config_or_helper_is_an_error_naming_the_file() {
        let broken = TempConfig::new("{ not json");
        let error = broken.config().credentials("docker.io").unwrap_err();
        let file = broken.config().file();
        assert!(error.contains(&file.display().to_string()), "{error}");

        let helper = TempConfig::new(r#"{"credsStore": "dockhand-absent-helper"}"#);
        let error = helper.config().credentials("ghcr.io").unwrap_err();
        assert!(error.contains("helper"), "{error}");
    }
}
