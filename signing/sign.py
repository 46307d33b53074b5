"""PAdES signing on pyHanko: one frozen :class:`SignSpec` per role, one signer per batch.

:func:`open_signer` opens the key sources of a batch once (and reaches the TSA once) and
yields a :class:`DocumentSigner`; its ``sign(src, dst)`` applies every step of the profile to
one document and returns a :class:`SignResult`. The services shared by a batch (event loop,
HTTP session, validation context, timestamper) are in :mod:`trams.signing.batch`.

Leader (or desk officer) first, as an approval signature that locks nothing; the agency
after it, in a later incremental update. Levels: B-B, B-T (RFC 3161 timestamp in the
signature), B-LT (plus certificates, OCSP responses and CRLs in the DSS), B-LTA (plus a
document timestamp). Incremental updates leave the PDF/A metadata of the input intact.

The signing time is fixed before signing and used both for the CMS signingTime attribute
and for the text of the stamp, so the two agree to the second. No trial signature is made:
the space for the signature is reserved from the certificate sizes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError, PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation import read_certification_data
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from trams.signing import appearance as ap
from trams.signing.appearance import AppearanceOptions, Box, LeaderWidget, PageGeometry
from trams.signing.batch import SignerSession, SigningBatch, TsaSpec, unreachable_tsa
from trams.signing.inspect import (
    metadata_box,
    page_count,
    page_geometry,
    prior_widget,
    validate_integrity,
)
from trams.signing.keys import require_source
from trams.signing.pagetext import PageText, read_page_text
from trams.signing.trust import load_certificates

from trams import labels
from trams.clock import now_vn
from trams.config import KeySourceConfig, TramsConfig
from trams.errors import (
    ConfigError,
    InputError,
    SigningError,
    SigningPolicyError,
    TramsError,
    notice_dict,
    unexpected,
)
from trams.fs import atomic_path, read_input
from trams.i18n import _
from trams.models import SignatureRecord
from trams.pdf.inspect import not_a_pdf
from trams.rules import (
    DOCUMENT_TIMESTAMP_FIELD,
    FIELD_NAMES,
    LONG_TERM_LEVELS,
    PROFILES,
    TIMESTAMPED_LEVELS,
    Level,
    ProfileName,
    Role,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignSpec:
    """Everything about one signature except the key: who, where, how it looks, how long."""

    role: Role
    profile: ProfileName = "issued"
    level: Level = "B-LT"
    field_name: str | None = None
    appearance: ap.AppearanceOptions = ap.AppearanceOptions()
    tsa: TsaSpec = TsaSpec()
    reason: str | None = None

    @property
    def field(self) -> str:
        return self.field_name or FIELD_NAMES[self.role]

    @property
    def needs_timestamp(self) -> bool:
        return self.level in TIMESTAMPED_LEVELS


@dataclass(frozen=True)
class SignResult:
    source: Path
    output: Path
    signatures: tuple[SignatureRecord, ...]
    signatures_validated: int
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {"source": str(self.source), "output": str(self.output),
                "signatures": [s.to_dict() for s in self.signatures],
                "signatures_validated": self.signatures_validated,
                "warnings": [notice_dict(w) for w in self.warnings]}


def build_specs(config: TramsConfig, *, profile: str, level: str, roles: Sequence[str],
                tsa: TsaSpec, sources: dict[str, KeySourceConfig],
                doc_number: str | None = None, copy_type: str | None = None,
                agency_name: str | None = None,
                signature_box: Box | None = None) -> list[SignSpec]:
    """One SignSpec per role of ``roles`` in the profile's signing order, with the
    appearance options of the key sources and config (ConfigError when one is missing).
    ``signature_box``: the leader's box for the one file of `trams sign --signature-box`."""
    allowed = PROFILES[profile].roles
    for role in roles:
        if role not in allowed:
            raise ConfigError(_("the {profile} profile has no {role} signature",
                                profile=labels.profile(profile), role=labels.role(role)),
                              hint=_(ap.PROFILE_ROLES_HINT), code="profile_role_unknown")
    specs = []
    for role in [r for r in allowed if r in roles]:
        source = sources[role]
        options = AppearanceOptions(
            image=source.image, image_width_mm=source.image_width_mm, title=source.title,
            display_name=source.display_name,
            signature_box=signature_box if role == "leader" else None,
            agency_name=agency_name or config.agency.name or None,
            copy_type=copy_type or config.signing.copy_type, doc_number=doc_number)
        ap.require_config(profile, role, options)
        specs.append(SignSpec(role=role, profile=profile, level=level,  # type: ignore[arg-type]
                              appearance=options, tsa=tsa))
    return specs


