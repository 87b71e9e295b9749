"""Which address a request really comes from, believing X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Parse proxy addresses or networks ("10.0.0.5", "10.0.0.0/24", "::1"); raise ValueError on a wrong one."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip())


def client_address(remote: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """Return the address of the client: the peer, or, behind trusted proxies, the first untrusted hop.

    X-Forwarded-For is read right to left (each proxy appends the address it saw) and only while the
    hop that added it is trusted, so a client cannot choose its own address by sending the header.
    """
    address = remote or "unknown"
    if not trusted or not _trusted(address, trusted):
        return address
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _valid(hop):
            return address  # a garbled header: keep the last address we can vouch for
        address = hop
        if not _trusted(hop, trusted):
            return hop
    return address


def _valid(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _trusted(value: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
