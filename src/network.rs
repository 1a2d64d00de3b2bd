//! Networks: one per test, so its containers reach each other by alias and
//! no other test's containers.
//!
//! Each network is a bridge of its own: the engine resolves the aliases of
//! the containers on it, and drops traffic between it and any other
//! network, by name or by address. A container may join several networks,
//! with aliases of its own on each; a [`NetworkRequest::subnet`] and
//! [`gateway`](NetworkRequest::gateway) fix its addresses where a test
//! needs to know them.

use std::net::IpAddr;

use bollard::models::NetworkCreateRequest;
use bollard::models::{EndpointSettings, Ipam, IpamConfig, NetworkConnectRequest};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::janitor::Resource;
use crate::owned::Owned;
use crate::session;

/// A network to create; see [`Network::builder`].
///
/// ```no_run
/// use dockhand::{ContainerRequest, Network};
///
/// # async fn demo() -> dockhand::Result<()> {
/// let backend = Network::builder().subnet("10.201.7.0/24").create().await?;
/// let db = ContainerRequest::new("postgres:15")
///     .network(&backend)
///     .network_alias("db")
///     .start()
///     .await?;
/// // Another container on `backend` reaches it as db:5432.
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "a network request does nothing until it is created"]
pub struct NetworkRequest {
    driver: Option<String>,
    subnet: Option<String>,
    gateway: Option<String>,
}

impl NetworkRequest {
    /// The network driver (default: the engine's, `bridge`).
    pub fn driver(mut self, driver: impl Into<String>) -> Self {
        self.driver = Some(driver.into());
        self
    }

    /// The network's addresses, in CIDR form, e.g. `10.201.7.0/24`
    /// (default: a block the engine picks). It must not overlap another
    /// network's on the engine.
    pub fn subnet(mut self, subnet: impl Into<String>) -> Self {
        self.subnet = Some(subnet.into());
        self
    }

    /// The gateway's address, inside the [`subnet`](Self::subnet) (default:
    /// its first address).
    pub fn gateway(mut self, gateway: impl Into<String>) -> Self {
        self.gateway = Some(gateway.into());
        self
    }

    /// Creates the network on the engine from the environment.
    pub async fn create(self) -> Result<Network> {
        self.create_via(None).await
    }

    /// Creates the network on `engine`.
    pub async fn create_on(self, engine: &Engine) -> Result<Network> {
        self.create_via(Some(engine)).await
    }

    async fn create_via(self, engine: Option<&Engine>) -> Result<Network> {
        let ipam = self.ipam()?;
        let create = move |engine: Engine, name: String| async move {
            let request = NetworkCreateRequest {
                name,
                driver: self.driver,
                ipam,
                labels: Some(session::labels()),
                ..Default::default()
            };
            engine.docker().create_network(request).await
        };
        let owned = Owned::create(engine, "net", Resource::Network, create).await?;
        Ok(Network { owned })
    }

    /// The address plan, if the request has one; checked before the engine
    /// sees it.
    fn ipam(&self) -> Result<Option<Ipam>> {
        let Some(subnet) = &self.subnet else {
            return match &self.gateway {
                Some(gateway) => Err(Error::invalid(
                    "network gateway",
                    gateway,
                    "needs a subnet (NetworkRequest::subnet)",
                )),
                None => Ok(None),
            };
        };
        let block = Block::parse(subnet)?;
        if let Some(gateway) = &self.gateway {
            let inside = gateway
                .parse::<IpAddr>()
                .is_ok_and(|address| block.contains(address));
            if !inside {
                return Err(Error::invalid(
                    "network gateway",
                    gateway,
                    format!("must be an IP address inside the subnet {subnet}"),
                ));
            }
        }
        Ok(Some(Ipam {
            config: Some(vec![IpamConfig {
                subnet: Some(subnet.clone()),
                gateway: self.gateway.clone(),
                ..Default::default()
            }]),
            ..Default::default()
        }))
    }
}

/// An address block: its first address and prefix length.
struct Block {
    address: IpAddr,
    prefix: u32,
}

impl Block {
    fn parse(cidr: &str) -> Result<Block> {
        let invalid = || {
            Error::invalid(
                "network subnet",
                cidr,
                "expected an address block such as 10.201.7.0/24",
            )
        };
        let (address, prefix) = cidr.split_once('/').ok_or_else(invalid)?;
        let address: IpAddr = address.parse().map_err(|_| invalid())?;
        let prefix: u32 = prefix.parse().map_err(|_| invalid())?;
        if prefix > bits(address).1 {
            return Err(invalid());
        }
        Ok(Block { address, prefix })
    }