class DocumentSigner:
    """Key sources opened once, the TSA reached once: sign one document at a time.

    Made by :func:`open_signer`; ``sign(src, dst)`` applies every step (leader or officer
    first, then the agency) and writes ``dst`` atomically. ``warnings`` are the
    certificate problems found when the keys were opened (``on_certificate_problem =
    "warn"``); each result carries them too.
    """

    def __init__(self, steps: list[tuple[SignSpec, SignerSession]], warnings: list[str]):
        self.steps = steps
        self.warnings = warnings

    def sign(self, src: Path, dst: Path) -> SignResult:
        return sign_document(src, dst, steps=self.steps)

    def sign_many(self, jobs: Sequence[tuple[Path, Path]], *, concurrency: int = 4,
                  on_done: Callable[[Path, SignResult | TramsError], None] | None = None
                  ) -> list[SignResult | TramsError]:
        return sign_many(jobs, steps=self.steps, concurrency=concurrency, on_done=on_done)


@contextmanager
def open_signer(config: TramsConfig, *, specs: Sequence[SignSpec],
                sources: dict[str, KeySourceConfig], secrets: dict[str, str | None],
                extra_roots: Sequence[Path] = ()) -> Iterator[DocumentSigner]:
    """Open every key source of ``specs`` once and reach the TSA once, for a whole batch.

    Key, certificate and network problems raise here, before any document is touched.
    """
    roots = load_certificates([*config.trust.roots, *extra_roots])
    if not roots:
        raise ConfigError(_("no trust root is configured"),
                          hint=_("Set [trust] roots in trams.toml or give --trust FILE."),
                          code="trust_roots_missing")
    intermediates = load_certificates(config.trust.intermediates)
    with SigningBatch(trust_roots=roots, intermediates=intermediates,
                      on_certificate_problem=config.signing.on_certificate_problem) as batch, \
            ExitStack() as stack:
        sessions = {}
        warnings: list[str] = []
        for spec in specs:
            source = require_source(sources.get(spec.role), spec.role)
            sessions[spec.role] = stack.enter_context(
                batch.open_signer(source, secret=secrets.get(spec.role)))
            warnings.extend(sessions[spec.role].warnings)
        if any(s.needs_timestamp for s in specs):
            batch.ensure_timestamper(specs[0].tsa)
        yield DocumentSigner([(spec, sessions[spec.role]) for spec in specs], warnings)


def sign_document(src: Path, dst: Path, *, steps: Sequence[tuple[SignSpec, SignerSession]],
                  signing_time: datetime | None = None) -> SignResult:
    """Apply several signatures in order (leader then agency) in memory, validate, write.

    Nothing is written unless every step succeeded and every signature in the result is
    intact; the output appears atomically under ``dst``.
    """
    if not steps:
        raise ValueError("no signing step")
    return steps[0][1].batch.run(async_sign_document(src, dst, steps=steps,
                                                     signing_time=signing_time))


def sign_many(jobs: Sequence[tuple[Path, Path]], *,
              steps: Sequence[tuple[SignSpec, SignerSession]], concurrency: int = 4,
              on_done: Callable[[Path, SignResult | TramsError], None] | None = None,
              ) -> list[SignResult | TramsError]:
    """Sign many (src, dst) pairs with the same steps, ``concurrency`` documents at a time.

    The documents overlap only while one waits for the network (TSA, OCSP): the CPU work
    stays on one thread, and a PKCS#11 token signs one digest at a time. A document's own
    errors (``per_document``: input, policy, a failed integrity check) are returned in place
    of its result; the others (key, certificate, network, storage) stop the batch.
    """
    if not steps:
        raise ValueError("no signing step")
    batch = steps[0][1].batch

    async def run_all() -> list[SignResult | TramsError]:
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(src: Path, dst: Path) -> SignResult | TramsError:
            async with gate:
                try:
                    result: SignResult | TramsError = await async_sign_document(
                        src, dst, steps=steps)
                except TramsError as exc:
                    if not exc.per_document:
                        raise
                    result = exc
                except Exception as exc:  # noqa: BLE001 - a library failing on one file
                    # that file fails alone, with the reason; the others are signed
                    log.debug("unexpected error signing %s", src, exc_info=True)
                    result = unexpected(exc, path=Path(src))
            if on_done is not None:
                on_done(Path(src), result)
            return result

        return list(await asyncio.gather(*(one(s, d) for s, d in jobs)))

    return batch.run(run_all())


