"""RFC 3161 time-stamps: ask a TSA for a token over some bytes, and verify one.

The ASN.1 (TimeStampReq, TimeStampResp, TSTInfo) is asn1crypto's and the
checks of the token's CMS signature, TSA certificate path (to the configured TSA
anchors, extendedKeyUsage timeStamping) and message imprint are pyHanko's, so
none of it is hand-written here. A token is verified when it is received and
every time it is read back as evidence.

A letter's signature is stamped as XAdES's SignatureTimeStamp (ETSI EN 319
132-1 §5.3): the imprint covers the ``ds:SignatureValue`` element, canonicalised
with inclusive C14N 1.0 (the default when the time-stamp names no other).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import http.client
import urllib.parse
import urllib.request
from base64 import b64encode
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from pyhanko.sign.timestamps.common_utils import (
    TimestampRequestError,
    get_nonce,
    handle_tsp_response,
)
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

from signing.xmlparse import parse_xml

DS = "http://www.w3.org/2000/09/xmldsig#"
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_REPLY_BYTES = 256 * 1024


class TimestampError(ValueError):
    """A TSA did not answer with a token, or a token does not verify; the message says why."""


@dataclass(frozen=True)
class Timestamp:
    """A verified token: its DER bytes, the time the TSA vouches for, and who the TSA is."""

    token: bytes
    gen_time: dt.datetime
    tsa: str


def signature_values(xml: bytes) -> list[bytes]:
    """Each ``ds:SignatureValue`` of a signed letter, canonicalised: what a stamp covers."""
    root = parse_xml(xml)
    return [etree.tostring(value, method="c14n") for value in root.iter(f"{{{DS}}}SignatureValue")]


def _request(digest: bytes) -> tuple[int, tsp.TimeStampReq]:
    nonce = get_nonce()
    return nonce, tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )


def _token_of(url: str, body: bytes, nonce: int) -> bytes:
    """The token of a TSA's reply ``body``: its status and nonce checked, not yet verified."""
    if len(body) > MAX_REPLY_BYTES:
        raise TimestampError(f"TSA {url}: reply larger than {MAX_REPLY_BYTES} bytes")
    try:
        token = handle_tsp_response(tsp.TimeStampResp.load(body), nonce)
        return token.dump()
    except (TimestampRequestError, ValueError, TypeError, KeyError) as exc:
        raise TimestampError(f"TSA {url}: {exc}") from None


