"""Assemble recognized pages into a two-layer PDF/A file (Circular 05/2025/TT-BNV).

Pages are streamed: each page's image is already encoded in a file by the page worker
(:mod:`trams.pdf.images`), and its bytes are never loaded here. pikepdf builds a small
skeleton (pages, text layers, font, output intent, XMP, DocInfo) whose image streams are
empty placeholders; then qpdf (through ``pikepdf.Job``, in process) writes the final file,
filling each placeholder from its image file with ``--update-from-json`` ``datafile``
entries, which qpdf reads only while writing. Memory therefore stays flat with the page
count (about 40 MB for a 300 MB file).

Levels: ``1b`` (PDF 1.4, no object or cross-reference streams), ``2b`` (default) and
``2u`` (same file; ``2u`` also promises Unicode for all text, which the glyphless font's
ToUnicode map gives). No encryption, no transparency groups, no JavaScript or actions.
"""

from __future__ import annotations

import json
import tempfile
import unicodedata
import zlib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

from trams.errors import InputError, TramsError
from trams.fs import atomic_path, atomic_write_bytes, sha256_file
from trams.i18n import _
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.models import BornDigitalDocument, EncodedImage, RecognizedDocument, RecognizedPage
from trams.pdf import xmp
from trams.pdf.convert import convert_pdfa
from trams.pdf.font import add_font
from trams.pdf.icc import srgb_v2_profile
from trams.pdf.result import PdfResult, check_level
from trams.pdf.textlayer import FONT_RESOURCE, page_operators

_MARK = "/TramsImage"  # placeholder marker, replaced with the real dictionary


class PdfError(TramsError):
    """The PDF could not be assembled (a bug or an unreadable page image)."""

    code = "pdf_write_failed"


def _image_dict(image: EncodedImage) -> dict:
    d: dict = {
        "/Type": "/XObject", "/Subtype": "/Image", "/Width": image.width,
        "/Height": image.height, "/ColorSpace": image.colorspace,
        "/BitsPerComponent": image.bits_per_component, "/Filter": image.filter,
    }
    if image.decode_parms:
        d["/DecodeParms"] = {"/" + k: v for k, v in image.decode_parms.items()}
    return d


def _output_intent(pdf: pikepdf.Pdf) -> pikepdf.Object:
    icc = srgb_v2_profile()
    profile = pdf.make_stream(zlib.compress(icc, 9))
    profile.Filter = Name.FlateDecode
    profile.N = 3
    return pdf.make_indirect(Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFA1,
        OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
        RegistryName=pikepdf.String("http://www.color.org"),
        Info=pikepdf.String("sRGB IEC61966-2.1"),
        DestOutputProfile=profile,
    ))


def _add_page(pdf: pikepdf.Pdf, page: RecognizedPage, index: int, font) -> None:
    if not Path(page.image.path).is_file():
        raise InputError(_("the encoded page image is missing"), path=page.image.path,
                         hint=_("Run the command again; the work folder may have been cleaned."),
                         code="page_image_missing")
    width, height = page.size_points
    placeholder = pdf.make_stream(b"")
    placeholder[_MARK] = index
    content = pdf.make_stream(b"")
    content.write(zlib.compress(page_operators(page), 6), filter=Name.FlateDecode)
    pdf.pages.append(pikepdf.Page(Dictionary(
        Type=Name.Page,
        MediaBox=Array([0, 0, round(width, 2), round(height, 2)]),
        Resources=Dictionary(XObject=Dictionary(Im0=placeholder),
                             Font=Dictionary({FONT_RESOURCE: font})),
        Contents=content,
    )))


