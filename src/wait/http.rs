//! Waiting until an HTTP(S) endpoint answers as expected.
//!
//! The request goes from the host to the published port, as the test's own
//! client will, over a fresh connection each time and without following
//! redirects: what counts is the answer to this very request. HTTPS is
//! verified against the certificates the wait is given, or not at all for
//! servers with self-signed certificates; no system roots are used, as a
//! container's certificate is not signed for `127.0.0.1` by a public CA.

use std::fmt;
use std::sync::Arc;

use reqwest::{Certificate, Client, Method};

use super::poll::{patience_builders, poll, still_waiting, Check, Deadline, NotReady, Patience};
use crate::container::Container;

/// How much of a body that did not match an error shows.
const BODY_EXCERPT_CHARS: usize = 200;

/// A predicate on a response body.
type BodyCheck = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Waits until an HTTP(S) request gets the expected answer; see
/// [`Wait::http`].
///
/// ```
/// use std::time::Duration;
///
/// use dockhand::Wait;
///
/// # let ca_pem = String::new();
/// let wait = Wait::http("/ready")
///     .port(8443)
///     .method("HEAD")
///     .status(204)
///     .tls()
///     .root_certificate(ca_pem)
///     .poll_interval(Duration::from_millis(500));
/// ```
///
/// [`Wait::http`]: crate::Wait::http
#[derive(Clone)]
#[must_use = "a wait does nothing until it is passed to ContainerRequest::wait_for"]
pub struct HttpWait {
    path: String,
    port: Option<u16>,
    method: String,
    status: u16,
    body: Option<BodyCheck>,
    tls: bool,
    accept_self_signed: bool,
    roots: Vec<Vec<u8>>,
    patience: Patience,
}

impl HttpWait {
    pub(super) fn new(path: String) -> HttpWait {
        HttpWait {
            path,
            port: None,
            method: "GET".to_string(),
            status: 200,
            body: None,
            tls: false,
            accept_self_signed: false,
            roots: Vec::new(),
            patience: Patience::default(),
        }
    }

    /// The container port to send to (default: the lowest TCP port the
    /// request exposes); it must be published.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// The request method, e.g. `HEAD` (default `GET`).
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }

    /// The status that means ready (default 200).
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Ready only when `ready` also holds for the body (read as UTF-8,
    /// invalid bytes replaced).
    pub fn body_matches(mut self, ready: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.body = Some(Arc::new(ready));
        self
    }

    /// Speaks HTTPS, verifying the server's certificate against the
    /// certificates given to [`root_certificate`](Self::root_certificate).
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Speaks HTTPS and accepts any certificate, such as a self-signed one.
    pub fn accept_self_signed(mut self) -> Self {
        self.tls = true;
        self.accept_self_signed = true;
        self
    }

    /// Trusts this CA or server certificate, or each one of a bundle (PEM),
    /// for [`tls`](Self::tls).
    pub fn root_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.roots.push(pem.into());
        self
    }

    pub(super) async fn until_ready(
        &self,
        container: &Container,
        deadline: Deadline,
    ) -> Result<(), NotReady> {
        let prepared = self.client().and_then(|client| {
            let method = Method::from_bytes(self.method.as_bytes())
                .map_err(|_| format!("`{}` is not an HTTP method", self.method))?;
            Ok((client, method))
        });
        poll(self, self.patience, deadline, |_| async {
            match &prepared {
                Ok((client, method)) => self.look(container, client, method).await,
                Err(why) => Check::Failed(why.clone()),
            }
        })
        .await
    }

    fn client(&self) -> Result<Client, String> {
        let mut client = Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .danger_accept_invalid_certs(self.accept_self_signed);
        for pem in &self.roots {
            let roots = Certificate::from_pem_bundle(pem)
                .map_err(|error| format!("unusable root certificate: {}", innermost(&error)))?;
            if roots.is_empty() {
                return Err("no certificate in the PEM given as root certificate".to_string());
            }
            for root in roots {
                client = client.add_root_certificate(root);
            }
        }
        client.build().map_err(|error| innermost(&error))
    }

    async fn look(&self, container: &Container, client: &Client, method: &Method) -> Check {
        let port = match self.port.or_else(|| container.tcp_ports().first().copied()) {
            Some(port) => port,
            None => {
                return Check::Failed(
                    "the container publishes no TCP port: name one with HttpWait::port".to_string(),
                )
            }
        };
        let host_port = match container.host_port(port) {
            Ok(host_port) => host_port,
            Err(error) => return Check::Failed(error.to_string()),
        };
        let scheme = if self.tls { "https" } else { "http" };
        let host = match container.host() {
            ipv6 if ipv6.contains(':') => format!("[{ipv6}]"),
            host => host.to_string(),
        };
        let url = format!("{scheme}://{host}:{host_port}{}", self.path);
        let response = match client.request(method.clone(), url).send().await {
            Ok(response) => response,
            Err(error) => return still_waiting(container, innermost(&error)).await,
        };
        let status = response.status().as_u16();
        if status != self.status {
            return still_waiting(container, format!("HTTP {status}")).await;
        }
        let Some(ready) = &self.body else {
            return Check::Ready;
        };
        match response.bytes().await {
            Ok(body) if ready(&String::from_utf8_lossy(&body)) => Check::Ready,
            Ok(body) => {
                let body = String::from_utf8_lossy(&body);
                let excerpt: String = body.chars().take(BODY_EXCERPT_CHARS).collect();
                let seen = format!("HTTP {status} with a body that does not match: {excerpt:?}");
                still_waiting(container, seen).await
            }
            Err(error) => still_waiting(container, innermost(&error)).await,
        }
    }
}

patience_builders!(HttpWait);

/// The deepest cause of a client error, e.g. `Connection refused (os
/// error 111)` rather than `error sending request for url (…)`.
fn innermost(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

impl fmt::Debug for HttpWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpWait")
            .field("path", &self.path)
            .field("port", &self.port)
            .field("method", &self.method)
            .field("status", &self.status)
            .field("body", &self.body.as_ref().map(|_| "a predicate"))
            .field("tls", &self.tls)
            .field("accept_self_signed", &self.accept_self_signed)
            .field("roots", &self.roots.len())
            .field("patience", &self.patience)
            .finish()
    }
}

impl fmt::Display for HttpWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "HTTPS" } else { "HTTP" };
        write!(f, "{scheme} {} {}", self.method, self.path)?;
        if let Some(port) = self.port {
            write!(f, " on port {port}")?;
        }
        write!(f, " answering {}", self.status)?;
        if self.body.is_some() {
            f.write_str(" with a matching body")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_say_what_is_expected() {
        let wait = HttpWait::new("/health".into());
        assert_eq!(wait.to_string(), "HTTP GET /health answering 200");
        let wait = HttpWait::new("/".into())
            .port(443)
            .method("HEAD")
            .status(204)
            .body_matches(|body| body.is_empty())
            .accept_self_signed();
        assert_eq!(
            wait.to_string(),
            "HTTPS HEAD / on port 443 answering 204 with a matching body"
        );
    }

    #[test]
    fn a_bad_root_certificate_is_refused_before_any_request() {
        let error = HttpWait::new("/".into())
            .tls()
            .root_certificate("not a certificate")
            .client()
            .unwrap_err();
        assert!(error.contains("root certificate"), "{error}");
    }
}
