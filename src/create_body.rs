//! The engine's create call for a request: everything the engine needs
//! to know before the container first runs.
//!
//! Options that cannot work (a relative bind source, a CPU set like `x`, a
//! network alias with no network) fail here, before any engine call, with
//! an [`Error::InvalidOption`] naming the value.

use std::collections::HashMap;
use std::net::IpAddr;

use bollard::models::{ContainerCreateBody, HostConfig, NetworkingConfig, PortBinding};

use crate::error::{Error, Result};
use crate::healthcheck::Healthcheck;
use crate::image_ref::ImageRef;
use crate::mount::Mount;
use crate::port::Port;
use crate::request::{ContainerRequest, HOST_GATEWAY};

/// The create body for `request` running `image`, publishing its ports
/// on `publish_ip`. Of several networks it joins the first; the others are
/// connected before start.
pub(crate) fn create_body(
    request: &ContainerRequest,
    image: &ImageRef,
    publish_ip: &str,
) -> Result<ContainerCreateBody> {
    if let Some(alias) = request.unattached_aliases.first() {
        return Err(Error::invalid(
            "network alias",
            alias,
            "no network joined before it; call .network(&network) first",
        ));
    }
    let port_bindings = request
        .ports
        .iter()
        .map(|port| {
            let binding = PortBinding {
                host_ip: Some(publish_ip.to_string()),
                host_port: None,
            };
            (port.to_string(), Some(vec![binding]))
        })
        .collect();
    let first_network = request.networks.first();
    let mut host = HostConfig {
        port_bindings: Some(port_bindings),
        network_mode: first_network.map(|attachment| attachment.network.clone()),
        mounts: Some(
            request
                .mounts
                .iter()
                .map(Mount::to_engine)
                .collect::<Result<_>>()?,
        ),
        restart_policy: Some(request.restart.to_engine()),
        extra_hosts: Some(
            request
                .extra_hosts
                .iter()
                .map(|(name, address)| extra_host(name, address))
                .collect::<Result<_>>()?,
        ),
        ..Default::default()
    };
    request.resources.apply(&mut host)?;
    let mut body = ContainerCreateBody {
        image: Some(image.to_string()),
        env: Some(
            request
                .env
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect(),
        ),
        cmd: request.cmd.clone(),
        entrypoint: request.entrypoint.clone(),
        labels: Some(request.labels.clone()),
        exposed_ports: Some(request.ports.iter().map(Port::to_string).collect()),
        hostname: request.hostname.clone(),
        working_dir: request.working_dir.clone(),
        healthcheck: request.healthcheck.as_ref().map(Healthcheck::config),
        networking_config: first_network.map(|attachment| NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                attachment.network.clone(),
                attachment.endpoint(),
            )])),
        }),
        ..Default::default()
    };
    request.security.apply(&mut body, &mut host);
    body.host_config = Some(host);
    Ok(body)
}

/// An `/etc/hosts` entry as the engine takes it: `name:address`.
fn extra_host(name: &str, address: &str) -> Result<String> {
    if name.is_empty() || name.contains([':', ' ', '\t']) {
        return Err(Error::invalid(
            "extra host name",
            name,
            "expected a host name such as db.internal",
        ));
    }
    if address != HOST_GATEWAY && address.parse::<IpAddr>().is_err() {
        return Err(Error::invalid(
            "extra host address",
            address,
            format!("expected an IP address or `{HOST_GATEWAY}` (for {name})"),
        ));
    }
    Ok(format!("{name}:{address}"))
}
