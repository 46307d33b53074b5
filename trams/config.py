"""``trams.toml``: validated settings, each rule stated once.

Found through ``--config``, ``TRAMS_CONFIG``, or ``./trams.toml``. Unknown keys and wrong
types are errors naming the key and its line. Secrets never live in the file: key sources
name an environment variable or a file that holds the PIN or passphrase.
Relative paths in the file are relative to the file's folder.

This module holds the whole file (:class:`TramsConfig`, the rules across its sections),
finding, reading and validating it, the signature images it names and the secrets it
points to. The sections' models ([agency], [inbox], [ocr], ... [archive]) are in
:mod:`trams.config_sections`. This module re-exports them (named imports, listed in
``__all__``): some fifty places import them as ``from trams.config import OcrConfig``,
the one way the rest of TRAMS imports its settings.
"""

from __future__ import annotations

import os
import re
import tomllib
import warnings
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from trams.config_sections import (
    LAYOUT_FIELDS,
    TEMPLATE_FIELDS,
    AgencyConfig,
    ArchiveConfig,
    ClusterConfig,
    InboxConfig,
    KeySourceConfig,
    MetadataConfig,
    OcrConfig,
    PdfaConfig,
    SigningConfig,
    TrustConfig,
    TsaConfig,
    _Section,
    path_segment_problem,
    scheduler_problem,
    template_fields,
)
from trams.errors import ConfigError
from trams.i18n import _

__all__ = [
    # defined here
    "LOCAL_CLUSTER",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "TramsConfig",
    "find_config",
    "image_problem",
    "load_config",
    "read_secret",
    # the sections and the scheduler address rule, from trams.config_sections
    "AgencyConfig",
    "ArchiveConfig",
    "ClusterConfig",
    "InboxConfig",
    "KeySourceConfig",
    "MetadataConfig",
    "OcrConfig",
    "PdfaConfig",
    "SigningConfig",
    "TrustConfig",
    "TsaConfig",
    "scheduler_problem",
]

LOCAL_CLUSTER = "local"  # --cluster local: this machine's worker processes, whatever [cluster]


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
