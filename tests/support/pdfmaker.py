"""Test helper: make one-page PDFs and sign them with pyHanko directly (the demo PKI).

Independent of trams.signing.sign on purpose: the verifier is tested on files made by
pyHanko itself, so a bug in TRAMS's signing cannot hide a bug in its verification.
"""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from functools import cache
from pathlib import Path

import aiohttp
import pikepdf
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSigner
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator import ValidationContext
from trams.signing.demo_pki import DEMO_PASSPHRASE

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


def one_page_pdf(text: str = "QUYET DINH so 01/QD-UBND") -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode())
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def encrypted(data: bytes) -> bytes:
    """``data`` encrypted with an empty user password (permissions only), as signed PDFs
    from other vendors often are: its strings, the field names among them, are encrypted."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user="", owner="owner", R=6))
    return out.getvalue()


@cache
def _signer(p12: Path) -> signers.SimpleSigner:
    return signers.SimpleSigner.load_pkcs12(str(p12), passphrase=DEMO_PASSPHRASE.encode())


class _TimedPdfSigner(PdfSigner):
    """A PdfSigner whose claimed signing time is fixed (time travel for tests)."""

    def __init__(self, *args, system_time: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._system_time = system_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only)
        if self._system_time is not None:
            session.system_time = self._system_time
        return session


def past_timestamper(pki, at: datetime, label: str = "tsa") -> DummyTimeStamper:
    """The demo TSA's own key and certificate, stamping a fixed past time (in-process)."""
    arch = pki.arch
    return DummyTimeStamper(tsa_cert=arch.get_cert(label),
                            tsa_key=arch.key_set.get_private_key(label), fixed_dt=at)


def past_context(pki, at: datetime) -> ValidationContext:
    """Revocation data as the demo PKI published it at ``at`` (CRLs of root and interm)."""
    registry = pki.arch.service_registry
    crls = [registry.get_crl("interm", at_time=at), registry.get_crl("root", at_time=at)]
    return ValidationContext(trust_roots=[pki.arch.get_cert("root")], moment=at, crls=crls,
                             other_certs=[pki.arch.get_cert("interm")])


def sign(data: bytes, pki, label: str, *, field: str, level: str = "B-T",
         tsa: str = "tsa", at: datetime | None = None, certify: bool = False,
         docmdp=None) -> bytes:
    """Sign ``data`` with the demo signer ``label`` at PAdES ``level``; returns the new bytes."""
    return asyncio.run(_sign(data, pki, label, field=field, level=level, tsa=tsa, at=at,
                             certify=certify, docmdp=docmdp))


async def _sign(data, pki, label, *, field, level, tsa, at, certify, docmdp) -> bytes:
    async with aiohttp.ClientSession() as session:
        return await _sign_with(session, data, pki, label, field=field, level=level, tsa=tsa,
                                at=at, certify=certify, docmdp=docmdp)


async def _sign_with(session, data, pki, label, *, field, level, tsa, at, certify,
                     docmdp) -> bytes:
    signer = _signer(pki.p12(label))
    timestamper = None
    if level != "B-B":
        timestamper = (past_timestamper(pki, at, tsa) if at is not None
                       else HTTPTimeStamper(pki.tsa_url(tsa), session=session))
    ltv = level in ("B-LT", "B-LTA")
    vc = None
    if ltv:
        vc = (past_context(pki, at) if at is not None else
              ValidationContext(trust_roots=[pki.arch.get_cert("root")], allow_fetching=True))
    meta = signers.PdfSignatureMetadata(
        field_name=field, subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=ltv, use_pades_lta=level == "B-LTA",
        validation_context=vc, certify=certify,
        docmdp_permissions=docmdp or fields.MDPPerm.FILL_FORMS,
    )
    pdf_signer = _TimedPdfSigner(meta, signer, timestamper=timestamper, system_time=at)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    if writer.prev.encrypted:
        writer.encrypt("")  # the empty user password opens it
    out = await pdf_signer.async_sign_pdf(writer, output=io.BytesIO())
    return out.getvalue()


def dual(pki, level: str = "B-T", *, leader: str = "leader", agency: str = "agency",
         leader_tsa: str = "tsa") -> bytes:
    """Leader then agency, as Decree 30/2020 wants."""
    data = sign(one_page_pdf(), pki, leader, field="Leader", level=level, tsa=leader_tsa)
    return sign(data, pki, agency, field="Agency", level=level)


# --- changes after signing (incremental updates) -----------------------------------

def add_page(data: bytes) -> bytes:
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.content import RawContent

    contents = RawContent(b"BT /F1 14 Tf 72 700 Td (ADDED PAGE) Tj ET")
    w.insert_page(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(n) for n in (0, 0, 595, 842)]),
        generic.NameObject("/Contents"): w.add_object(
            generic.StreamObject(stream_data=contents.data)),
    }))
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def change_content(data: bytes) -> bytes:
    from pyhanko.pdf_utils import generic

    w = IncrementalPdfFileWriter(io.BytesIO(data))
    page_ref = w.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    new = w.add_object(generic.StreamObject(
        stream_data=b"BT /F1 14 Tf 72 760 Td (QUYET DINH so 99/QD-UBND) Tj ET"))
    page["/Contents"] = new
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def add_annotation(data: bytes) -> bytes:
    from pyhanko.pdf_utils import generic

    w = IncrementalPdfFileWriter(io.BytesIO(data))
    page = w.root["/Pages"]["/Kids"][0].get_object()
    annot = w.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/Text"),
        generic.NameObject("/Rect"): generic.ArrayObject(
            [generic.NumberObject(n) for n in (100, 100, 120, 120)]),
        generic.NameObject("/Contents"): generic.TextStringObject("sửa đổi"),
    }))
    annots = page.get("/Annots")
    if annots is None:
        page["/Annots"] = generic.ArrayObject([annot])
    else:
        annots = annots.get_object()
        annots.append(annot)
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def flip_signed_byte(data: bytes) -> bytes:
    """Change one byte of page content, inside the first signature's signed range."""
    marker = b"QUYET DINH so 01"
    pos = data.find(marker)
    if pos < 0:
        # content stream may be compressed: change a byte in the header comment instead
        pos = data.find(b"%", 1) + 1
    changed = bytearray(data)
    changed[pos + 14] = ord("7") if changed[pos + 14] != ord("7") else ord("8")
    return bytes(changed)
