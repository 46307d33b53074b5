"""``trams.toml``: validated settings, each rule stated once.

Found through ``--config``, ``TRAMS_CONFIG``, or ``./trams.toml``. Unknown keys and wrong
types are errors naming the key and its line. Secrets never live in the file: key sources
name an environment variable or a file that holds the PIN or passphrase.
Relative paths in the file are relative to the file's folder.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
import warnings
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from trams.archive.layout import Layout
from trams.errors import ConfigError, TramsError
from trams.i18n import _
from trams.naming import unsafe_reason
from trams.rules import Level, ProfileName


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def path_segment_problem(value: str) -> str | None:
    """Why ``value`` cannot be one folder or file name in the archive, or None. The rule of
    :func:`trams.naming.unsafe_reason`, and no ``%`` (as the archive layout refuses)."""
    reason = unsafe_reason(value)
    if reason is None and "%" in value:
        reason = _("the name contains %")
    return reason


class AgencyConfig(_Section):
    name: str = ""  # e.g. "UBND xã Trà My"
    code: str = ""  # agency identifier used in record codes and archive paths
    # Certificate subject organisation (O=) expected on the agency signature (policy vn-dual).
    signer_organization: str | None = None

    @field_validator("code")
    @classmethod
    def _safe_code(cls, code: str) -> str:
        # Empty is allowed here (verify, ocr need no code); `trams run` requires one.
        reason = path_segment_problem(code) if code else None
        if reason is not None:
            raise ValueError(_("the agency code '{code}' cannot be a folder name in the "
                               "archive: {reason}", code=code, reason=reason))
        return code


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
    # A symbolic link in the inbox is refused; with true, a link to a scan inside the inbox
    # is read (a link leading outside it, or to a folder, never is).
    follow_symlinks: bool = False


class OcrConfig(_Section):
    # Tesseract language string, e.g. "vie+eng". "Vietnamese" (the script model, Debian
    # tesseract-ocr-script-viet) reads scans of Vietnamese documents more accurately than
    # "vie" (2.5 % fewer errors) but takes 12 % longer (benchmarks/cer_scans.py,
    # trams/pdf/README.md).
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
    # Text lines taller than this many pixels are read from a smaller copy of the page,
    # never under 200 dpi (trams.scanning.ocr_image); 0 reads pages as scanned.
    read_line_height: int = Field(default=40, ge=0)


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
    # The title printed in the signer block (e.g. "CHỦ TỊCH"), for a certificate that carries
    # no title: a block printing another title than the certificate's (or this one) is a
    # warning in the result.
    title: str | None = None
    # The holder's full name as printed under the signature, when the certificate's CN
    # spells it otherwise (e.g. "NGUYEN VAN HUNG - 0123"); the leader signs an issued
    # document only where the signer block prints this name or the CN.
    display_name: str | None = None

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
    profile: ProfileName = "issued"
    level: Level = "B-LTA"  # archived documents: renewed by `trams archive renew`
    leader: KeySourceConfig | None = None
    agency: KeySourceConfig | None = None
    officer: KeySourceConfig | None = None  # desk officer (profile "dossier")
    copy_type: Literal["SAO Y", "SAO LỤC", "TRÍCH SAO"] = "SAO Y"
    # Circular 15/2025 pre-signing checks: "refuse" (default) or "warn".
    on_certificate_problem: Literal["refuse", "warn"] = "refuse"
    # The leader's signature goes where each document's signer block is (no fixed box):
    # see trams.signing.signerblock. A page TRAMS cannot read takes its box from its own
    # metadata (signatureBox), or from `trams sign --signature-box` for one file.

    @model_validator(mode="before")
    @classmethod
    def _no_fixed_box(cls, data: object) -> object:
        if isinstance(data, dict) and "signature_box" in data:
            raise ValueError(_("signing.signature_box is gone: the leader's signature is "
                               "placed in each document's signer block; give a page that "
                               "needs a box its own signatureBox in the metadata file or "
                               "cover sheet, or use `trams sign --signature-box` for one "
                               "file"))
        return data


class TsaConfig(_Section):
    urls: list[str] = []  # tried in order
    username: str | None = None
    secret_env: str | None = None  # password for HTTP basic auth
    timeout_seconds: float = Field(default=10, gt=0)


class TrustConfig(_Section):
    roots: list[Path] = []  # PEM/DER files or folders of trust anchors
    intermediates: list[Path] = []


CLUSTER_SCHEMES = ("tcp", "tls")  # Dask's plain and TLS transports
DEFAULT_SCHEDULER_PORT = 8786  # Dask's
LOCAL_CLUSTER = "local"  # --cluster local: this machine's worker processes, whatever [cluster]


def scheduler_problem(address: str) -> str | None:
    """Why ``address`` is not a Dask scheduler address TRAMS uses (``tcp://host:port`` or
    ``tls://host:port``; the port defaults to 8786), or None."""
    scheme, sep, _rest = address.partition("://")
    if not sep or scheme not in CLUSTER_SCHEMES:
        return _("'{address}' is not a scheduler address: write tcp://HOST:PORT or "
                 "tls://HOST:PORT", address=address)
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError:
        return _("'{address}' has an invalid port", address=address)
    if not parts.hostname or parts.path or parts.query or parts.fragment \
            or parts.username or parts.password:
        return _("'{address}' is not a scheduler address: write tcp://HOST:PORT or "
                 "tls://HOST:PORT", address=address)
    if port == 0:
        return _("'{address}' has an invalid port", address=address)
    return None


def with_port(address: str) -> str:
    """A valid scheduler address with its port (Dask's 8786 when none is written)."""
    return address if urlsplit(address).port else f"{address}:{DEFAULT_SCHEDULER_PORT}"


class ClusterConfig(_Section):
    """OCR on a Dask cluster (docs/cluster.md). Without ``scheduler`` pages are recognized
    by this machine's worker processes. Only page images travel to the cluster; keys,
    secrets, signing and the archive stay on this machine."""

    scheduler: str | None = None  # tcp://host:8786, or tls://host:8786 with the files below
    # Dask TLS (mutual): the cluster's CA, and this machine's certificate and key (PEM).
    tls_ca_file: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    connect_timeout_seconds: float = Field(default=10, gt=0)
    # How long a run waits while no worker is connected before it stops (exit 16).
    worker_wait_seconds: float = Field(default=600, gt=0)

    @field_validator("scheduler")
    @classmethod
    def _address(cls, address: str | None) -> str | None:
        if address is None:
            return None
        reason = scheduler_problem(address)
        if reason is not None:
            raise ValueError(reason)
        return with_port(address)

    @model_validator(mode="after")
    def _tls(self) -> ClusterConfig:
        files = {"tls_ca_file": self.tls_ca_file, "tls_cert": self.tls_cert,
                 "tls_key": self.tls_key}
        if self.scheduler and self.scheduler.startswith("tls://"):
            missing = [key for key, value in files.items() if value is None]
            if missing:
                raise ValueError(_("a tls:// scheduler needs {keys} in [cluster]",
                                   keys=", ".join(missing)))
        elif self.scheduler and any(files.values()):
            raise ValueError(_("[cluster] names TLS files but the scheduler address is "
                               "tcp://: write tls://HOST:PORT"))
        return self

    @property
    def tls(self) -> bool:
        return bool(self.scheduler and self.scheduler.startswith("tls://"))


TEMPLATE_FIELDS = ("agency_code", "agency_name", "year", "date", "name")
LAYOUT_FIELDS = ("agency_code", "year", "file_code")  # trams.archive.layout.FIELDS


def template_fields(template: str, allowed: tuple[str, ...]) -> list[str]:
    """The fields of a ``{field}`` template, each one of ``allowed``; ValueError otherwise.

    Only plain fields: no attribute or index access (``{name.__class__}``, ``{name[0]}``),
    no conversion or format spec (``{name!r}``, ``{name:>999}``), no positional ``{}``.
    Literal braces are written ``{{`` and ``}}``.
    """
    names = ", ".join("{" + f + "}" for f in allowed)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(_("'{template}' is not a valid template ({reason}); write {{{{ and "
                           "}}}} for literal braces", template=template, reason=str(exc))
                         ) from None
    fields = []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in allowed:
            if field and field.split(".")[0].split("[")[0] in allowed:
                raise ValueError(_("the template field {{{field}}} is not allowed: attribute "
                                   "and index access are refused; use {fields}",
                                   field=field, fields=names))
            raise ValueError(_("unknown template field {field}; use {fields}",
                               field="{" + field + "}", fields=names))
        if spec or conversion:
            raise ValueError(_("the template field {{{field}}} takes no conversion or format "
                               "(write {plain})", field=field, plain="{" + field + "}"))
        fields.append(field)
    return fields


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
        template_fields(template, TEMPLATE_FIELDS)
        return template


class ArchiveConfig(_Section):
    path: Path = Path("archive")
    layout: str = "{agency_code}/{year}/{file_code}/"

    @field_validator("layout")
    @classmethod
    def _layout(cls, layout: str) -> str:
        template_fields(layout, LAYOUT_FIELDS)
        try:
            Layout(layout)
        except TramsError as exc:
            raise ValueError(exc.message) from None
        return layout


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
    cluster: ClusterConfig = ClusterConfig()
    jobs: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=256)
    lang: Literal["vi", "en"] | None = None
    source: Path | None = Field(default=None, exclude=True)  # the file it came from

    @model_validator(mode="after")
    def _names(self) -> TramsConfig:
        """What the templates make must be one safe file or folder name: tried with the
        agency's code and name and a plain document name (each document's own values are
        checked again when it is named)."""
        sample = {"agency_code": self.agency.code or "X", "agency_name": self.agency.name,
                  "year": "2026", "date": "20260101", "name": "x"}
        code = self.metadata.file_code.format(**sample)
        reason = path_segment_problem(code)
        if reason is not None:
            raise ValueError(_("[metadata] file_code makes record codes such as '{code}' that "
                               "cannot be file names: {reason}", code=code, reason=reason))
        layout = self.archive.layout.format(agency_code=sample["agency_code"], year="2026",
                                            file_code="x")
        for part in (p for p in layout.split("/") if p):
            reason = path_segment_problem(part)
            if reason is not None:
                raise ValueError(_("[archive] layout makes folders such as '{folder}' that "
                                   "cannot be used: {reason}", folder=layout, reason=reason))
        return self

    def with_cluster(self, address: str | None) -> TramsConfig:
        """This configuration with the scheduler given on the command line (``--cluster``):
        an address replaces ``[cluster] scheduler``, ``local`` means this machine's worker
        processes, None keeps the file's choice. ConfigError when the address is invalid or
        the TLS files it needs are not in [cluster]."""
        if address is None:
            return self
        data = self.cluster.model_dump()
        data["scheduler"] = None if address == LOCAL_CLUSTER else address
        try:
            cluster = ClusterConfig.model_validate(data)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise ConfigError(_("invalid --cluster: {reason}", reason=reason),
                              path=self.source,
                              hint=_("Give tcp://HOST:PORT, tls://HOST:PORT (with the TLS "
                                     "files in [cluster]) or local.")) from None
        return self.model_copy(update={"cluster": cluster})

    def require_agency_code(self) -> None:
        """`trams run` names records and folders with the agency code: ConfigError without
        one (before any work)."""
        uses = "agency_code" in template_fields(self.metadata.file_code, TEMPLATE_FIELDS) or \
            "agency_code" in template_fields(self.archive.layout, LAYOUT_FIELDS)
        if uses and not self.agency.code:
            raise ConfigError(_("[agency] code is empty, but record codes and archive folders "
                                "are made with it"), path=self.source,
                              hint=_("Set [agency] code in trams.toml, e.g. \"H42.01\"."),
                              code="agency_code_missing")


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
            hint=_("Check the path given with --config or TRAMS_CONFIG."), code="config_unreadable",
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            _("not valid TOML: {reason}", reason=str(exc)),
            path=found,
            hint=_("Fix the line named above; `trams init` writes a commented example."),
            code="config_not_toml",
        ) from None
    try:
        config = TramsConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        reason = err["msg"].removeprefix("Value error, ")
        if not err["loc"]:  # a rule over several sections; its message names them
            raise ConfigError(_("invalid configuration: {reason}", reason=reason), path=found,
                              hint=_("Correct the settings named; `trams init` writes a "
                                     "commented example.")) from None
        key = ".".join(str(k) for k in err["loc"])
        line = _line_of(text, err["loc"])
        where = _(" (line {line})", line=line) if line else ""
        raise ConfigError(
            _("invalid setting '{key}'{where}: {reason}", key=key, where=where,
              reason=reason),
            path=found,
            hint=_("Correct or remove that setting; `trams init` writes a commented example."),
        ) from None
    config = _resolve_paths(config, found.resolve().parent)
    _check_images(config, found, text)
    return config.model_copy(update={"source": found})


