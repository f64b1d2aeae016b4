"""The SSRF guard of `fetch_page`: which URLs and addresses a model may make us fetch.

A model that reads untrusted pages chooses the URLs, so a page can ask it to fetch
`http://169.254.169.254/` (cloud credentials) or an intranet admin port. The guard:

- accepts only `http` and `https`;
- turns the host into IP addresses — IP literals in every notation that the C resolver
  accepts (`127.1`, `0x7f000001`, `2130706433`, `0177.0.0.1`, `[::ffff:127.0.0.1]`) are
  parsed here, names are resolved with `getaddrinfo`;
- refuses an address that is loopback, private, link-local, multicast, reserved,
  unspecified or otherwise not globally routable, after unwrapping IPv4 addresses embedded
  in IPv6 (mapped, compatible, NAT64, 6to4, Teredo);
- lets an explicit allow-list open hosts, `host:port` pairs and CIDRs (intranet research,
  tests).

`check_url` returns the vetted addresses; the fetcher connects to exactly those (see
`fetch.GuardedTransport`), so DNS cannot change its answer between check and connect.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from langchain_core.tools import ToolException

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

ALLOWED_SCHEMES = ("http", "https")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedURL(ToolException):
    """The URL, or an address it resolves to, is not one fetch_page may reach."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (both families), as strings."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address written in `host`, in any notation a resolver accepts; None for a name."""
    bare = host.strip("[]")
    try:
        return ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        pass
    # inet_aton accepts the legacy forms: 127.1, 0x7f000001, 2130706433, 0177.0.0.1.
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except (OSError, ValueError):
        return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if int(ip) >> 32 == 0 and int(ip) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(ip))
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why `ip` must not be fetched by default, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = blocked_reason(inner)
            return f"{reason} (embedded in {ip})" if reason else None
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("not globally routable", not ip.is_global),
    )
    for name, hit in checks:
        if hit:
            return f"{name} address {ip}"
    return None


@dataclass(frozen=True)
class _Rule:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None
    host: str | None
    port: int | None

    def matches(self, host: str, ip: IPAddress, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            return ip in self.network
        return host == self.host


class AllowList:
    """Hosts, `host:port` pairs and CIDRs that open private addresses.

    Entries: `10.0.0.0/8`, `127.0.0.1/32`, `127.0.0.1:8080`, `[::1]:8080`, `wiki.corp`,
    `wiki.corp:8443`. A host-name entry trusts whatever that name resolves to.
    """

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.entries = tuple(entries)
        self._rules = tuple(self._parse(entry) for entry in self.entries)

    @staticmethod
    def _parse(entry: str) -> _Rule:
        text = entry.strip().lower()
        if not text:
            raise ValueError("empty fetch allow-list entry")
        try:
            return _Rule(ipaddress.ip_network(text, strict=False), None, None)
        except ValueError:
            pass
        parts = urlsplit(f"//{text}")
        host, port = parts.hostname or "", parts.port
        ip = parse_ip_literal(host)
        if ip is not None:
            return _Rule(ipaddress.ip_network(ip), None, port)
        return _Rule(None, host.rstrip("."), port)

    def allows(self, host: str, ip: IPAddress, port: int) -> bool:
        """Whether a rule opens `ip` reached as `host:port`."""
        name = host.lower().rstrip(".")
        return any(rule.matches(name, ip, port) for rule in self._rules)

    def __bool__(self) -> bool:
        return bool(self._rules)


@dataclass(frozen=True)
class CheckedTarget:
    """A URL that passed the guard and the addresses it may be connected to."""

    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def check_url(
    url: str,
    allow: AllowList | Sequence[str] = (),
    *,
    resolver: Resolver = system_resolver,
) -> CheckedTarget:
    """Vet `url` and return the addresses to connect to; raise `BlockedURL` otherwise.

    Every resolved address must pass (a name resolving to one public and one private
    address is refused), so the caller may connect to any of the returned addresses.
    """
    allow_list = allow if isinstance(allow, AllowList) else AllowList(allow)
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise BlockedURL(f"fetch_page refused {url!r}: malformed URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise BlockedURL(f"fetch_page refused {url!r}: only http and https URLs can be fetched")
    host = parts.hostname
    if not host:
        raise BlockedURL(f"fetch_page refused {url!r}: the URL has no host")
    port = port or (443 if scheme == "https" else 80)
    literal = parse_ip_literal(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            resolved = resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise BlockedURL(f"fetch_page could not resolve host {host!r}") from exc
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolved]
        if not addresses:
            raise BlockedURL(f"fetch_page could not resolve host {host!r}")
    for ip in addresses:
        reason = blocked_reason(ip)
        if reason and not allow_list.allows(host, ip, port):
            raise BlockedURL(
                f"fetch_page refused {url!r}: {reason} is not allowed "
                "(private targets need the fetch allow-list)"
            )
    unique = tuple(dict.fromkeys(str(ip) for ip in addresses))
    return CheckedTarget(scheme=scheme, host=host, port=port, addresses=unique)