async def async_sign_document(src: Path, dst: Path, *,
                              steps: Sequence[tuple[SignSpec, SignerSession]],
                              signing_time: datetime | None = None) -> SignResult:
    src, dst = Path(src), Path(dst)
    data = original = read_input(src)
    batch = steps[0][1].batch
    texts = PageTexts(src)
    records = []
    warnings: list[str] = []
    for index, (spec, session) in enumerate(steps):
        if spec.level == "B-LTA" and index < len(steps) - 1:
            # the last signature's document timestamp covers the earlier ones as well
            spec = replace(spec, level="B-LT")
        moment = (signing_time or now_vn()).replace(microsecond=0)
        data, record, notes = await _async_sign(data, spec, session, moment, src, texts)
        records.append(record)
        warnings.extend(session.warnings)
        warnings.extend(notes)
    checked = await validate_integrity(data, path=src, context=batch.offline_context(),
                                       original=original)
    with atomic_path(dst) as tmp:
        tmp.write_bytes(data)
    return SignResult(src, dst, tuple(records), checked, tuple(warnings))


class PageTexts:
    """The text of a document's pages, each read once (``pdftotext``, in a worker thread
    so that other documents go on meanwhile) and shared by the document's signing steps:
    signatures add no page text."""

    def __init__(self, path: Path):
        self.path = path
        self._pages: dict[int, PageText] = {}

    async def page(self, page: PageGeometry) -> PageText:
        if page.index not in self._pages:
            self._pages[page.index] = await asyncio.to_thread(
                read_page_text, self.path, index=page.index, media=page.media)
        return self._pages[page.index]


def _reader(data: bytes, path: Path) -> PdfFileReader:
    if refusal := not_a_pdf(path, data):
        raise refusal
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
    except (PdfReadError, ValueError) as exc:
        raise InputError(_("not a readable PDF ({reason})", reason=str(exc)), path=path,
                         hint=_("Give the PDF/A file made by `trams ocr`."),
                         code="pdf_unreadable") from None
    if reader.encrypted:  # PDF/A forbids encryption; a signature would seal it in
        raise InputError(_("the PDF is encrypted"), path=path,
                         hint=_("Sign an unencrypted copy (qpdf --decrypt IN.pdf OUT.pdf), or "
                                "the PDF/A file made by `trams ocr`."), code="pdf_encrypted")
    return reader


def check_policy(reader: PdfFileReader, spec: SignSpec, session: SignerSession,
                 path: Path) -> LeaderWidget | None:
    """Refuse what Decree 30/2020 and the document's own locks forbid; find the leader box."""
    try:
        certification = read_certification_data(reader)
        signed = reader.embedded_regular_signatures
    except (ValueError, PdfError) as exc:  # a CMS blob pyHanko cannot take apart
        raise InputError(_("the document's earlier signatures cannot be read ({reason})",
                           reason=str(exc) or type(exc).__name__), path=path,
                         hint=_("Check them with `trams verify`; sign the unsigned "
                                "original."), code="signatures_unreadable") from None
    if certification is not None and certification.permission == MDPPerm.NO_CHANGES:
        raise SigningPolicyError(
            _("the document is certified with no changes allowed; another signature would "
              "break it"), path=path,
            hint=_("Ask the certifier for a version certified to allow signatures."),
            code="document_certified")
    for sig in signed:
        if sig.field_name == spec.field:
            raise SigningPolicyError(_("the document already has a '{field}' signature",
                                       field=spec.field), path=path,
                                     hint=_("Sign the original, or use another field name."),
                                     code="signature_field_exists")
    if spec.role in ("leader", "officer") and any(
            s.field_name == FIELD_NAMES["agency"] for s in signed):
        raise SigningPolicyError(_("the agency has already signed; the {role} must sign first",
                                   role=labels.role(spec.role)), path=path,
                                 hint=_("Sign the unsigned document: the {role} first, then "
                                        "the agency.", role=labels.role(spec.role)),
                                 code="signing_order")
    if spec.role != "agency":
        return None
    first = PROFILES[spec.profile].first_signer
    own = session.key.certificate.sha256
    others = [s for s in signed if s.signer_cert.sha256 != own]
    if first is not None and not others:
        raise SigningPolicyError(
            _("the {profile} profile needs the {first}'s signature before the agency's, "
              "and the document has none", profile=labels.profile(spec.profile),
              first=labels.role(first)), path=path,
            hint=_("Have the {first} sign first (`trams sign --role {role}`).",
                   first=labels.role(first), role=first),
            code="signing_order")
    return prior_widget(reader, others, FIELD_NAMES.get(first or "", ""))


