"""``trams.toml``: validated settings, each rule stated once.

Found through ``--config``, ``TRAMS_CONFIG``, or ``./trams.toml``. Unknown keys and wrong
types are errors naming the key and its line. Secrets never live in the file: key sources
name an environment variable or a file that holds the PIN or passphrase.
Relative paths in the file are relative to the file's folder.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from trams.errors import ConfigError
from trams.i18n import _


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgencyConfig(_Section):
    name: str = ""  # e.g. "UBND xã Trà My"
    code: str = ""  # agency identifier used in record codes and archive paths
    # Certificate subject organisation (O=) expected on the agency signature (policy vn-dual).
    signer_organization: str | None = None


class InboxConfig(_Section):
    path: Path = Path("inbox")
    grouping: Literal["file", "folder", "coversheet"] = "file"
    drop_blank_pages: bool = False
    blank_threshold: float = Field(default=0.995, gt=0, le=1)  # share of white pixels
    default_dpi: float | None = Field(default=None, gt=0)  # for files without a resolution
    min_dpi: float = Field(default=200, gt=0)  # Circular 05/2025 floor for admin documents
    accept_low_dpi: bool = False
    move_done: bool = False  # move inputs to inbox/.done/ once archived
    move_failed: bool = True  # move a failed document's inputs to inbox/.failed/ + reason


class OcrConfig(_Section):
    # Tesseract language string, e.g. "vie+eng". "Vietnamese" (the script model, Debian
    # tesseract-ocr-script-viet) reads scans of Vietnamese documents more accurately than
    # "vie" but takes 30 % longer per page (benchmarks/cer_scans.py, trams/pdf/README.md).
    languages: str = "vie"
    deskew: bool = True
    rotate_pages: bool = True
    keep_original_pixels: bool = False  # archive the scan as it came, not the cleaned page
    timeout_seconds: float = Field(default=180, gt=0)
    low_confidence: float = Field(default=60, ge=0, le=100)  # a word under this is "low"
    review_mean_confidence: float = Field(default=75, ge=0, le=100)
    fail_mean_confidence: float = Field(default=40, ge=0, le=100)
    review_low_share: float = Field(default=0.15, ge=0, le=1)
    # A PDF that already has an OCR layer (scanner's OCR): false strips it and recognizes
    # the page again (as OCRmyPDF --redo-ocr); true keeps it, converting the PDF as it is.
    keep_ocr_layer: bool = False
    # Leave red ink (seals, "ĐẾN" stamps) out of the image Tesseract reads (colour
    # dropout); the archived page keeps its colours.
    drop_red_ink: bool = True


class PdfaConfig(_Section):
    level: Literal["1b", "2b", "2u"] = "2b"
    lossless: bool = False
    jpeg_quality: int = Field(default=60, ge=10, le=100)
    sidecar: bool = False


class KeySourceConfig(_Section):
    """Where a signer's key lives: a PKCS#12 file, PEM files, or a PKCS#11 token."""

    kind: Literal["pkcs12", "pem", "pkcs11"]
    path: Path | None = None  # .p12/.pfx file, or the PEM private key
    cert: Path | None = None  # PEM certificate (kind = "pem")
    chain: list[Path] = []  # extra CA certificates to embed
    module: Path | None = None  # PKCS#11 module (.so)
    token_label: str | None = None
    slot: int | None = None
    key_label: str | None = None
    key_id: str | None = None  # hex
    cert_subject: str | None = None  # substring of the certificate subject (Unicode)
    secret_env: str | None = None  # name of the env var holding the PIN/passphrase
    secret_file: Path | None = None  # file holding the PIN/passphrase
    # Image for the visible signature (leader: blue signature, agency: red seal).
    image: Path | None = None
    image_width_mm: float | None = Field(default=None, gt=0)  # real size of the seal
    title: str | None = None  # signer's title line, e.g. "CHỦ TỊCH"

    @model_validator(mode="after")
    def _complete(self) -> KeySourceConfig:
        if self.kind in ("pkcs12", "pem") and self.path is None:
            raise ValueError(_("a {kind} key source needs 'path'", kind=self.kind))
        if self.kind == "pem" and self.cert is None:
            raise ValueError(_("a pem key source needs 'cert'"))
        if self.kind == "pkcs11" and self.module is None:
            raise ValueError(_("a pkcs11 key source needs 'module'"))
        return self


class SigningConfig(_Section):
    profile: Literal["issued", "copy", "attachment", "dossier"] = "issued"
    level: Literal["B-B", "B-T", "B-LT", "B-LTA"] = "B-LT"
    leader: KeySourceConfig | None = None
    agency: KeySourceConfig | None = None
    officer: KeySourceConfig | None = None  # desk officer (profile "dossier")
    copy_type: Literal["SAO Y", "SAO LỤC", "TRÍCH SAO"] = "SAO Y"
    # Circular 15/2025 pre-signing checks: "refuse" (default) or "warn".
    on_certificate_problem: Literal["refuse", "warn"] = "refuse"
    # Box for the leader's signature image, in points from the bottom-left of the last page:
    # [x0, y0, x1, y1]. When absent it is found from the text layer (title/name lines).
    signature_box: tuple[float, float, float, float] | None = None


class TsaConfig(_Section):
    urls: list[str] = []  # tried in order
    username: str | None = None
    secret_env: str | None = None  # password for HTTP basic auth
    timeout_seconds: float = Field(default=10, gt=0)


