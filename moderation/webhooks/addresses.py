"""Where a webhook may go, and the request that goes there.

An endpoint's host is resolved and every address it resolves to must be a public
one: private, loopback, link-local, multicast, reserved, shared and unspecified
addresses are refused (IPv4 and IPv6, IPv4-mapped IPv6 judged as the IPv4 address
it carries), unless the address is in a network of WEBHOOK_ALLOWED_NETWORKS. The
request then connects to the address that was checked, not to the name again, so a
name that answers differently the second time (DNS rebinding) cannot send it
elsewhere. https only, unless WEBHOOK_ALLOW_HTTP; redirects are not followed; the
answer's body is read up to a cap and ignored; WEBHOOK_TIMEOUT_SECONDS bounds each
wait and twice that the whole request.
"""

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

USER_AGENT = "Stammtisch-Webhooks/1.0"
# Of an endpoint's answer only the status and Retry-After matter; the body is read
# (so that the connection closes cleanly) up to this many bytes.
RESPONSE_READ_CAP = 64 * 1024


class RefusedAddress(Exception):
    """The URL may not be called: its scheme, its form, or where its host points."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(network, strict=False) for network in settings.WEBHOOK_ALLOWED_NETWORKS]


def address_allowed(address: Address) -> bool:
    """Whether a request may go to ``address``: a public unicast address, or one the
    settings allow."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in _allowed_networks()):
        return True
    return address.is_global and not address.is_multicast


def url_check_form(url: str) -> tuple[str, str, int, str]:
    """The scheme, host, port and path of ``url``, or RefusedAddress saying what is
    wrong with its form. Resolves nothing."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise RefusedAddress(gettext("This is not a valid URL.")) from None
    schemes = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in schemes:
        raise RefusedAddress(
            gettext("Webhooks are sent over https only.")
            if parts.scheme == "http"
            else gettext("The URL must start with https://.")
        )
    if not parts.hostname:
        raise RefusedAddress(gettext("The URL has no host."))
    if parts.username is not None or parts.password is not None:
        raise RefusedAddress(gettext("The URL may not contain a user name or password."))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def url_resolve(url: str) -> Target:
    """Check ``url`` and resolve its host; RefusedAddress if it may not be called."""
    scheme, host, port, path = url_check_form(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise RefusedAddress(gettext("The host %(host)s cannot be resolved.") % {"host": host}) from None
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        text = str(sockaddr[0]).split("%", 1)[0]
        address = ipaddress.ip_address(text)
        if not address_allowed(address):
            raise RefusedAddress(
                gettext(
                    "The host %(host)s points to %(address)s, a private or special address, "
                    "to which webhooks are not sent."
                )
                % {"host": host, "address": text}
            )
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise RefusedAddress(gettext("The host %(host)s cannot be resolved.") % {"host": host})
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """http.client's connection to ``host`` (its Host header), made to ``address``."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.pinned_address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.pinned_address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked against ``host``."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.pinned_address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


class _Cutoff:
    """Ends a request that takes too long: shutting the socket down wakes the read,
    which then sees the end of the stream; ``fired`` tells that apart from an answer."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self.connection = connection
        self.fired = threading.Event()
        self.timer = threading.Timer(seconds, self.fire)

    def fire(self) -> None:
        self.fired.set()
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def post(target: Target, *, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``target``, trying its checked addresses in turn until one
    connects. Raises OSError or http.client.HTTPException when no answer comes."""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    all_headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **headers,
    }
    error: OSError | None = None
    for address in target.addresses:
        connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(target.host, target.port, address=address, timeout=timeout)
        try:
            try:
                connection.connect()
            except OSError as exc:
                error = exc
                continue
            # The timeout bounds each wait; a receiver that answers a byte at a time
            # is cut off when the whole request has taken twice as long.
            cutoff = _Cutoff(connection, timeout * 2)
            cutoff.timer.start()
            try:
                connection.request("POST", target.path, body=body, headers=all_headers)
                response = connection.getresponse()
                response.read(RESPONSE_READ_CAP)
            except (OSError, http.client.HTTPException):
                if cutoff.fired.is_set():
                    raise TimeoutError(f"no complete answer within {timeout * 2:g} s") from None
                raise
            finally:
                cutoff.timer.cancel()
            if cutoff.fired.is_set():
                raise TimeoutError(f"no complete answer within {timeout * 2:g} s")
            return Answer(status=response.status, retry_after=response.getheader("Retry-After") or "")
        finally:
            connection.close()
    assert error is not None
    raise error
