//! The SSRF guard's address rule: which IP addresses the outbound client may connect to.
//!
//! The rule is a deny list of every range that is not globally reachable (loopback,
//! private, link-local, CGNAT, documentation, benchmarking, multicast, reserved, ...).
//! Addresses that embed an IPv4 address (IPv4-mapped, NAT64, 6to4) are judged by the
//! embedded address; the IPv6 space outside global unicast (`2000::/3`) is refused as a
//! whole, which covers `::`, `::1`, IPv4-compatible, discard, ULA, link-local, site-local
//! and multicast at once.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IPv4 ranges that are not globally reachable, as (network, prefix length).
const FORBIDDEN_V4: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8),          // "this network"
    (Ipv4Addr::new(10, 0, 0, 0), 8),         // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),      // CGNAT (shared address space)
    (Ipv4Addr::new(127, 0, 0, 0), 8),        // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),     // link-local (cloud metadata lives here)
    (Ipv4Addr::new(172, 16, 0, 0), 12),      // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),       // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),       // TEST-NET-1
    (Ipv4Addr::new(192, 88, 99, 0), 24),     // 6to4 relay anycast (deprecated)
    (Ipv4Addr::new(192, 168, 0, 0), 16),     // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),      // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24),    // TEST-NET-2
    (Ipv4Addr::new(203, 0, 113, 0), 24),     // TEST-NET-3
    (Ipv4Addr::new(224, 0, 0, 0), 4),        // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),        // reserved, includes 255.255.255.255 broadcast
    (Ipv4Addr::new(255, 255, 255, 255), 32), // broadcast (listed for clarity)
];

/// IPv6 ranges inside global unicast (`2000::/3`) that are still not globally reachable.
const FORBIDDEN_V6_IN_GLOBAL: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32), // Teredo (embeds an obfuscated v4)
    (Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 0), 48), // benchmarking
    (Ipv6Addr::new(0x2001, 0x10, 0, 0, 0, 0, 0, 0), 28), // ORCHID (deprecated)
    (Ipv6Addr::new(0x2001, 0x20, 0, 0, 0, 0, 0, 0), 28), // ORCHIDv2
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20), // documentation (RFC 9637)
];

/// `64:ff9b::/96`, the well-known NAT64 prefix: the last 32 bits are an IPv4 address.
const NAT64: u128 = 0x0064_ff9b_0000_0000_0000_0000_0000_0000;
/// `64:ff9b:1::/48`, the local-use NAT64 prefix (RFC 8215): refused as a whole.
const NAT64_LOCAL: Ipv6Addr = Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0);

/// True when the outbound client must never connect to `ip` (before the development
/// switch is considered; see [`AddressPolicy`]).
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => is_forbidden_v6(v6),
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    let bits = u32::from(ip);
    FORBIDDEN_V4.iter().any(|&(net, prefix)| {
        let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
        bits & mask == u32::from(net) & mask
    })
}

fn in_v6(bits: u128, net: Ipv6Addr, prefix: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    bits & mask == u128::from(net) & mask
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    // IPv4-mapped ::ffff:0:0/96: the connection goes to the embedded IPv4 address.
    if bits >> 32 == 0xffff {
        return is_forbidden_v4(Ipv4Addr::from(bits as u32));
    }
    // NAT64 64:ff9b::/96: a NAT64 gateway forwards to the embedded IPv4 address.
    if bits >> 32 == NAT64 >> 32 {
        return is_forbidden_v4(Ipv4Addr::from(bits as u32));
    }
    if in_v6(bits, NAT64_LOCAL, 48) {
        return true;
    }
    // Everything outside global unicast 2000::/3: ::, ::1, ::/96 (IPv4-compatible),
    // 100::/64 (discard), fc00::/7, fe80::/10, fec0::/10, ff00::/8, 5f00::/16, ...
    if bits >> 125 != 0b001 {
        return true;
    }
    // 6to4 2002::/16: the relay forwards to the IPv4 address in bits 16..48.
    if ip.segments()[0] == 0x2002 {
        return is_forbidden_v4(Ipv4Addr::from((bits >> 80) as u32));
    }
    FORBIDDEN_V6_IN_GLOBAL
        .iter()
        .any(|&(net, prefix)| in_v6(bits, net, prefix))
}