def write_pdfa(document: RecognizedDocument | BornDigitalDocument | Iterable[RecognizedPage],
               record: RecordMetadata | None, doc: DocumentMetadata | None, dest: Path, *,
               level: str = "2b", created: datetime | None = None,
               sidecar: Path | None = None, workdir: Path | None = None) -> PdfResult:
    """Write ``document`` as a PDF/A file at ``dest`` (atomically) and describe the result.

    ``record``/``doc`` default to the metadata found with the document (cover sheet).
    ``sidecar``: also write the OCR text there (UTF-8, pages separated by form feeds).
    ``created``: the creation time recorded in XMP and DocInfo (default: now, +07:00).
    A :class:`~trams.models.BornDigitalDocument` is converted as it is
    (:func:`trams.pdf.convert.convert_pdfa`); ``result.level`` says the level written.
    """
    check_level(level)
    if isinstance(document, BornDigitalDocument):
        return convert_pdfa(document.path, record or document.source.record,
                            doc or document.source.document, dest, level=level,
                            created=created, sidecar=sidecar, text=document.text)
    part, conformance = check_level(level)
    if isinstance(document, RecognizedDocument):
        record = record or document.source.record
        doc = doc or document.source.document
        pages: Iterable[RecognizedPage] = document.pages
    else:
        pages = document
    created = created or xmp.now()
    dest = Path(dest)

    pdf = pikepdf.Pdf.new()
    font = add_font(pdf)
    images: list[EncodedImage] = []
    texts: list[str] = []
    for page in pages:
        _add_page(pdf, page, len(images), font)
        images.append(page.image)
        if sidecar is not None:
            texts.append(unicodedata.normalize("NFC", page.text))
    if not images:
        raise InputError(_("the document has no pages"), path=dest,
                         hint=_("Check the input: every page was dropped or unreadable."),
                         code="document_empty")
    pdf.Root.OutputIntents = Array([_output_intent(pdf)])
    metadata = pdf.make_stream(xmp.build_xmp(record, doc, part=part, conformance=conformance,
                                             created=created))
    metadata.Type = Name.Metadata
    metadata.Subtype = Name.XML
    pdf.Root.Metadata = metadata
    lang = xmp.describe(record, doc).get("language")
    if lang:
        pdf.Root.Lang = pikepdf.String(lang)
    info = pdf.make_indirect(Dictionary({"/" + k: pikepdf.String(v)
                                         for k, v in xmp.docinfo(record, doc,
                                                                 created=created).items()}))
    pdf.trailer.Info = info

    with tempfile.TemporaryDirectory(prefix="trams-pdf-", dir=workdir) as tmp:
        skeleton = Path(tmp) / "skeleton.pdf"
        pdf.save(skeleton, min_version="1.4" if part == 1 else "1.7")
        pdf.close()
        update = _image_update(skeleton, images)
        update_path = Path(tmp) / "images.json"
        update_path.write_text(json.dumps(update), encoding="utf-8")
        with atomic_path(dest) as out:
            _qpdf_write(skeleton, update_path, out, part)
            out.chmod(0o644)  # an ordinary document, readable like the scans it came from
            digest, size = sha256_file(out)
    if sidecar is not None:
        atomic_write_bytes(sidecar, "\f".join(texts).encode("utf-8") + b"\n")
    return PdfResult(path=dest, pages=len(images), bytes=size, sha256=digest, level=level)


def _image_update(skeleton: Path, images: list[EncodedImage]) -> dict:
    """qpdf JSON v2 update: each placeholder gets its dictionary and its data file."""
    objects: dict[str, dict] = {}
    with pikepdf.Pdf.open(skeleton) as sk:
        for page in sk.pages:
            stream = page.Resources.XObject.Im0
            image = images[int(stream[_MARK])]
            num, gen = stream.objgen
            objects[f"obj:{num} {gen} R"] = {"stream": {
                "dict": _image_dict(image), "datafile": str(Path(image.path).resolve())}}
    return {"qpdf": [{"jsonversion": 2, "pushedinheritedpageresources": False,
                      "calledgetallpages": False, "maxobjectid": 0}, objects]}


def _qpdf_write(skeleton: Path, update: Path, out: Path, part: int) -> None:
    args = ["qpdf", str(skeleton), f"--update-from-json={update}", "--decode-level=none",
            "--deterministic-id", "--no-warn", "--warning-exit-0"]
    if part == 1:
        args += ["--object-streams=disable", "--force-version=1.4"]
    else:
        args += ["--object-streams=generate"]
    args.append(str(out))
    try:
        job = pikepdf.Job(args)
        job.run()
    except (RuntimeError, pikepdf.PdfError) as exc:
        raise PdfError(_("could not write the PDF ({reason})", reason=str(exc)), path=out,
                       hint=_("Check the page images in the work folder and the free space."),
                       ) from None
    if job.exit_code not in (0, 3):
        raise PdfError(_("could not write the PDF (qpdf exit code {code})",
                         code=job.exit_code), path=out,
                       hint=_("Run again with --verbose and report the output."))
