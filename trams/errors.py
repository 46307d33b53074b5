"""Typed errors and the exit codes the CLI maps them to.

The library raises these; only the CLI boundary (``trams.cli.main``) turns them into an
exit code and a one-line message. A *verdict* (a signature that fails, a page under
200 dpi) is a result, never an exception.

Each message says what happened, to which file, and what to do next. Messages are
translated where they are raised (``trams.i18n._``), so they come out in the user's
language.

Codes: every error carries a machine ``code`` (snake_case, e.g. ``dpi_too_low``) beside its
message, the same in every language, for scripts: the class gives a default and a raise
that is one of several situations of its class names its own (``code="..."``). Codes are
listed in docs/codes.md (tests/test_codes.py checks that every code used is there); once
published a code is never renamed or reused.

Scope: an error class says whether it concerns one document (``per_document``: the batch
reports it against that document and goes on) or the whole batch (everything else: the
batch stops, what is left stays where it is). Every layer reads this flag; none keeps its
own list.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from pathlib import Path
from typing import Any, ClassVar

from trams.i18n import _


class ExitCode(IntEnum):
    """Process exit codes. Documented in README.md; scripts rely on them, never renumber."""

    OK = 0
    INTERNAL = 1  # a bug: please report it, with --verbose output
    USAGE = 2  # bad command line (typer/click use 2 as well)
    CONFIG = 3  # trams.toml missing, unreadable or invalid
    INPUT = 4  # an input file cannot be read or is not acceptable
    PARTIAL = 5  # some documents failed, the others were done
    DEPENDENCY = 6  # an external program or data file is missing (tesseract, vie data)
    KEY = 7  # key or token unusable: wrong PIN/passphrase, key not found
    CERTIFICATE = 8  # certificate refused before signing: expired, revoked, no signing usage
    NETWORK = 9  # TSA/OCSP/CRL server unreachable when it was required
    SIGNING_POLICY = 10  # signing refused by policy: agency before leader, locked document
    VERIFY_FAILED = 11  # at least one signature or policy check failed
    VERIFY_INDETERMINATE = 12  # none failed, but at least one is indeterminate
    ARCHIVE_BUSY = 13  # another process is writing to the archive
    ARCHIVE_INTEGRITY = 14  # archive check found missing, changed or unknown files
    STORAGE = 15  # disk full, folder not writable, other I/O failure on output
    CLUSTER = 16  # the OCR cluster's scheduler unreachable, or lost during the run
    INTERRUPTED = 130  # stopped by Ctrl-C / SIGTERM; a rerun continues where it stopped


class TramsError(Exception):
    """Base of every error TRAMS reports to a user.

    ``message`` is a complete, translated sentence. ``path`` names the file concerned and
    ``hint`` says what to do next; both are shown on the same line by the CLI.
    """

    exit_code: ClassVar[ExitCode] = ExitCode.INTERNAL
    per_document: ClassVar[bool] = False  # True: fails one document, the batch goes on
    code: str = "internal_error"  # the class's machine code; a raise may name its own

    def __init__(self, message: str, *, path: Path | str | None = None, hint: str | None = None,
                 code: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.hint = hint
        if code is not None:
            self.code = code

    def one_line(self) -> str:
        parts = []
        if self.path is not None:
            parts.append(f"{self.path}: ")
        parts.append(self.message.rstrip("."))
        if self.hint:
            parts.append(f". {self.hint}")
        text = "".join(parts)
        return " ".join(text.split())  # one line, whatever the parts held

    def __str__(self) -> str:
        return self.one_line()

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON reports, events and logs carry it (one shape everywhere)."""
        return {"error": type(self).__name__, "code": self.code,
                "exit_code": int(self.exit_code), "message": self.message,
                "path": str(self.path) if self.path else None,
                "hint": self.hint, "line": self.one_line()}


class Notice(str):
    """A warning: a complete, translated sentence (it *is* the str) and its machine code.

    Lists of warnings stay lists of strings for the people who read them; JSON writes each
    as ``{"code": ..., "message": ...}`` (:func:`notice_dict`)."""

    code: str
    hint: str | None

    def __new__(cls, message: str, code: str, hint: str | None = None) -> Notice:
        notice = super().__new__(cls, message)
        notice.code = code
        notice.hint = hint
        return notice

    def __reduce__(self) -> tuple[Any, ...]:
        return (Notice, (str(self), self.code, self.hint))


