"""Verify signed PDFs: one file, or files and folders in bulk across processes.

Public API (what a batch runner or an archive check calls)::

    ctx = VerifyContext.build(trust=[Path("roots/")], policy="vn-dual",
                              agency_name="UBND xã Trà My")
    report = verify_file(Path("doc.pdf"), ctx)      # FileReport, never raises for "invalid"
    report.verdict, report.summary(), report.to_dict()
    for report in verify_paths([Path("archive/")], ctx, jobs=2):   # streams as done
        ...

The context holds the trust anchors as DER bytes, so it pickles cheaply to worker
processes; each worker builds its pyHanko objects once (:func:`_setup_for`), not per file.
A file that cannot be read yields a FileReport with verdict ``ERROR`` and an ``error``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import os
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import x509
from pyhanko.pdf_utils.crypt import AuthStatus
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from trams.signing import speedups
from trams.signing.notecodes import coded
from trams.signing.trust import load_certificates
from trams.signing.verify_changes import APPENDED, appended_data
from trams.signing.verify_collect import collect
from trams.signing.verify_model import (
    ERROR,
    TOTAL_FAILED,
    FileReport,
    Note,
    worst,
)
from trams.signing.verify_policy import F_NOT_PASSED, POLICIES, check
from trams.signing.verify_raw import analyse_raw, analyse_raw_timestamp
from trams.signing.verify_repair import W_REPAIRED, locate, signed_data_of
from trams.signing.verify_sig import P_CHANGES, analyse, failed_signature
from trams.signing.verify_trust import TrustSetup
from trams.signing.verify_ts import analyse_timestamp, failed_timestamp

from trams.i18n import N_
from trams.pdf.inspect import foreign_format

log = logging.getLogger(__name__)

E_UNREADABLE = coded("pdf_unreadable", N_("cannot read the file as a PDF ({reason})"))
E_NOT_FOUND = coded("file_not_found", N_("file or folder not found"))
E_IMAGE = coded("not_a_pdf", N_("this is a scanned image ({format}), not a PDF"))
E_NOT_PDF = coded("not_a_pdf", N_("the file is not a PDF"))
E_INTERNAL = coded("verification_crashed", N_(
    "verification stopped on an unexpected problem ({reason})"))
W_DSS = coded("dss_unreadable", N_(
    "the validation data (DSS) cannot be read ({reason}); it was not used"))
E_ENCRYPTED = coded("pdf_encrypted", N_(
    "the file is encrypted with a password; decrypt it (e.g. qpdf --decrypt --password=...) "
    "and verify the copy"))


@dataclass(frozen=True)
class VerifyContext:
    """Settings of a verification run; picklable (certificates as DER)."""

    roots: tuple[bytes, ...]
    intermediates: tuple[bytes, ...] = ()
    revocation: str = "soft"  # hard | soft | off
    offline: bool = False
    at: datetime | None = None
    policy: str = "any"  # vn-dual | any | copy
    agency_name: str | None = None
    agency_org: str | None = None

    def __post_init__(self) -> None:
        if self.revocation not in ("hard", "soft", "off"):
            raise ValueError(f"revocation must be hard, soft or off, not {self.revocation!r}")
        if self.policy not in POLICIES:
            raise ValueError(f"policy must be one of {POLICIES}, not {self.policy!r}")

    @classmethod
    def build(cls, *, trust: Iterable[Path] = (), intermediates: Iterable[Path] = (),
              **kwargs) -> VerifyContext:
        """Load anchors from PEM/DER files or folders (raises ConfigError if unreadable)."""
        roots = tuple(c.dump() for c in load_certificates(_expand_cert_paths(trust)))
        inter = tuple(c.dump() for c in load_certificates(_expand_cert_paths(intermediates)))
        return cls(roots=roots, intermediates=inter, **kwargs)


def _expand_cert_paths(paths: Iterable[Path]) -> list[Path]:
    """Paths as given (trust.load_certificates reads folders recursively)."""
    return [Path(p) for p in paths]


_SETUPS: dict[VerifyContext, object] = {}
_LOOP: asyncio.AbstractEventLoop | None = None


def _setup_for(ctx: VerifyContext):
    """The worker's pyHanko trust setup for ``ctx``, built once and cached."""
    setup = _SETUPS.get(ctx)
    if setup is None:
        speedups.install()  # pyHanko's per-character hex reader: ~58 ms of each file
        for name in ("pyhanko", "pyhanko_certvalidator"):
            logger = logging.getLogger(name)
            if logger.level == logging.NOTSET and not log.isEnabledFor(logging.DEBUG):
                logger.setLevel(logging.CRITICAL)  # pyHanko logs every failed check
        setup = TrustSetup(
            roots=tuple(x509.Certificate.load(d) for d in ctx.roots),
            intermediates=tuple(x509.Certificate.load(d) for d in ctx.intermediates),
            revocation=ctx.revocation, offline=ctx.offline, at=ctx.at)
        _SETUPS[ctx] = setup
    return setup