    fn contains(&self, address: IpAddr) -> bool {
        let ((block, width), (other, other_width)) = (bits(self.address), bits(address));
        let host_bits = width - self.prefix;
        width == other_width
            && block.checked_shr(host_bits).unwrap_or(0)
                == other.checked_shr(host_bits).unwrap_or(0)
    }
}

/// An address as a number, and how many bits it has.
fn bits(address: IpAddr) -> (u128, u32) {
    match address {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    }
}

/// A network a container joins, with its aliases there.
#[derive(Debug, Clone)]
pub(crate) struct Attachment {
    pub(crate) network: String,
    pub(crate) aliases: Vec<String>,
}

impl Attachment {
    /// The container's endpoint on the network.
    pub(crate) fn endpoint(&self) -> EndpointSettings {
        EndpointSettings {
            aliases: Some(self.aliases.clone()),
            ..Default::default()
        }
    }

    /// Connects the created container `id` (named `container`) to the
    /// network: the engine's create call joins only one.
    pub(crate) async fn connect(&self, engine: &Engine, id: &str, container: &str) -> Result<()> {
        let request = NetworkConnectRequest {
            container: id.to_string(),
            endpoint_config: Some(self.endpoint()),
        };
        engine
            .docker()
            .connect_network(&self.network, request)
            .await
            .map_err(Error::engine(format!(
                "connect container {container} to network {}",
                self.network
            )))
    }
}

/// A network with a random name; removed when dropped.
///
/// ```no_run
/// use dockhand::{ContainerRequest, ExecCommand, Network};
///
/// # async fn demo() -> dockhand::Result<()> {
/// let network = Network::builder().create().await?;
/// let _cache = ContainerRequest::new("redis:7")
///     .network(&network)
///     .network_alias("cache")
///     .start()
///     .await?;
/// let client = ContainerRequest::new("redis:7").network(&network).start().await?;
/// let pong = client.exec(ExecCommand::new(["redis-cli", "-h", "cache", "ping"])).await?;
/// assert_eq!(pong.stdout, "PONG\n");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Network {
    owned: Owned,
}

impl Network {
    /// A request for a fresh bridge network.
    pub fn builder() -> NetworkRequest {
        NetworkRequest::default()
    }

    /// The network's name, random and unique: `dockhand-net-SUFFIX`.
    pub fn name(&self) -> &str {
        self.owned.name()
    }

    /// The engine the network is on.
    pub fn engine(&self) -> &Engine {
        self.owned.engine()
    }

    /// Removes the network now (after its containers are gone).
    pub async fn remove(self) -> Result<()> {
        self.owned.remove().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(subnet: Option<&str>, gateway: Option<&str>) -> Result<Option<Ipam>> {
        NetworkRequest {
            driver: None,
            subnet: subnet.map(str::to_string),
            gateway: gateway.map(str::to_string),
        }
        .ipam()
    }

    #[test]
    fn a_gateway_must_lie_inside_the_subnet() {
        assert!(plan(Some("10.201.7.0/24"), Some("10.201.7.254")).is_ok());
        assert!(plan(Some("fd00:1::/64"), Some("fd00:1::1")).is_ok());
        assert!(plan(Some("0.0.0.0/0"), Some("1.2.3.4")).is_ok());
        for (subnet, gateway) in [
            ("10.201.7.0/24", "10.201.8.1"),
            ("10.201.7.0/24", "fd00::1"),
            ("10.201.7.0/24", "gateway"),
        ] {
            let error = plan(Some(subnet), Some(gateway)).unwrap_err().to_string();
            assert!(error.contains(&format!("`{gateway}`")), "{error}");
        }
        let error = plan(None, Some("10.0.0.1")).unwrap_err().to_string();
        assert!(error.contains("needs a subnet"), "{error}");
    }

    #[test]
    fn a_subnet_is_an_address_and_a_prefix() {
        for bad in ["10.0.0.0", "10.0.0.0/33", "10.0.0/24", "fd00::/129", "x/8"] {
            let error = plan(Some(bad), None).unwrap_err().to_string();
            assert!(error.contains(&format!("`{bad}`")), "{error}");
        }
        assert_eq!(plan(None, None).unwrap(), None);
    }
}
