"""A signing batch: what is opened once and reused for every document.

One event loop and one HTTP session (TSA, OCSP, CRL), one pyHanko ValidationContext (it
caches the OCSP responses and CRLs it fetched, so revocation data is fetched once per
batch), one timestamper per TSA list (its size-estimate token is fetched once), and each
key source opened once with its Circular 15/2025 checks run once.

Typical use (a batch runner signing leader then agency)::

    with SigningBatch(trust_roots=roots) as batch:
        with batch.open_signer(leader_cfg, secret=pin1) as leader, \\
             batch.open_signer(agency_cfg, secret=pin2) as agency:
            for src in inputs:
                sign_document(src, out / src.name, steps=[(leader_spec, leader),
                                                           (agency_spec, agency)])
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from asn1crypto import x509
from pyhanko.sign import DEFAULT_MD
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import LazySession
from trams.signing import speedups
from trams.signing.checks import async_check_certificate, enforce
from trams.signing.keys import OpenedKey, open_key_source
from trams.signing.trust import build_validation_context

from trams.config import KeySourceConfig, TsaConfig, read_secret
from trams.errors import ConfigError, NetworkError
from trams.i18n import _

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class TsaSpec:
    """RFC 3161 servers, tried in order; optional HTTP basic authentication."""

    urls: tuple[str, ...] = ()
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = 10.0

    @classmethod
    def from_config(cls, tsa: TsaConfig, *, urls: Iterable[str] | None = None) -> TsaSpec:
        """The [tsa] settings (``urls`` replaces its list), with the password read from the
        environment variable they name; never prompts."""
        password = read_secret(env=tsa.secret_env, file=None,
                               what=_("time-stamping server password"))
        return cls(urls=tuple(urls or tsa.urls), username=tsa.username, password=password,
                   timeout_seconds=tsa.timeout_seconds)


class FallbackTimeStamper(TimeStamper):
    """Asks each TSA in turn; fails only when none answers (never a silent B-B)."""

    def __init__(self, spec: TsaSpec, *, session: LazySession):
        super().__init__()
        auth = (spec.username, spec.password or "") if spec.username else None
        self.urls = spec.urls
        self._clients = [HTTPTimeStamper(url, timeout=spec.timeout_seconds, auth=auth,
                                         session=session) for url in spec.urls]
        self.last_url: str | None = None

    async def async_request_tsa_response(self, req):
        for url, client in zip(self.urls, self._clients, strict=True):
            try:
                response = await client.async_request_tsa_response(req)
            except (TimestampRequestError, OSError) as exc:
                log.warning("time-stamping server %s did not answer (%s)", url,
                            type(exc.__cause__ or exc).__name__)
                continue
            self.last_url = url
            return response
        raise TimestampRequestError("no time-stamping server answered")


@dataclass
class SignerSession:
    """An open key source inside a batch: sign many documents with it."""

    key: OpenedKey
    batch: SigningBatch
    warnings: tuple[str, ...] = ()

    @property
    def reserve_bytes(self) -> int:
        """Room for the CMS signature: sized from the certificates, no trial signature."""
        certs = sum(len(c.dump()) for c in self.key.signer.cert_registry)
        return 1536 + certs + self.key.certificate.public_key.byte_size * 2


class SigningBatch:
    """Services shared by every document of a batch; use as a context manager."""

    def __init__(self, *, trust_roots: Iterable[x509.Certificate],
                 intermediates: Iterable[x509.Certificate] = (),
                 on_certificate_problem: str = "refuse", allow_fetching: bool = True,
                 fetch_timeout_seconds: float = 10.0):
        speedups.install()
        self.trust_roots = list(trust_roots)
        self.intermediates = list(intermediates)
        self.on_certificate_problem = on_certificate_problem
        self._loop = asyncio.new_event_loop()
        self._http = LazySession()
        self._backend = AIOHttpFetcherBackend(self._http, per_request_timeout=fetch_timeout_seconds)
        self.validation_context: ValidationContext = build_validation_context(
            self.trust_roots, intermediates=self.intermediates, allow_fetching=allow_fetching,
            fetcher_backend=self._backend)
        self._timestampers: dict[TsaSpec, FallbackTimeStamper] = {}
        self._closed = False
        self._offline: ValidationContext | None = None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._loop.run_until_complete(coro)

    def offline_context(self) -> ValidationContext:
        """Validation with the batch's trust roots and no network (integrity checks)."""
        if self._offline is None:
            self._offline = build_validation_context(
                self.trust_roots, intermediates=self.intermediates, allow_fetching=False)
        return self._offline

    def timestamper(self, tsa: TsaSpec) -> FallbackTimeStamper:
        if not tsa.urls:
            raise ConfigError(_("this signature level needs a time-stamping server"),
                              hint=_("Set [tsa] urls in trams.toml or give --tsa URL."))
        stamper = self._timestampers.get(tsa)
        if stamper is None:
            stamper = self._timestampers[tsa] = FallbackTimeStamper(tsa, session=self._http)
        return stamper

    async def timestamp_size(self, stamper: FallbackTimeStamper) -> int:
        """Room for the signature timestamp token: the size of a real token from this TSA
        (fetched once per batch and cached by pyHanko), plus a margin."""
        try:
            token = await stamper.async_dummy_response(DEFAULT_MD)
        except (TimestampRequestError, OSError):
            raise unreachable_tsa(TsaSpec(urls=stamper.urls)) from None
        return len(token.dump()) + 1024

    def ensure_timestamper(self, tsa: TsaSpec) -> FallbackTimeStamper:
        """Reach a TSA now (once per batch), so an unreachable one fails before any file."""
        stamper = self.timestamper(tsa)
        try:
            self.run(stamper.async_dummy_response(DEFAULT_MD))
        except (TimestampRequestError, OSError):
            raise unreachable_tsa(tsa) from None
        return stamper

    @contextmanager
    def open_signer(self, source: KeySourceConfig, *, secret: str | None) -> Iterator[
            SignerSession]:
        """Open a key source once and run the pre-signing certificate checks once."""
        with open_key_source(source, secret=secret) as key:
            problems = self.run(async_check_certificate(
                key.certificate, chain=key.chain, context=self.validation_context))
            warnings = enforce(problems, mode=self.on_certificate_problem, source=key.source)
            for message in warnings:
                log.warning("%s", message)
            yield SignerSession(key=key, batch=self, warnings=tuple(warnings))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._loop.run_until_complete(self._http.close())
        finally:
            self._loop.close()

    def __enter__(self) -> SigningBatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def unreachable_tsa(tsa: TsaSpec) -> NetworkError:
    return NetworkError(
        _("no time-stamping server answered ({urls})", urls=", ".join(tsa.urls)),
        hint=_("Check the network and the [tsa] urls, or choose level B-B explicitly."))