def verify_file(path: Path | str, ctx: VerifyContext) -> FileReport:
    """Verify every signature in one PDF. Never raises for an invalid or unreadable file."""
    global _LOOP
    if _LOOP is None or _LOOP.is_closed():
        _LOOP = asyncio.new_event_loop()
    started = time.perf_counter()
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return FileReport(str(path), None, None, ERROR, error=Note.of(E_NOT_FOUND))
    except OSError as exc:
        return FileReport(str(path), None, None, ERROR,
                          error=Note.of(E_UNREADABLE, reason=exc.strerror or str(exc)))
    digest = hashlib.sha256(data).hexdigest()
    if (kind := foreign_format(data)) is not None:  # a scan image or a note, not a PDF
        return FileReport(str(path), len(data), digest, ERROR,
                          error=Note.of(E_IMAGE, format=kind) if kind else Note.of(E_NOT_PDF))
    try:
        report = _LOOP.run_until_complete(_verify_bytes(str(path), data, digest, ctx))
    except EncryptedPdf:
        report = FileReport(str(path), len(data), digest, ERROR, error=Note.of(E_ENCRYPTED))
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop an archive run
        log.debug("verification of %s failed", path, exc_info=True)

        msg = E_UNREADABLE if isinstance(exc, (PdfError, ValueError, KeyError)) else E_INTERNAL
        report = FileReport(str(path), len(data), digest, ERROR,
                            error=Note.of(msg, reason=f"{type(exc).__name__}: {exc}"[:200]))
    return _with_time(report, time.perf_counter() - started)


def _with_time(report: FileReport, seconds: float) -> FileReport:
    return replace(report, seconds=seconds)


def _embedded_revinfo(reader, sigs, warnings: list | None = None):
    """CRLs, OCSP responses and certificates from the DSS and the signatures' own attributes.
    A DSS that cannot be read is a file warning (``warnings``), not a verdict."""
    crls, ocsps, certs = [], [], []
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        vc = dss.as_validation_context({"trust_roots": []})
        crls += list(vc.crls)
        ocsps += list(vc.ocsps)
        certs += list(dss.load_certs())
    except NoDSSFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - damaged validation data hides no signature
        log.debug("DSS unreadable", exc_info=True)
        if warnings is not None:
            warnings.append(Note.of(W_DSS, reason=_reason(exc)))
    for sig in sigs:
        try:
            attrs = sig.signer_info["signed_attrs"]
            for attr in attrs:
                if attr["type"].native == "adobe_revocation_info_archival":
                    value = attr["values"][0]
                    crls += list(value["crl"]) if value["crl"].native else []
                    ocsps += list(value["ocsp"]) if value["ocsp"].native else []
        except (KeyError, TypeError, ValueError):
            continue
    return crls, ocsps, certs


class EncryptedPdf(Exception):  # noqa: N818 - a condition of the file, reported as such
    """The file is encrypted with a user password TRAMS does not have."""


