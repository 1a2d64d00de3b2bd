//! Container ports: a number and a protocol, written `6379/tcp` as the
//! engine writes them. A bare number means TCP.

use std::fmt;

/// A port inside a container.
///
/// ```
/// use dockhand::Port;
///
/// assert_eq!(Port::from(6379).to_string(), "6379/tcp");
/// assert_eq!(Port::udp(53).to_string(), "53/udp");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Port {
    number: u16,
    udp: bool,
}

impl Port {
    /// A TCP port.
    pub fn tcp(number: u16) -> Port {
        Port { number, udp: false }
    }

    /// A UDP port.
    pub fn udp(number: u16) -> Port {
        Port { number, udp: true }
    }

    /// The port number.
    pub fn number(&self) -> u16 {
        self.number
    }
}

impl From<u16> for Port {
    fn from(number: u16) -> Port {
        Port::tcp(number)
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let protocol = if self.udp { "udp" } else { "tcp" };
        write!(f, "{}/{protocol}", self.number)
    }
}
