"""`trams archive renew`: keep archived signatures verifiable for as long as the records are
kept (PAdES B-LTA renewal, ETSI EN 319 142-1 section 5.5; the practice of DSS and of
preservation services, ETSI TS 119 511).

A document is due when it has no document timestamp yet (archived at B-T or B-LT), or
when the certificate of the authority of its newest document timestamp expires within
``within_days``. Its current PDF gets current validation data and a new document
timestamp (:func:`trams.signing.extend.extend_pdf`), is verified as `trams run` verifies,
and is archived as a **new version** of the same document: the earlier versions stay in
the bag, the journal records the change, and the search index follows. A renewed file that
does not verify is not archived (the current version stays) and the document fails alone.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from trams.app.archive import open_archive
from trams.app.verify import verify_context, verify_file
from trams.signing.batch import SigningBatch, TsaSpec
from trams.signing.extend import extend_pdf, newest_archive_timestamp, signature_count
from trams.signing.trust import load_certificates

from trams import labels
from trams.archive.current import CurrentDocument, current_documents
from trams.config import TramsConfig
from trams.errors import (
    ConfigError,
    ExitCode,
    TramsError,
    VerificationFailed,
    batch_exit_code,
    unexpected,
)
from trams.fs import read_input
from trams.i18n import N_, _
from trams.models import SignatureRecord
from trams.rules import PROFILES, TOTAL_PASSED

log = logging.getLogger(__name__)

# why a document is due (machine values in JSON; the words are the CLI's)
NO_ARCHIVE_TIMESTAMP = "no_archive_timestamp"
TIMESTAMP_EXPIRES = "timestamp_expires"
FORCED = "forced"
REASONS = {NO_ARCHIVE_TIMESTAMP: N_("no archive timestamp yet"),
           TIMESTAMP_EXPIRES: N_("the archive timestamp's certificate expires on {date}"),
           FORCED: N_("renewal asked for (--all)")}


@dataclass(frozen=True)
class RenewOptions:
    archive: Path | None = None  # default: [archive] path
    within_days: int = 365  # renew when the newest timestamp's authority expires this soon
    all: bool = False  # renew every signed document, due or not
    records: tuple[str, ...] = ()  # only these record codes
    dry_run: bool = False  # say what is due; contact no server, write nothing
    trust: tuple[Path, ...] = ()
    tsa_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenewedDocument:
    doc_code: str
    reason: str  # NO_ARCHIVE_TIMESTAMP | TIMESTAMP_EXPIRES | FORCED
    expires: datetime | None  # of the newest archive timestamp's authority, before renewal
    version_before: int
    version: int | None = None  # the new version (None in a dry run)
    pdf: Path | None = None
    verdict: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"doc_code": self.doc_code, "reason": self.reason,
                "expires": self.expires.isoformat() if self.expires else None,
                "version_before": self.version_before, "version": self.version,
                "pdf": str(self.pdf) if self.pdf else None, "verdict": self.verdict}


@dataclass(frozen=True)
class RenewFailure:
    doc_code: str
    error: TramsError

    def to_dict(self) -> dict[str, Any]:
        return {"doc_code": self.doc_code, **self.error.to_dict()}


@dataclass
class RenewReport:
    dry_run: bool
    checked: int = 0  # current documents looked at
    not_due: int = 0
    unsigned: int = 0
    renewed: list[RenewedDocument] = field(default_factory=list)
    failures: list[RenewFailure] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        return batch_exit_code(len(self.renewed), [f.error for f in self.failures])

    def to_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "checked": self.checked, "not_due": self.not_due,
                "unsigned": self.unsigned,
                "renewed": [r.to_dict() for r in self.renewed],
                "failed": [f.to_dict() for f in self.failures],
                "exit_code": int(self.exit_code)}


@dataclass(frozen=True)
class _Due:
    current: CurrentDocument
    reason: str
    expires: datetime | None


def _due(current: CurrentDocument, options: RenewOptions, now: datetime) -> _Due | None | str:
    """Why ``current`` is due, None when it is not, "unsigned" when there is nothing to
    renew."""
    data = read_input(current.pdf)
    if not signature_count(data, current.pdf):
        return "unsigned"
    stamp = newest_archive_timestamp(data, current.pdf)
    expires = stamp.expires if stamp else None
    if options.all:
        return _Due(current, FORCED, expires)
    if stamp is None:
        return _Due(current, NO_ARCHIVE_TIMESTAMP, None)
    if stamp.expires - now <= timedelta(days=options.within_days):
        return _Due(current, TIMESTAMP_EXPIRES, stamp.expires)
    return None


def archive_renew(config: TramsConfig, options: RenewOptions, *,
                  on_progress: Callable[[RenewedDocument | RenewFailure], None] | None = None
                  ) -> RenewReport:
    """Renew the archive timestamps of the documents that are due (see the module)."""
    report = RenewReport(dry_run=options.dry_run)
    now = datetime.now(UTC)
    with open_archive(config, options.archive, writer=not options.dry_run) as archive:
        due: list[_Due] = []
        for current in current_documents(archive, records=options.records):
            report.checked += 1
            try:
                found = _due(current, options, now)
            except TramsError as exc:
                report.failures.append(RenewFailure(current.doc_code, exc))
                continue
            except Exception as exc:  # noqa: BLE001 - a library failing on this file
                log.debug("unexpected error reading %s", current.pdf, exc_info=True)
                report.failures.append(RenewFailure(current.doc_code,
                                                    unexpected(exc, path=current.pdf)))
                continue
            if found == "unsigned":
                report.unsigned += 1
            elif found is None:
                report.not_due += 1
            else:
                due.append(found)
        if options.dry_run:
            report.renewed = [RenewedDocument(d.current.doc_code, d.reason, d.expires,
                                              d.current.version) for d in due]
            return report
        if not due:
            return report
        roots = load_certificates([*config.trust.roots, *options.trust])
        if not roots:
            raise ConfigError(_("no trust root is configured"),
                              hint=_("Set [trust] roots in trams.toml or give --trust FILE."))
        tsa = TsaSpec.from_config(config.tsa, urls=options.tsa_urls)
        # as `trams run` checks a B-LT/B-LTA document: offline, from the embedded data only
        context = verify_context(config, trust=options.trust, revocation="hard", offline=True,
                                 policy=PROFILES[config.signing.profile].policy)
        with SigningBatch(trust_roots=roots,
                          intermediates=load_certificates(config.trust.intermediates)
                          ) as batch, tempfile.TemporaryDirectory(prefix=".trams-renew-",
                                                                 dir=archive.root) as work:
            batch.ensure_timestamper(tsa)  # an unreachable TSA stops here, nothing changed
            for item in due:
                try:
                    done: RenewedDocument | RenewFailure = _renew(
                        archive, item, batch, tsa, context, Path(work))
                    report.renewed.append(done)
                except TramsError as exc:
                    if not exc.per_document:
                        raise
                    done = RenewFailure(item.current.doc_code, exc)
                    report.failures.append(done)
                except Exception as exc:  # noqa: BLE001 - a library failing on this file
                    log.debug("unexpected error renewing %s", item.current.pdf, exc_info=True)
                    done = RenewFailure(item.current.doc_code,
                                        unexpected(exc, path=item.current.pdf))
                    report.failures.append(done)
                if on_progress is not None:
                    on_progress(done)
    return report


def _renew(archive, item: _Due, batch: SigningBatch, tsa: TsaSpec, context,  # noqa: ANN001
           work: Path) -> RenewedDocument:
    current = item.current
    renewed = work / current.pdf.name
    extend_pdf(current.pdf, renewed, batch=batch, tsa=tsa)
    checked = verify_file(renewed, context)
    if checked.verdict != TOTAL_PASSED or (checked.policy and not checked.policy.passed):
        raise VerificationFailed(
            _("the renewed file of {code} does not verify ({verdict}); the current version "
              "is kept", code=current.doc_code, verdict=labels.indication(checked.verdict)),
            path=current.pdf, hint=_("Check it with `trams verify --format html`."))
    before = {s.get("field"): s for s in current.signatures}
    signatures = [SignatureRecord(
        field=s.field_name, signer=s.signer.subject if s.signer else "",
        role=before.get(s.field_name, {}).get("role"),
        signing_time=s.claimed_signing_time, level=s.level,
        tsa_url=before.get(s.field_name, {}).get("tsa_url"), indication=s.indication)
        for s in checked.signatures]
    done = archive.add_document(
        current.record, current.document, renewed, source_hash=current.source_hash,
        page_count=current.page_count, signatures=signatures, quality=current.quality,
        verdict=checked.verdict, sidecar_text=current.sidecar_text,
        input_path=str(current.pdf))
    renewed.unlink(missing_ok=True)
    return RenewedDocument(current.doc_code, item.reason, item.expires, current.version,
                           done.version, done.pdf, checked.verdict)