def open_reader(data: bytes):
    """pyHanko's reader, lenient; an encrypted file is opened with the empty user password
    (signed PDFs are often encrypted only to set permissions)."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    if reader.encrypted and reader.decrypt("").status == AuthStatus.FAILED:
        raise EncryptedPdf
    reader.root  # noqa: B018 - a file without a usable catalog fails here
    return reader


async def _verify_repaired(path: str, data: bytes, digest: str, ctx: VerifyContext,
                           cause: Exception) -> FileReport:
    """pyHanko could not parse the file: locate the signatures in a qpdf-repaired copy and
    verify each over the original bytes (signing/verify_repair.py)."""
    try:
        raws = locate(data)
    except Exception:  # noqa: BLE001 - qpdf cannot open it either: unreadable
        raise cause from None
    setup = _setup_for(ctx)
    crls, ocsps, certs = [], [], []
    for raw in raws:  # revocation data archived inside the CMS (Adobe attribute)
        try:
            signed_data = signed_data_of(raw)
            certs += [c.chosen for c in signed_data["certificates"]]
        except Exception:  # noqa: BLE001 - reported with the signature below
            continue
    signatures, doc_ts, index = [], [], 0
    for raw in raws:
        try:
            if raw.is_timestamp:
                doc_ts.append(await analyse_raw_timestamp(
                    raw, data, setup=setup, crls=crls, ocsps=ocsps, certs=certs,
                    fetchers=None))
                continue
            index += 1
            signatures.append(await analyse_raw(
                raw, data, index=index, setup=setup, crls=crls, ocsps=ocsps, certs=certs,
                fetchers=None))
        except Exception as exc:  # noqa: BLE001 - one bad signature hides no other
            if raw.is_timestamp:
                doc_ts.append(failed_timestamp(raw.field_name, _reason(exc), None))
            else:
                signatures.append(failed_signature(raw.field_name, index, _reason(exc),
                                                   None, 0))
    warning = Note.of(W_REPAIRED, reason=_reason(cause))
    return _file_report(path, data, digest, ctx, tuple(signatures), tuple(doc_ts),
                        warnings=(warning,))


async def _verify_bytes(path: str, data: bytes, digest: str, ctx: VerifyContext) -> FileReport:
    setup = _setup_for(ctx)
    try:
        reader = open_reader(data)
        embedded, broken = collect(reader)
    except EncryptedPdf:
        raise
    except Exception as exc:  # noqa: BLE001 - pyHanko cannot parse it: try a repair
        log.debug("pyHanko cannot read %s", path, exc_info=True)
        return await _verify_repaired(path, data, digest, ctx, exc)
    revisions = reader.xrefs.total_revisions
    sig_fields = {s.signed_revision: (s.field_name, s.is_timestamp) for s in embedded}
    file_warnings: list[Note] = []
    crls, ocsps, certs = _embedded_revinfo(reader, embedded, file_warnings)
    backend = fetchers = None
    if not setup.offline and setup.at is None and setup.revocation != "off":
        backend = AIOHttpFetcherBackend()
        fetchers = backend.get_fetchers()
    ts_times = {}
    signatures, doc_ts = [], []
    try:
        # latest first for timestamps: an older one may need the next one's time
        for sig in sorted((s for s in embedded if s.is_timestamp),
                          key=lambda s: -s.signed_revision):
            later = [t for r, t in ts_times.items() if r > sig.signed_revision]
            try:
                report = await analyse_timestamp(
                    sig, setup=setup, crls=crls, ocsps=ocsps, certs=certs,
                    fetchers=fetchers, later_ts_time=min(later) if later else None)
            except Exception as exc:  # noqa: BLE001 - one bad timestamp is one finding
                log.debug("document timestamp %s", sig.field_name, exc_info=True)
                report = failed_timestamp(sig.field_name, _reason(exc), sig.signed_revision)
            if report.passed and report.timestamp is not None:
                ts_times[sig.signed_revision] = report.timestamp.time
            doc_ts.append(report)
        doc_ts.reverse()
        index = 0
        for sig in (s for s in embedded if not s.is_timestamp):
            index += 1
            doc_ts_after = any(r > sig.signed_revision and is_ts
                               for r, (_n, is_ts) in sig_fields.items())
            later_ts = sorted((r, t) for r, t in ts_times.items() if r > sig.signed_revision)
            poe = (sig_fields[later_ts[0][0]][0], later_ts[0][1]) if later_ts else None
            try:
                signatures.append(await analyse(
                    sig, index=index, setup=setup, crls=crls, ocsps=ocsps, certs=certs,
                    fetchers=fetchers, sig_fields=sig_fields, revisions=revisions,
                    doc_ts_after=doc_ts_after, doc_ts_poe=poe))
            except Exception as exc:  # noqa: BLE001 - one bad signature hides no other
                log.debug("signature %s", sig.field_name, exc_info=True)
                signatures.append(failed_signature(sig.field_name, index, _reason(exc),
                                                   sig.signed_revision, revisions))
    finally:
        if backend is not None:
            await backend.close()
    if signatures and appended_data(reader, data):
        signatures = [_appended_after(s) for s in signatures]
    for bad in broken:
        if bad.is_timestamp:
            doc_ts.append(failed_timestamp(bad.field_name, bad.reason, bad.revision))
        else:
            index += 1
            signatures.append(failed_signature(bad.field_name, index, bad.reason,
                                               bad.revision, revisions))
    return _file_report(path, data, digest, ctx, tuple(signatures), tuple(doc_ts),
                        warnings=file_warnings)


def _appended_after(sig):
    """Objects appended without an xref after a signature that does not cover them."""
    if sig.coverage == "whole_file":
        return sig
    problems = sig.problems if sig.indication == TOTAL_FAILED else (
        *sig.problems, Note.of(P_CHANGES))
    return replace(sig, changes_after="disallowed", changes=(*sig.changes, Note.of(APPENDED)),
                   indication=TOTAL_FAILED, sub_indication=sig.sub_indication
                   if sig.indication == TOTAL_FAILED else "SIG_CONSTRAINTS_FAILURE",
                   problems=problems)


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def _file_report(path, data, digest, ctx, sigs, doc_ts, warnings=()) -> FileReport:
    policy = check(ctx.policy, sigs, agency_name=ctx.agency_name, agency_org=ctx.agency_org)
    verdict = worst([s.indication for s in sigs] + [d.indication for d in doc_ts])
    # a policy that fails only because a signature is indeterminate leaves the file
    # indeterminate; a missing, misplaced or changed-after signature is a failure
    if any(f.msgid != F_NOT_PASSED for f in policy.findings):
        verdict = TOTAL_FAILED
    return FileReport(path, len(data), digest, verdict, signatures=sigs,
                      doc_timestamps=doc_ts, policy=policy, warnings=tuple(warnings),
                      validation_time=ctx.at or datetime.now(UTC))


def expand_paths(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Files as given; folders recursively (``*.pdf``, any case), sorted."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*")
                              if p.is_file() and p.suffix.lower() == ".pdf")
        else:
            yield path  # a missing file becomes an error report


def _worker_init(ctx: VerifyContext) -> None:
    _setup_for(ctx)


def verify_paths(paths: Iterable[Path | str], ctx: VerifyContext,
                 jobs: int = 1) -> Iterator[FileReport]:
    """Verify files and folders; reports stream as they finish (in completion order)."""
    files = list(expand_paths(paths))
    jobs = max(1, min(jobs, len(files), os.cpu_count() or 1)) if files else 1
    if jobs == 1:
        for file in files:
            yield verify_file(file, ctx)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init,
                             initargs=(ctx,)) as pool:
        futures = {pool.submit(verify_file, f, ctx): f for f in files}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # noqa: BLE001 - a dead worker is one file's error
                yield FileReport(str(futures[future]), None, None, ERROR,
                                 error=Note.of(E_INTERNAL, reason=type(exc).__name__))
