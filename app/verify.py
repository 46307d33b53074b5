"""`trams verify`: the signatures of PDF files (files and folders), per signature an ETSI
verdict, per file the policy's result.

:func:`verify_paths` returns a :class:`VerifyReport`: iterate it to get each file's report
as soon as it is ready (reports stream), then read its ``exit_code``. The report types are
re-exported here for the renderers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from trams.signing.verify import VerifyContext, verify_file
from trams.signing.verify import verify_paths as _verify_paths
from trams.signing.verify_model import (
    CertInfo,
    DocTimestampReport,
    FileReport,
    Note,
    PolicyResult,
    Revocation,
    SignatureReport,
    TimestampInfo,
)
from trams.signing.verify_report import RunInfo, run_info

from trams.config import TramsConfig
from trams.errors import ExitCode
from trams.rules import INDETERMINATE, POLICIES, PROFILES, TOTAL_FAILED, TOTAL_PASSED

REVOCATION_MODES = ("hard", "soft", "off")


@dataclass(frozen=True)
class VerifyOptions:
    paths: tuple[Path, ...]
    trust: tuple[Path, ...] = ()  # added to [trust] roots
    revocation: str = "soft"  # hard | soft | off
    offline: bool = False  # only the validation data embedded in the files
    at: datetime | None = None  # validation time (default: now)
    policy: str | None = None  # default: see default_policy()
    jobs: int | None = None  # worker processes (default: jobs in trams.toml, at most 8)


def default_policy(config: TramsConfig) -> str:
    """The policy of the configured profile when trams.toml names an agency, else ``any``
    (without an agency, no signature can be told to be the agency's)."""
    return PROFILES[config.signing.profile].policy if config.agency.name else "any"


def verify_context(config: TramsConfig, *, trust: Iterable[Path] = (), policy: str | None = None,
                   revocation: str = "soft", offline: bool = False,
                   at: datetime | None = None) -> VerifyContext:
    """The context files of this configuration are verified in (trust roots and agency
    of trams.toml, plus ``trust``)."""
    return VerifyContext.build(
        trust=[*config.trust.roots, *trust], intermediates=config.trust.intermediates,
        revocation=revocation, offline=offline, at=at, policy=policy or default_policy(config),
        agency_name=config.agency.name or None,
        agency_org=config.agency.signer_organization)


def count_verdicts(reports: Iterable[FileReport]) -> dict[str, int]:
    counts = {"files": 0, "passed": 0, "failed": 0, "indeterminate": 0, "errors": 0}
    for report in reports:
        counts["files"] += 1
        counts[{TOTAL_PASSED: "passed", TOTAL_FAILED: "failed",
                INDETERMINATE: "indeterminate"}.get(report.verdict, "errors")] += 1
    return counts


@dataclass
class VerifyReport:
    """The files' reports, streamed; the exit code once all are in.

    Exit codes: 0 every file passed; 11 a signature or a policy check failed; 4 none
    failed but a file could not be read; 12 none failed or unreadable, some indeterminate.
    """

    context: VerifyContext
    paths: tuple[Path, ...] = ()
    _stream: Iterator[FileReport] | None = None
    reports: list[FileReport] = field(default_factory=list)

    def __iter__(self) -> Iterator[FileReport]:
        if self._stream is not None:
            for report in self._stream:
                self.reports.append(report)
                yield report
            self._stream = None
        else:
            yield from self.reports

    def collect(self) -> list[FileReport]:
        """Every report (waiting for those still running)."""
        for _report in self:
            pass
        return self.reports

    def counts(self) -> dict[str, int]:
        return count_verdicts(self.reports)

    def header(self) -> RunInfo:
        """What an auditor's report says of this run: what was checked, when, against
        which anchors, with which revocation mode, time and policy (and archive labels)."""
        return run_info(self.context, self.paths, self.reports)

    @property
    def exit_code(self) -> ExitCode:
        counts = self.counts()
        if counts["failed"]:
            return ExitCode.VERIFY_FAILED
        if counts["errors"]:
            return ExitCode.INPUT
        if counts["indeterminate"]:
            return ExitCode.VERIFY_INDETERMINATE
        return ExitCode.OK


def verify_paths(config: TramsConfig, options: VerifyOptions) -> VerifyReport:
    """Verify the files and folders (recursively, ``*.pdf``); never raises for a bad file."""
    context = verify_context(config, trust=options.trust, policy=options.policy,
                             revocation=options.revocation, offline=options.offline,
                             at=options.at)
    jobs = options.jobs or min(config.jobs, 8)
    return VerifyReport(context, options.paths, _verify_paths(options.paths, context, jobs=jobs))


__all__ = ["POLICIES", "REVOCATION_MODES", "CertInfo", "DocTimestampReport", "FileReport",
           "Note", "PolicyResult", "Revocation", "RunInfo", "SignatureReport", "TimestampInfo",
           "VerifyContext", "VerifyOptions", "VerifyReport", "count_verdicts",
           "default_policy", "verify_context", "verify_file", "verify_paths"]
