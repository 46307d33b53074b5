"""`trams doctor`: check the set-up trams.toml describes and say what to fix.

The checks live in the libraries (trams.doctor: configuration and folders; trams.scanning:
Tesseract and its language data; trams.signing.doctor: trust roots, keys, certificates,
TSA, OCSP/CRL); this runs them in order. The exit code is that of the first failing check:
3 configuration, 6 Tesseract, 7 key, 8 certificate, 9 network, 15 storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trams.scanning import ScanOptions, check_engine, tesseract
from trams.signing.doctor import check_signing

from trams.config import TramsConfig
from trams.doctor import Check, Status, check_agency, check_config, check_folders, exit_code
from trams.errors import DependencyError, ExitCode, TramsError
from trams.i18n import _


@dataclass(frozen=True)
class DoctorReport:
    checks: tuple[Check, ...]

    @property
    def exit_code(self) -> ExitCode:
        return exit_code(list(self.checks))

    def counts(self) -> dict[Status, int]:
        return {status: sum(1 for c in self.checks if c.status is status) for status in Status}

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.exit_code == ExitCode.OK, "exit_code": int(self.exit_code),
                "checks": [c.to_dict() for c in self.checks]}


def ocr_checks(config: TramsConfig) -> list[Check]:
    """Tesseract present and recent enough; the configured languages (and osd) installed."""
    try:
        version = tesseract.version()
    except DependencyError as exc:
        return [Check.from_error("tesseract", exc)]
    checks = [Check.ok("tesseract", _("Tesseract {version}",
                                      version=".".join(map(str, version))))]
    options = ScanOptions.from_trams_config(config)
    try:
        check_engine(options)
    except DependencyError as exc:
        checks.append(Check.from_error("ocr.languages", exc))
    else:
        wanted = [lang for lang in options.languages.split("+") if lang]
        if options.rotate_pages:
            wanted.append("osd")
        checks.append(Check.ok("ocr.languages", _("language data installed: {languages}",
                                                  languages=", ".join(wanted))))
    return checks


def doctor(config_path: Path | None = None) -> DoctorReport:
    """Every check, in order; never prompts, never prints a secret. Secrets come only from
    the environment variables or files trams.toml names."""
    config_check, config = check_config(config_path)
    checks = [config_check]
    if config is None:
        return DoctorReport(tuple(checks))  # nothing else can be checked without it
    checks.append(check_agency(config))
    checks += ocr_checks(config)
    checks += check_folders(config)
    try:
        checks += check_signing(config)
    except TramsError as exc:  # a service of the checks themselves could not start
        checks.append(Check.from_error("signing", exc))
    return DoctorReport(tuple(checks))
