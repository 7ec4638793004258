//! Which client a request comes from, for the per-IP limits. Behind reverse
//! proxies the socket peer is the nearest proxy; the proxies append the
//! address they received the request from to `X-Forwarded-For` (or to
//! `Forwarded`, RFC 7239). Anyone can write those headers, so they are read
//! only when the peer is a trusted proxy, and then from the right: each
//! trusted hop vouches for the hop before it, and the first untrusted one
//! is the client. Entries further left are whatever the client sent.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, HeaderName, header};

use crate::config::TrustedProxies;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client address of a request that arrived from `peer`.
///
/// `X-Forwarded-For` is read when present, else `Forwarded`: the common
/// proxies (nginx, HAProxy, cloud load balancers) append to the former and
/// pass a client's own `Forwarded` through untouched. When the chain ends
/// in a hop that is not an address (`unknown`, an obfuscated name), the
/// nearest trusted hop stands for the client.
pub fn resolve(peer: SocketAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let mut client = peer.ip().to_canonical();
    if !trusted.contains(client) {
        return client;
    }
    let hops = if headers.contains_key(&X_FORWARDED_FOR) {
        header_list(headers, &X_FORWARDED_FOR)
            .map(parse_node)
            .collect::<Vec<_>>()
    } else {
        header_list(headers, &header::FORWARDED)
            .filter_map(forwarded_for)
            .map(parse_node)
            .collect()
    };
    for hop in hops.into_iter().rev() {
        match hop {
            Some(address) if trusted.contains(address) => client = address,
            Some(address) => return address,
            None => return client,
        }
    }
    client
}

/// The comma-separated entries of every `name` header, in order.
fn header_list<'a>(headers: &'a HeaderMap, name: &HeaderName) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|value| value.to_str().unwrap_or_default().split(','))
        .map(str::trim)
}

/// The `for=` parameter of one `Forwarded` element, unquoted.
fn forwarded_for(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("for")
            .then(|| value.trim().trim_matches('"'))
    })
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`,
/// `2001:db8::1` or `[2001:db8::1]:4711`; anything else is not one.
fn parse_node(node: &str) -> Option<IpAddr> {
    let address = node
        .parse::<IpAddr>()
        .ok()
        .or_else(|| node.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
        .or_else(|| {
            node.strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|inner| inner.parse().ok())
        })?;
    Some(address.to_canonical())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn resolve_with(trusted: &str, peer: &str, headers: &[(&str, &str)]) -> IpAddr {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        resolve(
            peer.parse().expect("peer"),
            &map,
            &trusted.parse().expect("trusted proxies"),
        )
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        for headers in [
            &[("x-forwarded-for", "203.0.113.9")][..],
            &[("forwarded", "for=203.0.113.9")][..],
        ] {
            assert_eq!(resolve_with("", "192.0.2.1:5000", headers), ip("192.0.2.1"));
            assert_eq!(
                resolve_with("10.0.0.0/8", "192.0.2.1:5000", headers),
                ip("192.0.2.1")
            );
        }
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = "10.0.0.0/8, 2001:db8:ffff::/48";
        let peer = "10.0.0.2:5000";
        for (headers, client) in [
            (&[("x-forwarded-for", "203.0.113.9")][..], "203.0.113.9"),
            (
                &[("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.1.1.1")][..],
                "203.0.113.9",
            ),
            (
                &[
                    ("x-forwarded-for", "6.6.6.6"),
                    ("x-forwarded-for", "203.0.113.9:4711, 10.1.1.1"),
                ][..],
                "203.0.113.9",
            ),
            (
                &[("x-forwarded-for", "[2001:db8::7]:80, 2001:db8:ffff::1")][..],
                "2001:db8::7",
            ),
            (
                &[(
                    "forwarded",
                    "for=6.6.6.6, For=\"[2001:db8::7]:4711\";proto=https;by=10.0.0.3, for=10.9.9.9",
                )][..],
                "2001:db8::7",
            ),
            (
                &[("forwarded", "proto=https;for=198.51.100.4:80")][..],
                "198.51.100.4",
            ),
            (
                &[("x-forwarded-for", "::ffff:198.51.100.4")][..],
                "198.51.100.4",
            ),
        ] {
            assert_eq!(
                resolve_with(trusted, peer, headers),
                ip(client),
                "{headers:?}"
            );
        }
    }

    #[test]
    fn x_forwarded_for_wins_over_a_client_written_forwarded() {
        let client = resolve_with(
            "127.0.0.1",
            "127.0.0.1:5000",
            &[
                ("forwarded", "for=6.6.6.6"),
                ("x-forwarded-for", "203.0.113.9"),
            ],
        );
        assert_eq!(client, ip("203.0.113.9"));
    }

    #[test]
    fn an_unusable_or_missing_hop_leaves_the_nearest_trusted_hop() {
        let trusted = "10.0.0.0/8";
        let peer = "10.0.0.2:5000";
        assert_eq!(resolve_with(trusted, peer, &[]), ip("10.0.0.2"));
        assert_eq!(
            resolve_with(
                trusted,
                peer,
                &[("x-forwarded-for", "203.0.113.9, unknown, 10.0.0.7")]
            ),
            ip("10.0.0.7")
        );
        assert_eq!(
            resolve_with(trusted, peer, &[("forwarded", "for=_hidden")]),
            ip("10.0.0.2")
        );
        assert_eq!(
            resolve_with(trusted, peer, &[("x-forwarded-for", "10.0.0.9")]),
            ip("10.0.0.9")
        );
    }
}