def check_dss(reader: PdfFileReader, path: Path) -> None:
    """At B-LT and B-LTA pyHanko adds to the document's validation data (DSS): one it
    cannot read (a damaged stream, a foreign object) stops this document, with the
    reason, before anything is signed."""
    try:
        DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return
    except Exception as exc:  # noqa: BLE001 - zlib, PdfReadError, asn1crypto: all "damaged"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(_("the document's validation data (DSS) cannot be read ({reason}), "
                           "so it cannot be extended", reason=reason), path=path,
                         hint=_("Sign the unsigned original, or sign at level B-T."),
                         code="dss_damaged") from None


async def _async_sign(data: bytes, spec: SignSpec, session: SignerSession, moment: datetime,
                      src: Path, texts: PageTexts):
    batch = session.batch
    reader = _reader(data, src)
    leader = check_policy(reader, spec, session, src)
    if spec.level in LONG_TERM_LEVELS:
        check_dss(reader, src)
    index = ap.target_page(spec.profile, spec.role, page_count=page_count(reader),
                           leader_widget=leader)
    page = page_geometry(reader, index, path=src)
    override = None
    if spec.profile == "issued" and spec.role == "leader" \
            and spec.appearance.signature_box is None:
        override = metadata_box(reader)
    text = None
    if ap.needs_text(spec.profile, spec.role, spec.appearance, override) and not page.rotate:
        text = await texts.page(page)
    key = session.key
    look = ap.plan(spec.profile, spec.role, options=spec.appearance,
                   signer_name=key.common_name, signer_title=key.title, page=page,
                   text=text, leader_widget=leader, signing_time=moment, override=override,
                   path=src)
    long_term = spec.level in LONG_TERM_LEVELS
    meta = PdfSignatureMetadata(
        field_name=spec.field, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
        reason=spec.reason, embed_validation_info=long_term,
        use_pades_lta=spec.level == "B-LTA", timestamp_field_name=DOCUMENT_TIMESTAMP_FIELD,
        validation_context=batch.validation_context if long_term else None,
        dss_settings=DSSContentSettings(
            placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False),
    )
    stamper = batch.timestamper(spec.tsa) if spec.needs_timestamp else None
    signer = PdfSigner(meta, key.signer, timestamper=stamper,
                       stamp_style=ap.stamp_style(look),
                       new_field_spec=SigFieldSpec(sig_field_name=spec.field,
                                                   on_page=look.page, box=look.box))
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    try:
        pdf_session = signer.init_signing_session(writer)
        pdf_session.system_time = moment
        info = await pdf_session.perform_presign_validation(writer)
        # pyHanko counts the reservation in hex digits: two per byte of the CMS object.
        reserve = 2 * (session.reserve_bytes
                       + (await batch.timestamp_size(stamper) if stamper else 0))
        tbs = pdf_session.prepare_tbs_document(
            validation_info=info, bytes_reserved=reserve,
            appearance_text_params=ap.text_params(look))
        digest, output = tbs.digest_tbs_document(output=BytesIO())
        post = await tbs.perform_signature(
            document_digest=digest.document_digest,
            pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=moment))
        await post.post_signature_processing(output)
    except TimestampRequestError:
        raise unreachable_tsa(spec.tsa) from None
    except PyHankoSigningError as exc:
        cause = exc.__cause__
        if isinstance(cause, TimestampRequestError):
            raise unreachable_tsa(spec.tsa) from None
        raise SigningError(_("pyHanko could not sign: {reason}", reason=str(exc)), path=src,
                           hint=_("Run again with --verbose and report the output.")) from exc
    record = SignatureRecord(field=spec.field, signer=key.subject, role=spec.role,
                             signing_time=moment, level=spec.level,
                             tsa_url=stamper.last_url if stamper else None)
    return output.getvalue(), record, look.notes


__all__ = ["DocumentSigner", "PageGeometry", "SignResult", "SignSpec", "async_sign_document",
           "build_specs", "open_signer", "sign_document", "sign_many"]