# A signature or seal image is a few hundred pixels wide (a 40 mm seal at 1200 dpi is
# 1900 px): anything beyond this is a mistake or a decompression bomb, refused at load.
MAX_IMAGE_PIXELS = 25_000_000
MAX_IMAGE_BYTES = 20 * 1024 * 1024


def _check_images(config: TramsConfig, found: Path, text: str) -> None:
    """Open each configured signature/seal image under a size limit (a file that is not
    there yet is left to `trams doctor` and to signing, which name it)."""
    for role in ("leader", "agency", "officer"):
        source = getattr(config.signing, role)
        if source is None or source.image is None or not source.image.is_file():
            continue
        reason = image_problem(source.image)
        if reason is not None:
            line = _line_of(text, ("signing", role, "image"))
            where = _(" (line {line})", line=line) if line else ""
            key = ".".join(("signing", role, "image"))
            raise ConfigError(
                _("invalid setting '{key}'{where}: {reason}", key=key, where=where,
                  reason=reason),
                path=source.image,
                hint=_("Use a transparent PNG of the signature or seal, a few hundred pixels "
                       "wide (under {limit} megapixels).", limit=MAX_IMAGE_PIXELS // 1_000_000))


def image_problem(path: Path) -> str | None:
    """Why ``path`` is not a usable signature image, or None. The pixels are counted from
    the header before any is decoded, then the whole image is decoded once."""
    from PIL import Image  # here, not at the top: every command loads the config (25 ms)

    try:
        if path.stat().st_size > MAX_IMAGE_BYTES:
            return _("the file is larger than {limit} MB", limit=MAX_IMAGE_BYTES >> 20)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    return _("the image is {width} x {height} pixels, too large for a "
                             "signature image (a decompression bomb?)", width=width,
                             height=height)
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _("the image is too large for a signature image (a decompression bomb?)")
    except OSError as exc:
        return _("the image cannot be read ({reason})",
                 reason=exc.strerror or str(exc) or type(exc).__name__)
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds on damaged files
        return _("the image cannot be read ({reason})", reason=str(exc) or type(exc).__name__)
    return None


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
                code="secret_env_unset",
            )
        if not value:
            raise ConfigError(
                _("the environment variable {env} for {what} is empty", env=env, what=what),
                hint=_("Put the {what} in it before running.", what=what), code="secret_env_empty")
        return value
    if file is not None:
        try:
            value = file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ConfigError(
                _("cannot read the secret file for {what} ({reason})", what=what,
                  reason=exc.strerror),
                path=file,
                hint=_("Check the file exists and is readable by this user only."),
                code="secret_file_unreadable",
            ) from None
        if not value:
            raise ConfigError(_("the secret file for {what} is empty", what=what), path=file,
                              hint=_("Write the {what} into the file (one line).", what=what),
                              code="secret_file_empty")
        return value
    return None
