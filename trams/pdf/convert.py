"""Born-digital PDFs (a Word or LibreOffice export, a PDF with an OCR layer kept on request)
to PDF/A, as they are: no OCR, no re-rendering, same pages, same fonts, same structure tree.

The work is pikepdf's PDF/A support (``pikepdf.pdfa``): :func:`~pikepdf.pdfa.prepare`
makes the structural repairs that change no content (one sRGB output intent, the Print flag
on annotations, no image interpolation, no document JavaScript, PDF/A identification), and
:func:`~pikepdf.pdfa.check` judges the file that would be written. Then the XMP packet and
DocInfo are replaced with the archival metadata every TRAMS PDF/A carries
(:mod:`trams.pdf.xmp`), and the file is written with the settings the check assumed.

Refused, with the reason: what PDF/A forbids and only a change of content could fix (a font
that is not embedded, transfer functions, encryption that needs a password...): a finding
of the check that is a violation of ISO 19005, or that names an ISO 19005 rule the file
cannot be shown to meet. Constructs pikepdf's allowlist validator does not know (Type 3
fonts, patterns, unknown dictionary keys) are not violations: the file is converted and the
report says which parts could not be verified.

Levels: ``2b`` (default) and ``1b`` as asked; ``2u`` when every font maps its glyphs to
Unicode, else ``2b`` (noted). Text for the sidecar and the search index comes from
``pdftotext`` (poppler-utils).
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pikepdf
from pikepdf import Dictionary, Name

from trams.errors import DependencyError, InputError
from trams.fs import atomic_path, atomic_write_bytes, sha256_file, storage_error
from trams.i18n import _
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.pdf import interactive, xmp
from trams.pdf.icc import srgb_v2_profile
from trams.pdf.inspect import attached_files, attachments_refused
from trams.pdf.result import PdfResult, check_level

log = logging.getLogger(__name__)

FLAVOURS = {"1b": "1b", "2b": "2b", "2u": "2b"}
TRAILER_KEYS = frozenset({"/Size", "/Prev", "/Root", "/Encrypt", "/Info", "/ID", "/XRefStm"})
TEXT_TIMEOUT = 120.0
MAX_REASONS = 3


@dataclass(frozen=True)
class Inspection:
    """What converting a PDF as it is will give: the level, and what to tell the clerk."""

    level: str
    notes: tuple[str, ...]
    unmapped_fonts: tuple[str, ...]  # fonts whose text cannot be extracted as Unicode


def open_input(path: Path) -> pikepdf.Pdf:
    """Open a PDF to convert; an owner password (editing restrictions) is no obstacle."""
    try:
        return pikepdf.open(path)
    except pikepdf.PasswordError:
        raise InputError(_("the PDF is encrypted with a password"), path=path,
                         hint=_("Remove the password (qpdf --decrypt --password=... in.pdf "
                                "out.pdf) and add the decrypted file."),
                                code="pdf_encrypted") from None
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise InputError(_("the PDF cannot be read ({reason})",
                           reason=str(exc).splitlines()[0] if str(exc) else "PDF"),
                         path=path, hint=_("Export or scan the document again."),
                         code="pdf_unreadable") from None


def _fonts(resources: object, seen: set, depth: int = 0):
    """(name, font dictionary) of every font reachable from ``resources``."""
    if not isinstance(resources, Dictionary) or depth > 8:
        return
    fonts = resources.get("/Font")
    if isinstance(fonts, Dictionary):
        for name, font in fonts.items():
            if isinstance(font, Dictionary) and font.objgen not in seen:
                if font.objgen != (0, 0):
                    seen.add(font.objgen)
                yield name, font
                if font.get("/Subtype") == "/Type3":
                    yield from _fonts(font.get("/Resources"), seen, depth + 1)
    xobjects = resources.get("/XObject")
    if isinstance(xobjects, Dictionary):
        for xobj in xobjects.values():
            if isinstance(xobj, pikepdf.Stream) and xobj.get("/Subtype") == "/Form" \
                    and xobj.objgen not in seen:
                if xobj.objgen != (0, 0):
                    seen.add(xobj.objgen)
                yield from _fonts(xobj.get("/Resources"), seen, depth + 1)


STANDARD_ENCODINGS = frozenset({"/WinAnsiEncoding", "/MacRomanEncoding", "/StandardEncoding",
                                "/MacExpertEncoding"})


def _maps_to_unicode(font: Dictionary) -> bool:
    """True when text in ``font`` can be extracted as Unicode (PDF/A-2u's condition)."""
    if "/ToUnicode" in font:
        return True
    subtype = font.get("/Subtype")
    if subtype == "/Type0":
        encoding = str(font.get("/Encoding", ""))
        # predefined Unicode CMaps, and CJK ones with a known ordering
        return encoding.startswith("/Uni") or encoding.endswith("-UCS2")
    if subtype == "/Type3":
        return False
    descriptor = font.get("/FontDescriptor")
    symbolic = isinstance(descriptor, Dictionary) and int(descriptor.get("/Flags", 0)) & 4
    encoding = font.get("/Encoding")
    if isinstance(encoding, Name):
        return str(encoding) in STANDARD_ENCODINGS
    if isinstance(encoding, Dictionary):
        return not symbolic or str(encoding.get("/BaseEncoding", "")) in STANDARD_ENCODINGS
    return not symbolic and str(font.get("/BaseFont", "")).lstrip("/") in _STANDARD_14


_STANDARD_14 = frozenset({"Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic",
                          "Helvetica", "Helvetica-Bold", "Helvetica-Oblique",
                          "Helvetica-BoldOblique", "Courier", "Courier-Bold",
                          "Courier-Oblique", "Courier-BoldOblique"})


def unmapped_fonts(pdf: pikepdf.Pdf) -> tuple[str, ...]:
    seen: set = set()
    names: list[str] = []
    for page in pdf.pages:
        for _name, font in _fonts(page.obj.get("/Resources"), seen):
            if not _maps_to_unicode(font):
                base = str(font.get("/BaseFont", font.get("/Name", "?"))).lstrip("/")
                names.append(base.split("+", 1)[-1] or "?")
    return tuple(dict.fromkeys(names))


def _clean_trailer(pdf: pikepdf.Pdf) -> None:
    """Drop what changes nothing on the pages: private trailer keys (LibreOffice's
    /DocChecksum), and an /OpenAction that only says which page to show first."""
    for key in list(pdf.trailer.keys()):
        if key not in TRAILER_KEYS:
            del pdf.trailer[key]
    action = pdf.Root.get("/OpenAction")
    if isinstance(action, pikepdf.Array) or (
            isinstance(action, Dictionary) and action.get("/S") == "/GoTo"
            and "/Next" not in action):
        del pdf.Root["/OpenAction"]


def _refusal(path: Path, level: str, findings: list) -> InputError:
    reasons: list[str] = []
    # what the clerk can act on first: a font not embedded says "export it again"
    findings = sorted(findings, key=lambda f: "embedded" not in str(getattr(f, "message", f)))
    for finding in findings:
        text = _reason(finding)
        if text and text not in reasons:
            reasons.append(text)
    fonts = any("embedded" in r or "font" in r.lower() for r in reasons)
    hint = (_("Export it again with all fonts embedded (Word: Save As PDF, Options, "
              "'PDF/A compliant'; LibreOffice: Export as PDF, 'Archive (PDF/A)'), or print "
              "it and scan it.") if fonts else
            _("Export it again as PDF/A from the program that made it, or print it and scan "
              "it."))
    shown = "; ".join(reasons[:MAX_REASONS])
    if len(reasons) > MAX_REASONS:
        shown += _(" and {count} more", count=len(reasons) - MAX_REASONS)
    return InputError(_("the PDF cannot be made PDF/A-{level} as it is: {reasons}",
                        level=level.upper(), reasons=shown), path=path, hint=hint,
                        code="pdfa_not_convertible")


# pikepdf's schema check names a value and the pattern it failed: "'/2.0' does not match
# '^/1\\.[0-7]$'" (a catalog /Version of 2.0). A clerk is told the value and where it is.
_NO_MATCH = re.compile(r"^'(?P<value>[^']*)' does not match '.*'$")
_WHERE = re.compile(r"^obj \d+ \d+ \((?P<what>[^)]*)\) ")


def _reason(finding) -> str:  # noqa: ANN001 - a pikepdf.pdfa finding, or a string
    """A finding of the PDF/A check as a reason a clerk can read."""
    text = str(getattr(finding, "message", finding)).strip().rstrip(".")
    value = _NO_MATCH.match(text)
    if value is None:
        return text
    where = _WHERE.sub(r"\g<what> ", str(getattr(finding, "where", "")))
    return _("{where} is {value}, which PDF/A does not allow", where=where.strip() or "?",
             value=value["value"])


def _blocking(finding) -> bool:
    """A violation, or an ISO 19005 rule the file cannot be shown to meet."""
    kind = getattr(finding, "kind", "")
    rule = str(getattr(finding, "rule", ""))
    return kind == "violation" or (kind == "unsupported" and rule.startswith("ISO_19005"))


def _prepare(pdf: pikepdf.Pdf, path: Path, level: str):
    """Repairs, then the check; returns (effective level, report, notes, fonts without a
    Unicode mapping). Raises when the file cannot be PDF/A as it is."""
    unmapped = unmapped_fonts(pdf)
    notes: list[str] = []
    if level == "2u" and unmapped:
        level = "2b"
        notes.append(_("written as PDF/A-2b, not 2u: fonts without a Unicode mapping ({fonts})",
                       fonts=", ".join(unmapped[:5])))
    flavour = FLAVOURS[level]
    if attached := attached_files(pdf):
        # PDF/A-1 forbids attachments, PDF/A-2 keeps only PDF/A ones (ISO 19005-2 6.8),
        # which pikepdf's check does not verify: kept, they would make a false claim.
        raise attachments_refused(path, attached)
    _clean_trailer(pdf)
    repaired, reasons = interactive.repair(pdf)
    if reasons:
        raise _refusal(path, level, reasons)
    notes += repaired
    # Loaded here, for born-digital PDFs only: pikepdf's PDF/A support brings fontTools and
    # its validator (19 MB), which every OCR worker forked from the run would carry too.
    import pikepdf.pdfa

    prepared = pikepdf.pdfa.prepare(pdf, flavour, output_intent=srgb_v2_profile(),
                                    output_condition_identifier="sRGB IEC61966-2.1")
    if prepared.annotations_removed:
        notes.append(_("hidden annotations removed (PDF/A does not allow them): {count}",
                       count=sum(prepared.annotations_removed.values())))
    report = pikepdf.pdfa.check(pdf, flavour)
    blocking = [f for f in report.findings if _blocking(f)]
    if blocking:
        raise _refusal(path, level, blocking)
    unchecked = sorted({str(f.message).split(":")[0] for f in report.findings
                        if not _blocking(f)})
    if unchecked:
        notes.append(_("parts the PDF/A validator could not verify: {parts}",
                       parts="; ".join(unchecked[:MAX_REASONS])))
    if unmapped:
        notes.append(_("text in fonts without a Unicode mapping ({fonts}) may not be found "
                       "by a search", fonts=", ".join(unmapped[:5])))
    return level, report, notes, unmapped


def _prepared(pdf: pikepdf.Pdf, path: Path, level: str):
    """:func:`_prepare`, with what pikepdf cannot parse turned into an InputError."""
    try:
        return _prepare(pdf, path, level)
    except InputError:
        raise
    except (pikepdf.PdfError, ValueError, TypeError, KeyError) as exc:
        raise InputError(_("the PDF cannot be read ({reason})",
                           reason=str(exc).splitlines()[0] or type(exc).__name__),
                         path=path, hint=_("Export or scan the document again."),
                         code="pdf_unreadable") from None


def inspect(path: Path, *, level: str = "2b") -> Inspection:
    """Check that ``path`` can be converted as it is (raises InputError if not)."""
    with open_input(path) as pdf:
        effective, _report, notes, unmapped = _prepared(pdf, path, level)
    return Inspection(effective, tuple(notes), unmapped)


def convert_pdfa(source: Path, record: RecordMetadata | None, doc: DocumentMetadata | None,
                 dest: Path, *, level: str = "2b", created: datetime | None = None,
                 sidecar: Path | None = None, text: str | None = None):
    """Write ``source`` as PDF/A at ``dest`` (atomically) with the archival metadata."""
    check_level(level)
    created = created or xmp.now()
    with open_input(source) as pdf:
        effective, report, _notes, _unmapped = _prepared(pdf, source, level)
        part, conformance = check_level(effective)
        metadata = pdf.make_stream(xmp.build_xmp(record, doc, part=part,
                                                 conformance=conformance, created=created))
        metadata.Type = Name.Metadata
        metadata.Subtype = Name.XML
        pdf.Root.Metadata = metadata
        lang = xmp.describe(record, doc).get("language")
        if lang:
            pdf.Root.Lang = pikepdf.String(lang)
        pdf.trailer.Info = pdf.make_indirect(Dictionary(
            {"/" + k: pikepdf.String(v)
             for k, v in xmp.docinfo(record, doc, created=created).items()}))
        kwargs = dict(report.save_kwargs)
        kwargs["encryption"] = False
        kwargs["deterministic_id"] = True
        dest = Path(dest)
        try:
            with atomic_path(dest) as out:
                pdf.save(out, **kwargs)
                out.chmod(0o644)
                digest, size = sha256_file(out)
        except (pikepdf.PdfError, RuntimeError) as exc:
            raise InputError(_("could not write the PDF ({reason})", reason=str(exc)),
                             path=dest, hint=_("Run again with --verbose and report the "
                                               "output."), code="pdf_write_failed") from None
    if sidecar is not None:
        body = text if text is not None else extract_text(source)
        atomic_write_bytes(sidecar, unicodedata.normalize("NFC", body).encode("utf-8") + b"\n")
    with pikepdf.open(dest) as written:
        pages = len(written.pages)
    return PdfResult(path=dest, pages=pages, bytes=size, sha256=digest, level=effective)


def extract_text(path: Path) -> str:
    """The PDF's text (``pdftotext``, reading order), pages separated by form feeds."""
    program = shutil.which("pdftotext")
    if program is None:
        raise DependencyError(_("the program pdftotext was not found"),
                              hint=_("Install it with: sudo apt install poppler-utils"),
                              code="pdftotext_missing")
    try:
        proc = subprocess.run([program, "-enc", "UTF-8", str(path), "-"], capture_output=True,
                              timeout=TEXT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise InputError(_("extracting the text took longer than {seconds} s",
                           seconds=round(TEXT_TIMEOUT)), path=path,
                         hint=_("Check the PDF, or print it and scan it."),
                         code="pdf_text_timeout") from None
    except OSError as exc:
        raise storage_error(exc, path) from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(_("the PDF's text cannot be extracted ({reason})",
                           reason=detail[-1] if detail else proc.returncode), path=path,
                         hint=_("Export the document again, or print it and scan it."),
                         code="pdf_text_unreadable")
    text = proc.stdout.decode("utf-8", "replace").rstrip("\f")
    return unicodedata.normalize("NFC", text)
