"""Where a webhook may send: `https://` to public addresses only. No loopback, private,
link-local (the cloud metadata address among them), multicast or reserved address,
checked when the webhook is saved and again before every attempt (DNS can change), and
the attempt connects to the address checked (`Target`).
`allow_private` (development, tests) admits `http://`, loopback and private addresses;
link-local ones never."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

MAX_URL_LENGTH = 2000


class UnsafeTarget(Exception):
    """Why a URL may not be sent to, in a sentence for its owner."""


# IPv6 prefixes that carry an IPv4 address in their last 32 bits: NAT64's well-known
# prefix and its local-use one (RFC 6052 and 8215), and the old IPv4-compatible form
# (`::a.b.c.d`; `::` and `::1` themselves are refused as what they are).
_CARRYING = (
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("::/96"),
)


def _embedded(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (6to4, Teredo, NAT64, the
    IPv4-compatible form), which a relay on the way would reach: each must be
    acceptable too (Python 3.11 holds `2002:7f00:1::`, 6to4 for 127.0.0.1, a global
    address)."""
    carried = [address.sixtofour] if address.sixtofour is not None else []
    if address.teredo is not None:
        carried.extend(address.teredo)
    if any(address in prefix for prefix in _CARRYING) and int(address) > 1:
        carried.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return carried


def _address_problem(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_private: bool
) -> str | None:
    if isinstance(address, ipaddress.IPv6Address):
        for carried in _embedded(address):
            problem = _address_problem(carried, allow_private)
            if problem is not None:
                return problem
    if address.is_link_local or (
        isinstance(address, ipaddress.IPv6Address)
        and address.ipv4_mapped is not None
        and address.ipv4_mapped.is_link_local
    ):
        return "a link-local address (such as the cloud metadata service)"
    if address.is_multicast or address.is_unspecified:
        return "an address that is not a host's"
    if allow_private:
        return None
    if address.is_loopback or address.is_private or address.is_reserved or not address.is_global:
        return "a private, loopback or reserved address"
    return None


def check_url_shape(url: str, allow_private: bool) -> str:
    """The URL's host, if its shape is acceptable; else UnsafeTarget."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeTarget(f"A URL has at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeTarget("Enter a valid URL.") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeTarget("Webhook URLs must start with https://.")
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeTarget("Enter a URL with a host and no credentials.")
    if port == 0:
        raise UnsafeTarget("Enter a valid port.")
    return parts.hostname


async def resolve(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The host's addresses, as the system's resolver answers."""
    found = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]


@dataclass(frozen=True)
class Target:
    """Where an attempt goes: the URL with the host's checked address in place of its
    name, so that the address connected to is the one checked (a DNS answer that
    changes between the check and the connection gets nowhere), with the name kept
    for the `Host` header and for TLS (SNI and the certificate's check).

    Such a connection is not kept for another attempt (`Connection: close`): a pool
    tells connections apart by address, not by name, and one verified for a name must
    not carry a request for another name served at the same address."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, str] = field(default_factory=dict)


async def check_target(url: str, allow_private: bool) -> None:
    """Refuse a URL whose host is, or resolves to, an address it may not reach."""
    await checked_target(url, allow_private)


async def checked_target(url: str, allow_private: bool) -> Target:
    """The target of an attempt, once every address its host resolves to is allowed.
    The host is taken as HTTP sends it (IDNA 2008 in ASCII), for DNS, TLS and `Host`
    alike."""
    check_url_shape(url, allow_private)
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError):
        raise UnsafeTarget("Enter a valid URL.") from None
    try:
        literal = ipaddress.ip_address(host)
        addresses = [literal]
    except ValueError:
        literal = None
        try:
            addresses = await resolve(host)
        except (OSError, UnicodeError):
            raise UnsafeTarget(f"The host {host} does not resolve.") from None
    if not addresses:
        raise UnsafeTarget(f"The host {host} does not resolve.")
    for address in addresses:
        problem = _address_problem(address, allow_private)
        if problem:
            raise UnsafeTarget(f"The host {host} is {problem}: webhooks are not sent there.")
    if literal is not None:
        return Target(url)
    # IPv4 first: one address is connected to, and IPv4 is the one most often served.
    chosen = min(addresses, key=lambda a: a.version)
    extensions = {"sni_hostname": host} if parsed.scheme == "https" else {}
    return Target(
        str(parsed.copy_with(host=str(chosen))),
        {"host": parsed.netloc.decode("ascii"), "connection": "close"},
        extensions,
    )