class TrustConfig(_Section):
    roots: list[Path] = []  # PEM/DER files or folders of trust anchors
    intermediates: list[Path] = []


TEMPLATE_FIELDS = ("agency_code", "agency_name", "year", "date", "name")


class MetadataConfig(_Section):
    """Record and document metadata (Circular 05/2025) for `trams run`.

    Per document, the first that applies: its cover sheet; an entry in ``file`` (TOML, JSON
    or CSV, the format of `trams ocr --metadata`); else one record per document named by
    the templates below. Template fields: {agency_code}, {agency_name}, {year}, {date}
    (YYYYMMDD of the run), {name} (the input's file or folder name without extension).
    """

    file: Path | None = None
    file_code: str = "{agency_code}.{year}.{name}"
    title: str = "{name}"
    subject: str = "{name}"
    language: str = "vi"

    @field_validator("file_code", "title", "subject")
    @classmethod
    def _known_fields(cls, template: str) -> str:
        try:
            template.format(**dict.fromkeys(TEMPLATE_FIELDS, "x"))
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(_("unknown template field {field}; use {fields}",
                               field=str(exc), fields=", ".join(
                                   "{" + f + "}" for f in TEMPLATE_FIELDS))) from None
        return template


class ArchiveConfig(_Section):
    path: Path = Path("archive")
    layout: str = "{agency_code}/{year}/{file_code}/"


class TramsConfig(_Section):
    agency: AgencyConfig = AgencyConfig()
    inbox: InboxConfig = InboxConfig()
    ocr: OcrConfig = OcrConfig()
    pdfa: PdfaConfig = PdfaConfig()
    signing: SigningConfig = SigningConfig()
    tsa: TsaConfig = TsaConfig()
    trust: TrustConfig = TrustConfig()
    metadata: MetadataConfig = MetadataConfig()
    archive: ArchiveConfig = ArchiveConfig()
    jobs: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=256)
    lang: Literal["vi", "en"] | None = None
    source: Path | None = Field(default=None, exclude=True)  # the file it came from


def find_config(explicit: Path | None = None) -> Path | None:
    """``--config``, else ``TRAMS_CONFIG``, else ``./trams.toml``; None when none exists."""
    if explicit is not None:
        return explicit
    env = os.environ.get("TRAMS_CONFIG")
    if env:
        return Path(env)
    here = Path.cwd() / "trams.toml"
    return here if here.is_file() else None


def _line_of(text: str, loc: tuple) -> int | None:
    """Best-effort line number of the key at ``loc`` (("ocr", "languages") -> its line)."""
    keys = [str(k) for k in loc if isinstance(k, str)]
    if not keys:
        return None
    lines = text.splitlines()
    section = ".".join(keys[:-1])
    in_section = not section
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        header = re.fullmatch(r"\[+\s*([^\]]+?)\s*\]+", stripped)
        if header:
            in_section = header.group(1) == section or (not section)
            if header.group(1) == ".".join(keys):
                return number
            continue
        if in_section and re.match(rf"{re.escape(keys[-1])}\s*=", stripped):
            return number
    return None


def _resolve_paths(value: object, base: Path) -> object:
    if isinstance(value, Path):
        return value if value.is_absolute() else base / value
    if isinstance(value, BaseModel):
        updates = {
            name: _resolve_paths(getattr(value, name), base)
            for name in type(value).model_fields
            if name != "source"
        }
        return value.model_copy(update=updates)
    if isinstance(value, list):
        return [_resolve_paths(v, base) for v in value]
    return value


def load_config(path: Path | None = None) -> TramsConfig:
    """Load and validate a config file; with no file found, the defaults."""
    found = find_config(path)
    if found is None:
        return TramsConfig()
    try:
        text = found.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            _("cannot read the configuration file ({reason})", reason=exc.strerror),
            path=found,
            hint=_("Check the path given with --config or TRAMS_CONFIG."),
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            _("not valid TOML: {reason}", reason=str(exc)),
            path=found,
            hint=_("Fix the line named above; `trams init` writes a commented example."),
        ) from None
    try:
        config = TramsConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(k) for k in err["loc"])
        line = _line_of(text, err["loc"])
        where = _(" (line {line})", line=line) if line else ""
        raise ConfigError(
            _("invalid setting '{key}'{where}: {reason}", key=key, where=where,
              reason=err["msg"].removeprefix("Value error, ")),
            path=found,
            hint=_("Correct or remove that key; `trams init` writes a commented example."),
        ) from None
    config = _resolve_paths(config, found.resolve().parent)
    return config.model_copy(update={"source": found})


def read_secret(*, env: str | None, file: Path | None, what: str) -> str | None:
    """A PIN or passphrase from the environment variable or file named in config.

    Returns None when neither is configured (the CLI may then prompt). Never logs it.
    """
    if env:
        value = os.environ.get(env)
        if value is None:
            raise ConfigError(
                _("the environment variable {env} for {what} is not set", env=env, what=what),
                hint=_("Export it before running, or name a secret file in trams.toml."),
            )
        return value
    if file is not None:
        try:
            return file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ConfigError(
                _("cannot read the secret file for {what} ({reason})", what=what,
                  reason=exc.strerror),
                path=file,
                hint=_("Check the file exists and is readable by this user only."),
            ) from None
    return None