class TimestampClient:
    """One keep-alive HTTP connection to a TSA, for asking it for several tokens in turn.

    Not thread-safe: one client per thread. The connection is opened on first use,
    and once more if the TSA closed an idle one.
    """

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise TimestampError(f"TSA URL {url!r} is not http(s)")
        self.url = url
        self._path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        self._headers = {"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE}
        self._connection: http.client.HTTPConnection | None = None
        proxy = _proxy(parts)
        if proxy is not None:
            self._connect = self._via(proxy, parts, timeout)
        elif parts.scheme == "https":
            self._connect = functools.partial(
                http.client.HTTPSConnection, parts.netloc, timeout=timeout
            )
        else:
            self._connect = functools.partial(
                http.client.HTTPConnection, parts.netloc, timeout=timeout
            )

    def _via(
        self, proxy: urllib.parse.SplitResult, parts: urllib.parse.SplitResult, timeout: float
    ) -> Callable[[], http.client.HTTPConnection]:
        """Connections through the proxy the environment names (``http_proxy``,
        ``https_proxy``, ``no_proxy``, read as urllib reads them): plain http asks the proxy
        for the whole URL, https tunnels through it (CONNECT)."""
        auth = {}
        if proxy.username:
            unquote = urllib.parse.unquote
            user = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}".encode()
            auth = {"Proxy-Authorization": "Basic " + b64encode(user).decode()}
        address = f"{proxy.hostname}:{proxy.port or 80}"
        if parts.scheme == "http":
            self._path = urllib.parse.urlunsplit(parts._replace(fragment=""))
            self._headers |= auth
            return functools.partial(http.client.HTTPConnection, address, timeout=timeout)

        def tunnel() -> http.client.HTTPConnection:
            connection = http.client.HTTPSConnection(address, timeout=timeout)
            connection.set_tunnel(parts.hostname or "", parts.port or 443, headers=auth)
            return connection

        return tunnel

    def request(self, data: bytes) -> bytes:
        """POST an RFC 3161 query for SHA-256(``data``); return the token's DER.

        The reply's status and nonce are checked here; the token itself is checked
        by :func:`verify_timestamp`, which the caller runs before keeping it.
        """
        nonce, query = _request(hashlib.sha256(data).digest())
        kept = self._connection is not None
        try:
            try:
                reply, body = self._post(query.dump())
            except (OSError, http.client.HTTPException):
                if not kept:
                    raise
                # The TSA closed the connection kept from the last request: once more.
                reply, body = self._post(query.dump())
        except (OSError, http.client.HTTPException) as exc:
            raise TimestampError(f"TSA {self.url}: {exc}") from None
        if reply.status != 200:
            raise TimestampError(f"TSA {self.url}: HTTP {reply.status} {reply.reason}")
        return _token_of(self.url, body, nonce)

    def _post(self, query: bytes) -> tuple[http.client.HTTPResponse, bytes]:
        if self._connection is None:
            self._connection = self._connect()
        try:
            self._connection.request("POST", self._path, body=query, headers=self._headers)
            reply = self._connection.getresponse()
            body = reply.read(MAX_REPLY_BYTES + 1)
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if reply.will_close:
            self.close()
        return reply, body

    def close(self) -> None:
        """Close the connection (the next request opens another)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _proxy(parts: urllib.parse.SplitResult) -> urllib.parse.SplitResult | None:
    """The proxy the environment names for this URL, unless ``no_proxy`` exempts its host."""
    proxy = urllib.request.getproxies().get(parts.scheme)
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")


def request_timestamp(url: str, data: bytes, *, timeout: float = 10.0) -> bytes:
    """POST an RFC 3161 query for SHA-256(``data``) to ``url``; return the token's DER
    (unverified: see :meth:`TimestampClient.request`)."""
    client = TimestampClient(url, timeout)
    try:
        return client.request(data)
    finally:
        client.close()


def request_timestamps(
    url: str,
    items: Sequence[bytes],
    *,
    timeout: float = 10.0,
    connections: int = 4,
    pool: Executor | None = None,
) -> list[bytes | TimestampError | None]:
    """Tokens over each of ``items``, in order, asked over ``connections`` keep-alive
    connections at once: a batch costs its slowest connection's round trips, not the sum.
    The connections are served by ``pool``'s threads (by threads of their own without one).

    A connection that meets a failure stops there (the TSA is failing): that item's
    entry is the error, and the entries it did not ask for are None.
    """
    TimestampClient(url, timeout)  # a URL that is not http(s) fails here, not in a thread
    results: list[bytes | TimestampError | None] = [None] * len(items)

    def ask(indexes: range) -> None:
        client = TimestampClient(url, timeout)
        try:
            for index in indexes:
                try:
                    results[index] = client.request(items[index])
                except TimestampError as exc:
                    results[index] = exc
                    return
        finally:
            client.close()

    count = max(1, min(connections, len(items)))
    shares = [range(start, len(items), count) for start in range(count)]
    if count == 1:
        ask(shares[0])
    elif pool is None:
        with ThreadPoolExecutor(count) as own:
            list(own.map(ask, shares))
    else:
        list(pool.map(ask, shares))
    return results


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


def token_info(token: bytes) -> tsp.TSTInfo:
    """The TSTInfo a token carries (unverified); TimestampError when it is not a token."""
    try:
        content = cms.ContentInfo.load(token)
        if content["content_type"].native != "signed_data":
            raise TimestampError("time-stamp token: not CMS SignedData")
        info = content["content"]["encap_content_info"]["content"].parsed
        if not isinstance(info, tsp.TSTInfo):
            raise TimestampError("time-stamp token: does not encapsulate a TSTInfo")
        info.native  # noqa: B018 - decode it all now, so a malformed token fails here
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(f"time-stamp token: not DER ({exc})") from None
    return info


def verify_timestamp(
    token: bytes,
    data: bytes,
    anchors: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList] = (),
) -> Timestamp:
    """Check a token over ``data``: imprint, CMS signature, TSA path to ``anchors`` at genTime.

    The TSA certificate must carry extendedKeyUsage timeStamping. Its validity
    and revocation are judged at the token's own time; with no CRL for it the
    check is soft (a TSA certificate often has no revocation data offline).
    """
    info = token_info(token)
    gen_time = info["gen_time"].native
    if not anchors:
        raise TimestampError("time-stamp token: no TSA trust anchor is configured")
    context = ValidationContext(
        trust_roots=[_asn1(anchor) for anchor in anchors],
        crls=[crl.public_bytes(Encoding.DER) for crl in crls],
        moment=gen_time,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )

    def imprint(algorithm: str) -> bytes:
        try:
            return hashlib.new(algorithm, data).digest()
        except ValueError:
            raise TimestampError(f"time-stamp token: unknown digest {algorithm}") from None

    signed_data = cms.ContentInfo.load(token)["content"]
    try:
        status = asyncio.run(validate_tst_signed_data(signed_data, context, imprint))
    except SignatureValidationError as exc:
        raise TimestampError(f"time-stamp token: {exc}") from None
    if not status.get("intact"):
        raise TimestampError("time-stamp token: its message imprint is not of these bytes")
    if not status.get("valid"):
        raise TimestampError("time-stamp token: the TSA's signature does not verify")
    problem = status.get("trust_problem_indic")
    if problem is not None:
        raise TimestampError(f"time-stamp token: the TSA is not trusted ({problem.name})")
    tsa = status["signing_cert"].subject.human_friendly
    return Timestamp(token=token, gen_time=gen_time, tsa=tsa)
