"""The sections of ``trams.toml``: one model per table ([agency], [inbox], [ocr], [pdfa],
[signing] and its key sources, [tsa], [trust], [cluster], [metadata], [archive]), each
checking its own keys, and the rules they share (names safe as folder and file names,
``{field}`` templates, scheduler addresses).

:class:`trams.config.TramsConfig` puts the sections together and checks what spans them;
:mod:`trams.config` finds and loads the file, and is where the rest of TRAMS imports these
models from.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trams.archive.layout import Layout
from trams.errors import TramsError
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
