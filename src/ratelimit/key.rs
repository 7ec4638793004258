//! Whose budget an operation spends.

use std::{
    fmt,
    net::{IpAddr, Ipv6Addr},
};

/// A budget's owner.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LimitKey {
    /// A signed-in user, wherever they connect from.
    User(i64),
    /// An anonymous client; IPv6 addresses are cut to their /64 network,
    /// which one host can fill with addresses at will.
    Client(IpAddr),
    /// An account named by email (trimmed, lower case) in an attempt of
    /// one credential field (`login` or `register`).
    Account {
        /// The field attempted.
        action: &'static str,
        /// The email it names.
        email: String,
    },
}

impl LimitKey {
    /// The key of a client address.
    pub fn client(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(_) => Self::Client(ip),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::Client(IpAddr::V4(v4)),
                None => {
                    let network = u128::from(v6) & !u128::from(u64::MAX);
                    Self::Client(IpAddr::V6(Ipv6Addr::from(network)))
                }
            },
        }
    }
}

/// The key's name in a shared store.
impl fmt::Display for LimitKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(id) => write!(f, "user:{id}"),
            Self::Client(ip) => write!(f, "ip:{ip}"),
            Self::Account { action, email } => write!(f, "account:{action}:{email}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_share_their_slash_64_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("ip");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(LimitKey::client(a), LimitKey::client(b));
        assert_ne!(LimitKey::client(a), LimitKey::client(other));
        assert_eq!(LimitKey::client(a).to_string(), "ip:2001:db8:1:2::");
    }

    #[test]
    fn ipv4_mapped_addresses_are_their_ipv4_client() {
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().expect("ip");
        let plain: IpAddr = "192.0.2.7".parse().expect("ip");
        assert_eq!(LimitKey::client(mapped), LimitKey::client(plain));
    }
}