def notice_dict(warning: str) -> dict[str, str]:
    """A warning as JSON carries it: its code (``warning`` when it has none), message, and
    hint when it has one."""
    data = {"code": getattr(warning, "code", "warning"), "message": str(warning)}
    if getattr(warning, "hint", None):
        data["hint"] = warning.hint  # type: ignore[attr-defined]
    return data


def batch_exit_code(done: int, failures: Iterable[TramsError | ExitCode]) -> ExitCode:
    """The exit code of a command over files the user named (ocr, sign, extend, archive
    add). (`trams run` works on an inbox: a document that fails is set aside in .failed
    and the run ends PARTIAL, whatever the reason; see trams.pipeline.events.)

    Nothing failed: OK. Something was done and something failed: PARTIAL. Nothing was done
    and every failure has the same exit code: that code (one file refused by policy gives
    10, not 5). Otherwise PARTIAL.
    """
    codes = {f if isinstance(f, ExitCode) else f.exit_code for f in failures}
    if not codes:
        return ExitCode.OK
    if done == 0 and len(codes) == 1:
        return codes.pop()
    return ExitCode.PARTIAL


class UsageError(TramsError):
    """The command line asks for something that cannot be done (found only once the inputs
    are known: one output file for several documents)."""

    exit_code = ExitCode.USAGE
    code = "usage_invalid"


class ConfigError(TramsError):
    exit_code = ExitCode.CONFIG
    code = "config_invalid"


class InputError(TramsError):
    """An input file (scan, PDF, metadata file) cannot be used."""

    exit_code = ExitCode.INPUT
    code = "input_unusable"
    per_document = True


class DependencyError(TramsError):
    exit_code = ExitCode.DEPENDENCY
    code = "dependency_missing"


class OcrError(TramsError):
    """Tesseract failed on a page (crash, timeout, unreadable output)."""

    exit_code = ExitCode.INPUT
    code = "ocr_failed"
    per_document = True


class KeyAccessError(TramsError):
    """A key source could not be opened: wrong PIN or passphrase, missing key or token."""

    exit_code = ExitCode.KEY
    code = "key_unusable"


class CertificateRefused(TramsError):
    """Pre-signing certificate checks (Circular 15/2025) refused the signer."""

    exit_code = ExitCode.CERTIFICATE
    code = "certificate_refused"


class NetworkError(TramsError):
    """A required service (TSA, OCSP, CRL) could not be reached."""

    exit_code = ExitCode.NETWORK
    code = "network_unreachable"


class SigningPolicyError(TramsError):
    """Signing refused: wrong order, document locked by a certification, profile rule."""

    exit_code = ExitCode.SIGNING_POLICY
    code = "signing_refused"
    per_document = True


class SigningError(TramsError):
    """Signing failed for another reason, or the written signature did not validate."""

    exit_code = ExitCode.INTERNAL
    code = "signing_failed"
    per_document = True


class VerificationFailed(TramsError):  # noqa: N818 - a verdict, reported as such
    """A file TRAMS made (signed, extended) does not verify: it is not kept."""

    exit_code = ExitCode.VERIFY_FAILED
    code = "verification_failed"
    per_document = True


class ArchiveBusyError(TramsError):
    exit_code = ExitCode.ARCHIVE_BUSY
    code = "archive_busy"


class ArchiveIntegrityError(TramsError):
    exit_code = ExitCode.ARCHIVE_INTEGRITY
    code = "archive_damaged"


class ArchiveError(TramsError):
    """Archive operation refused: unsafe path from metadata, conflicting record."""

    exit_code = ExitCode.INPUT
    code = "archive_refused"
    per_document = True


class StorageError(TramsError):
    """Writing failed: disk full, read-only folder, permission denied."""

    exit_code = ExitCode.STORAGE
    code = "storage_failed"


class ClusterError(TramsError):
    """The OCR cluster (``[cluster]``, ``--cluster``) cannot be reached, was lost during the
    run, or has no worker able to take the pages: the whole run stops, as when a required
    TSA is gone, and what it did not finish stays in the inbox for the next run."""

    exit_code = ExitCode.CLUSTER
    code = "cluster_unreachable"


def unexpected(exc: Exception, *, path: Path | None = None, hint: str | None = None
               ) -> TramsError:
    """A problem nobody foresaw (a bug, or a library failing on a file's odd bytes) as an
    error saying what it was (``kind: first line``), for a report instead of a traceback.
    The caller logs the traceback at debug level (--verbose)."""
    reason = str(exc).splitlines()[0] if str(exc) else "-"
    return TramsError(_("unexpected error ({kind}: {reason})", kind=type(exc).__name__,
                        reason=reason[:200]), path=path,
                      hint=hint or _("Please report it, with the output of --verbose."))
