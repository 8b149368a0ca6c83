"""The real client behind a reverse proxy (``COLEAD_TRUSTED_PROXIES``).

Behind nginx or Caddy every request comes from the proxy's address, so limits counted
per address (unknown links, API authentication, console logins) would count all clients
together. The proxy names the client in ``X-Forwarded-For`` and the scheme it was reached
by in ``X-Forwarded-Proto``; but anyone can send those headers, so they are believed only
from the proxies named in the settings. :class:`ForwardedHeaders` then puts the real client
and scheme into the request itself, before anything reads them: every limit, the login
failure count and the logs see the same address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from colead.config import ProxyNetwork

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: the schemes a proxy may report; anything else is ignored
_SCHEMES = ("http", "https")


def _address(text: str) -> IpAddress | None:
    """The IP address in ``text`` (IPv6 in brackets and a port are allowed), or None."""
    text = text.strip()
    if text.startswith("["):  # "[2001:db8::1]:443"
        text = text[1 : text.find("]")] if "]" in text else text
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # "::ffff:10.0.0.1" is 10.0.0.1
    return mapped if mapped is not None else address


class ForwardedHeaders:
    """Replaces the request's client address and scheme with those forwarded by a trusted
    proxy; from anyone else the headers are ignored.

    The client is found from the right of ``X-Forwarded-For``: each proxy appends the
    address it was reached from, so the right-most address that is not a trusted proxy
    is the client (what it wrote itself, further left, is not believed). An entry that is
    not an address stops the search where it is. The scheme is the last
    ``X-Forwarded-Proto`` value, the one the nearest proxy set, when it is http or https.
    """

    def __init__(self, app: ASGIApp, trusted: Sequence[ProxyNetwork]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    def _trusted(self, address: IpAddress | None) -> bool:
        return address is not None and any(address in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.trusted and scope["type"] in ("http", "websocket"):
            peer = scope.get("client")
            if peer and self._trusted(_address(str(peer[0]))):
                scope = self._forwarded(scope, str(peer[0]))
        await self.app(scope, receive, send)

    def _forwarded(self, scope: Scope, peer: str) -> Scope:
        headers = Headers(scope=scope)
        client = peer
        hops = ",".join(headers.getlist("x-forwarded-for")).split(",")
        for hop in reversed([hop for hop in hops if hop.strip()]):
            address = _address(hop)
            if address is None:
                break
            client = str(address)
            if not self._trusted(address):
                break
        changed = dict(scope)
        changed["client"] = (client, 0)
        schemes = ",".join(headers.getlist("x-forwarded-proto")).split(",")
        scheme = schemes[-1].strip().lower()
        if scheme in _SCHEMES:
            changed["scheme"] = scheme
        return changed
