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

from asn1crypto import cms, x509
from pyhanko.sign import DEFAULT_MD
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, extract_ts_certs
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import LazySession
from pyhanko_certvalidator.registry import SimpleCertificateStore
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


class UnusableTsaAnswer(TimestampRequestError):
    """No TSA gave a usable token, and at least one answered with something else (garbage,
    a refusal, a token for another digest): ``answers`` says which and how."""

    def __init__(self, answers: list[tuple[str, str]]):
        super().__init__("no time-stamping server gave a usable answer")
        self.answers = answers


class FallbackTimeStamper(TimeStamper):
    """Asks each TSA in turn; fails only when none gives a usable token (never a silent
    B-B). An answer counts only once it is parsed through and checked (a granted status,
    a TSTInfo over the digest asked for, a signer and its certificate): whatever a server
    sends, it is used, or it is one more server that did not do."""

    def __init__(self, spec: TsaSpec, *, session: LazySession):
        super().__init__()
        auth = (spec.username, spec.password or "") if spec.username else None
        self.urls = spec.urls
        self._clients = [HTTPTimeStamper(url, timeout=spec.timeout_seconds, auth=auth,
                                         session=session) for url in spec.urls]
        self.last_url: str | None = None

    async def async_timestamp(self, message_digest, md_algorithm) -> cms.ContentInfo:
        unusable: list[tuple[str, str]] = []
        for url, client in zip(self.urls, self._clients, strict=True):
            try:
                token = await client.async_timestamp(message_digest, md_algorithm)
                check_token(token, message_digest, md_algorithm)
            except (TimestampRequestError, OSError) as exc:
                cause = exc.__cause__ or exc
                if isinstance(cause, OSError) or type(exc) is not TimestampRequestError:
                    log.warning("time-stamping server %s did not answer (%s)", url,
                                type(cause).__name__)
                else:  # it answered, with a refusal or a nonce that is not ours
                    unusable.append((url, str(exc)))
                    log.warning("time-stamping server %s refused (%s)", url, exc)
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any malformed answer: this TSA is out
                unusable.append((url, f"{type(exc).__name__}: {exc}"))
                log.warning("time-stamping server %s sent an answer that cannot be used "
                            "(%s: %s)", url, type(exc).__name__, exc)
                continue
            self.last_url = url
            return token
        if unusable:
            raise UnusableTsaAnswer(unusable)
        raise TimestampRequestError("no time-stamping server answered")


def check_token(token: cms.ContentInfo, message_digest: bytes, md_algorithm: str) -> None:
    """Parse a timestamp token through and check it stamps ``message_digest``; ValueError
    (or asn1crypto's own errors) when it is not a usable RFC 3161 token."""
    if token["content_type"].native != "signed_data":
        raise ValueError("the token is not CMS SignedData")
    signed = token["content"]
    encap = signed["encap_content_info"]
    if encap["content_type"].native != "tst_info":
        raise ValueError("the token does not hold a TSTInfo")
    info = encap["content"].parsed
    imprint = info["message_imprint"]
    if imprint["hashed_message"].native != message_digest or \
            imprint["hash_algorithm"]["algorithm"].native != md_algorithm:
        raise ValueError("the token stamps another digest than the one asked for")
    if info["gen_time"].native is None or not len(signed["signer_infos"]):
        raise ValueError("the token has no time or no signer")
    token.native  # noqa: B018 - every part parses (asn1crypto parses lazily)
    if not list(extract_ts_certs(token, SimpleCertificateStore())):
        raise ValueError("the token does not carry the time-stamping certificate")


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
                              hint=_("Set [tsa] urls in trams.toml or give --tsa URL."),
                              code="tsa_missing")
        stamper = self._timestampers.get(tsa)
        if stamper is None:
            stamper = self._timestampers[tsa] = FallbackTimeStamper(tsa, session=self._http)
        return stamper

    async def timestamp_size(self, stamper: FallbackTimeStamper) -> int:
        """Room for the signature timestamp token: the size of a real token from this TSA
        (fetched once per batch and cached by pyHanko), plus a margin."""
        try:
            token = await stamper.async_dummy_response(DEFAULT_MD)
        except (TimestampRequestError, OSError) as exc:
            raise unreachable_tsa(TsaSpec(urls=stamper.urls), exc) from None
        return len(token.dump()) + 1024

    def ensure_timestamper(self, tsa: TsaSpec) -> FallbackTimeStamper:
        """Reach a TSA now (once per batch) and check its answer is a usable token, so an
        unreachable or broken one fails before any file."""
        stamper = self.timestamper(tsa)
        try:
            self.run(stamper.async_dummy_response(DEFAULT_MD))
        except (TimestampRequestError, OSError) as exc:
            raise unreachable_tsa(tsa, exc) from None
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


def unreachable_tsa(tsa: TsaSpec, exc: BaseException | None = None) -> NetworkError:
    """No TSA usable: none answered, or (``exc`` an :class:`UnusableTsaAnswer`) what they
    answered is no timestamp token TRAMS can embed."""
    if isinstance(exc, UnusableTsaAnswer):
        answers = "; ".join(f"{url}: {reason}" for url, reason in exc.answers)
        return NetworkError(
            _("the time-stamping server is unusable: its answer is not a valid timestamp "
              "({answers})", answers=answers),
            hint=_("Check the [tsa] urls point at an RFC 3161 time-stamping service, or ask "
                   "its operator; another server can be listed after it."),
                   code="tsa_answer_invalid")
    return NetworkError(
        _("no time-stamping server answered ({urls})", urls=", ".join(tsa.urls)),
        hint=_("Check the network and the [tsa] urls, or choose level B-B explicitly."),
        code="tsa_unreachable")