/// Strict loopback: `127.0.0.0/8` and `::1` only (not IPv4-mapped or NAT64 forms).
fn is_plain_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6 == Ipv6Addr::LOCALHOST,
    }
}

/// Which addresses the client may connect to. The default forbids every address
/// [`is_forbidden`] names; with the insecure local federation switch on, plain loopback
/// (`127.0.0.0/8`, `::1`) is additionally allowed, and nothing else.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    allow_loopback: bool,
}

impl AddressPolicy {
    /// The production policy: public addresses only.
    pub const PUBLIC_ONLY: Self = Self {
        allow_loopback: false,
    };
    /// The development policy: public addresses and plain loopback.
    pub const PUBLIC_AND_LOOPBACK: Self = Self {
        allow_loopback: true,
    };

    /// The policy for the given state of the development switch.
    pub fn new(allow_loopback: bool) -> Self {
        Self { allow_loopback }
    }

    /// Whether loopback is allowed (the development switch is on).
    pub fn allows_loopback(&self) -> bool {
        self.allow_loopback
    }

    /// True when the client may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        !is_forbidden(ip) || (self.allow_loopback && is_plain_loopback(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|_| panic!("bad test address {s}"))
    }

    /// Every forbidden range: its first address, a middle one, its last one.
    const FORBIDDEN: &[&str] = &[
        // 0.0.0.0/8
        "0.0.0.0",
        "0.1.2.3",
        "0.255.255.255",
        // 10/8
        "10.0.0.0",
        "10.0.0.1",
        "10.255.255.255",
        // 100.64/10
        "100.64.0.0",
        "100.100.100.200",
        "100.127.255.255",
        // 127/8
        "127.0.0.1",
        "127.0.0.2",
        "127.255.255.255",
        // 169.254/16
        "169.254.0.0",
        "169.254.169.254",
        "169.254.255.255",
        // 172.16/12
        "172.16.0.0",
        "172.20.1.1",
        "172.31.255.255",
        // 192.0.0/24
        "192.0.0.0",
        "192.0.0.170",
        "192.0.0.255",
        // 192.0.2/24
        "192.0.2.0",
        "192.0.2.1",
        "192.0.2.255",
        // 192.88.99/24
        "192.88.99.0",
        "192.88.99.1",
        "192.88.99.255",
        // 192.168/16
        "192.168.0.0",
        "192.168.1.1",
        "192.168.255.255",
        // 198.18/15
        "198.18.0.0",
        "198.19.0.1",
        "198.19.255.255",
        // 198.51.100/24
        "198.51.100.0",
        "198.51.100.7",
        "198.51.100.255",
        // 203.0.113/24
        "203.0.113.0",
        "203.0.113.9",
        "203.0.113.255",
        // 224/4
        "224.0.0.0",
        "224.0.0.251",
        "239.255.255.255",
        // 240/4 and broadcast
        "240.0.0.0",
        "250.1.2.3",
        "255.255.255.254",
        "255.255.255.255",
        // IPv6 unspecified and loopback
        "::",
        "::1",
        // IPv4-mapped, judged by the embedded address
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:0.0.0.0",
        "::ffff:192.168.0.1",
        // IPv4-compatible ::/96 (even with a public embedded address)
        "::8.8.8.8",
        "::127.0.0.1",
        "::a00:1",
        // NAT64 64:ff9b::/96, judged by the embedded address; local-use NAT64
        "64:ff9b::127.0.0.1",
        "64:ff9b::10.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::1",
        // 6to4 2002::/16, judged by the embedded address
        "2002:7f00:1::",
        "2002:a00:1::1",
        "2002:a9fe:a9fe::",
        "2002:c0a8:101:1::1",
        "2002::",
        // Teredo 2001::/32
        "2001::",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        "2001:0:ffff:ffff:ffff:ffff:ffff:ffff",
        // benchmarking, ORCHID
        "2001:2::1",
        "2001:10::1",
        "2001:20::1",
        // 2001:db8::/32 and 3fff::/20 documentation
        "2001:db8::",
        "2001:db8::1",
        "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
        "3fff::1",
        "3fff:fff::1",
        // fc00::/7 unique local
        "fc00::",
        "fd00::1",
        "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        // fe80::/10 link-local
        "fe80::",
        "fe80::1",
        "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        // fec0::/10 site-local (deprecated)
        "fec0::",
        "fec0::1",
        "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        // ff00::/8 multicast
        "ff00::",
        "ff02::1",
        "ff0e::1",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        // 100::/64 discard
        "100::",
        "100::1",
        "100::ffff:ffff:ffff:ffff",
        // other space outside 2000::/3
        "1::1",
        "4000::1",
        "5f00::1",
        "e000::1",
    ];

    /// Public addresses, including the neighbours of forbidden ranges.
    const ALLOWED: &[&str] = &[
        "1.1.1.1",
        "8.8.8.8",
        "9.255.255.255",
        "11.0.0.0",
        "100.63.255.255",
        "100.128.0.0",
        "126.255.255.255",
        "128.0.0.0",
        "169.253.255.255",
        "169.255.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.0.1.0",
        "192.0.3.0",
        "192.88.98.255",
        "192.88.100.0",
        "192.167.255.255",
        "192.169.0.0",
        "198.17.255.255",
        "198.20.0.0",
        "198.51.99.255",
        "198.51.101.0",
        "203.0.112.255",
        "203.0.114.0",
        "223.255.255.255",
        "93.184.215.14",
        // IPv6 global unicast
        "2600:1f18::1",
        "2a01:4f8::1",
        "2606:4700:4700::1111",
        "2001:4860:4860::8888",
        "2001:1::1",
        "2001:db7:ffff::1",
        "2001:db9::1",
        "3ffe::1",
        "3fff:1000::1",
        // embedded public IPv4
        "::ffff:8.8.8.8",
        "64:ff9b::8.8.8.8",
        "2002:808:808::1",
    ];

    #[test]
    fn forbidden_addresses_are_forbidden() {
        for s in FORBIDDEN {
            assert!(is_forbidden(ip(s)), "{s} should be forbidden");
            assert!(
                !AddressPolicy::PUBLIC_ONLY.permits(ip(s)),
                "{s} should not be permitted"
            );
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for s in ALLOWED {
            assert!(!is_forbidden(ip(s)), "{s} should be allowed");
            assert!(AddressPolicy::PUBLIC_ONLY.permits(ip(s)));
            assert!(AddressPolicy::PUBLIC_AND_LOOPBACK.permits(ip(s)));
        }
    }

    #[test]
    fn development_switch_adds_plain_loopback_only() {
        let dev = AddressPolicy::new(true);
        assert!(dev.allows_loopback());
        for s in ["127.0.0.1", "127.0.0.2", "127.255.255.254", "::1"] {
            assert!(dev.permits(ip(s)), "{s} should be permitted in development");
            assert!(!AddressPolicy::default().permits(ip(s)));
        }
        for s in FORBIDDEN {
            let addr = ip(s);
            let plain_loopback =
                matches!(addr, IpAddr::V4(v4) if v4.is_loopback()) || addr == ip("::1");
            assert_eq!(dev.permits(addr), plain_loopback, "{s} under development");
        }
        // Other spellings of loopback stay forbidden.
        for s in [
            "::ffff:127.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "::127.0.0.1",
        ] {
            assert!(!dev.permits(ip(s)), "{s}");
        }
    }
}
