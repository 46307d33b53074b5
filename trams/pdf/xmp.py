"""Archival metadata of the PDF: XMP packet and document information dictionary.

Custom XMP namespaces (declared in the packet with a PDF/A extension schema, as PDF/A
requires for any schema outside XMP's predefined ones):

- Record (hồ sơ) fields of Circular 05/2025/TT-BNV:
  namespace URI ``https://trams.vn/ns/tt05-2025/record/1.0/``, prefix ``tt05rec``.
- Document (văn bản) fields, plus TRAMS's ``sequence`` (the 7-digit number in the record):
  namespace URI ``https://trams.vn/ns/tt05-2025/document/1.0/``, prefix ``tt05doc``.

Property names are the Circular's field names (``fileCode``, ``docCode``...), as in
:mod:`trams.metadata`. Every value is an XMP Text: strings as given (NFC), integers in
decimal, booleans ``True``/``False`` (XMP Boolean spelling), dates ``DD/MM/YYYY`` as the
Circular writes them. Absent fields are omitted. :func:`read_metadata` reads them back into
the same models, exactly.

Dublin Core: ``dc:title`` (document subject, else record title, else docCode),
``dc:creator`` (organName), ``dc:description``, ``dc:date`` (issuedDate, ISO 8601),
``dc:language``, ``dc:identifier`` (docCode). DocInfo mirrors the fields PDF/A ties to XMP
(Title, Author, Subject, Keywords, Creator, Producer, CreationDate, ModDate), with the same
values.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape

from trams import __version__
from trams.clock import now_vn
from trams.metadata import DocumentMetadata, RecordMetadata

NS_RECORD = "https://trams.vn/ns/tt05-2025/record/1.0/"
NS_DOCUMENT = "https://trams.vn/ns/tt05-2025/document/1.0/"
PREFIX_RECORD = "tt05rec"
PREFIX_DOCUMENT = "tt05doc"
PRODUCER = f"TRAMS {__version__} (pikepdf)"

_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
    PREFIX_RECORD: NS_RECORD,
    PREFIX_DOCUMENT: NS_DOCUMENT,
}


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _fields(model: RecordMetadata | DocumentMetadata | None) -> dict[str, str]:
    if model is None:
        return {}
    return {k: _text(v) for k, v in model.model_dump(exclude_none=True).items()}


def pdf_date(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    return moment.strftime("D:%Y%m%d%H%M%S") + f"{sign}{hh:02d}'{mm:02d}'"


def describe(record: RecordMetadata | None, doc: DocumentMetadata | None) -> dict[str, str]:
    """The Dublin Core / DocInfo values derived from the Circular's fields."""
    out: dict[str, str] = {}
    doc_code = doc.doc_code(record) if (doc and record) else (doc.docCode if doc else None)
    title = (doc.subject if doc else None) or (record.title if record else None) or doc_code
    if title:
        out["title"] = title
    if doc and doc.organName:
        out["creator"] = doc.organName
    desc = (doc.description if doc else None) or (record.description if record else None)
    if desc:
        out["description"] = desc
    keywords = (doc.keyword if doc else None) or (record.keyword if record else None)
    if keywords:
        out["keywords"] = keywords
    language = (doc.language if doc else None) or (record.language if record else None)
    if language:
        out["language"] = language
    if doc and doc.issuedDate:
        out["date"] = doc.issuedDate.isoformat()
    if doc_code:
        out["identifier"] = doc_code
    return out


def _ext_schema(uri: str, prefix: str, label: str, names: list[str]) -> str:
    props = "".join(
        "<rdf:li rdf:parseType=\"Resource\">"
        f"<pdfaProperty:name>{n}</pdfaProperty:name>"
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>Circular 05/2025/TT-BNV {label} field {n}"
        "</pdfaProperty:description></rdf:li>"
        for n in names
    )
    return ("<rdf:li rdf:parseType=\"Resource\">"
            f"<pdfaSchema:schema>TRAMS Circular 05/2025 {label} metadata</pdfaSchema:schema>"
            f"<pdfaSchema:namespaceURI>{uri}</pdfaSchema:namespaceURI>"
            f"<pdfaSchema:prefix>{prefix}</pdfaSchema:prefix>"
            f"<pdfaSchema:property><rdf:Seq>{props}</rdf:Seq></pdfaSchema:property>"
            "</rdf:li>")


def build_xmp(record: RecordMetadata | None, doc: DocumentMetadata | None, *, part: int,
              conformance: str, created: datetime) -> bytes:
    """The complete XMP packet (UTF-8) for a PDF/A file of ``part`` and ``conformance``."""
    def e(value: str) -> str:  # \r survives XML parsing only as a character reference
        return escape(value, {"\r": "&#13;"})

    dc = describe(record, doc)
    stamp = created.isoformat(timespec="seconds")
    body = [
        f'<rdf:Description rdf:about="" xmlns:pdfaid="{_NS["pdfaid"]}">'
        f"<pdfaid:part>{part}</pdfaid:part>"
        f"<pdfaid:conformance>{conformance.upper()}</pdfaid:conformance></rdf:Description>",
        f'<rdf:Description rdf:about="" xmlns:xmp="{_NS["xmp"]}">'
        f"<xmp:CreateDate>{stamp}</xmp:CreateDate><xmp:ModifyDate>{stamp}</xmp:ModifyDate>"
        f"<xmp:MetadataDate>{stamp}</xmp:MetadataDate>"
        f"<xmp:CreatorTool>{e(PRODUCER)}</xmp:CreatorTool></rdf:Description>",
        f'<rdf:Description rdf:about="" xmlns:pdf="{_NS["pdf"]}">'
        f"<pdf:Producer>{e(PRODUCER)}</pdf:Producer>"
        + (f"<pdf:Keywords>{e(dc['keywords'])}</pdf:Keywords>" if "keywords" in dc else "")
        + "</rdf:Description>",
    ]
    dcs = []
    if "title" in dc:
        dcs.append(f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(dc["title"])}'
                   "</rdf:li></rdf:Alt></dc:title>")
    if "creator" in dc:
        dcs.append(f"<dc:creator><rdf:Seq><rdf:li>{e(dc['creator'])}</rdf:li></rdf:Seq>"
                   "</dc:creator>")
    if "description" in dc:
        dcs.append('<dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
                   f"{e(dc['description'])}</rdf:li></rdf:Alt></dc:description>")
    if "date" in dc:
        dcs.append(f"<dc:date><rdf:Seq><rdf:li>{dc['date']}</rdf:li></rdf:Seq></dc:date>")
    if "language" in dc:
        dcs.append(f"<dc:language><rdf:Bag><rdf:li>{e(dc['language'])}</rdf:li></rdf:Bag>"
                   "</dc:language>")
    if "identifier" in dc:
        dcs.append(f"<dc:identifier>{e(dc['identifier'])}</dc:identifier>")
    dcs.append("<dc:format>application/pdf</dc:format>")
    body.append(f'<rdf:Description rdf:about="" xmlns:dc="{_NS["dc"]}">'
                + "".join(dcs) + "</rdf:Description>")
    schemas = []
    if record is not None:
        schemas.append(_ext_schema(NS_RECORD, PREFIX_RECORD, "record",
                                   list(RecordMetadata.model_fields)))
    if doc is not None:
        schemas.append(_ext_schema(NS_DOCUMENT, PREFIX_DOCUMENT, "document",
                                   list(DocumentMetadata.model_fields)))
    if schemas:  # PDF/A: every custom property is declared in an extension schema
        body.append(
            f'<rdf:Description rdf:about="" xmlns:pdfaExtension="{_NS["pdfaExtension"]}" '
            f'xmlns:pdfaSchema="{_NS["pdfaSchema"]}" xmlns:pdfaProperty="{_NS["pdfaProperty"]}">'
            "<pdfaExtension:schemas><rdf:Bag>" + "".join(schemas)
            + "</rdf:Bag></pdfaExtension:schemas></rdf:Description>")
    for uri, prefix, model in ((NS_RECORD, PREFIX_RECORD, record),
                               (NS_DOCUMENT, PREFIX_DOCUMENT, doc)):
        values = _fields(model)
        if values:
            body.append(f'<rdf:Description rdf:about="" xmlns:{prefix}="{uri}">'
                        + "".join(f"<{prefix}:{k}>{e(v)}</{prefix}:{k}>"
                                  for k, v in values.items())
                        + "</rdf:Description>")
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        f'<x:xmpmeta xmlns:x="{_NS["x"]}"><rdf:RDF xmlns:rdf="{_NS["rdf"]}">'
        + "\n".join(body)
        + "</rdf:RDF></x:xmpmeta>\n" + (" " * 99 + "\n") * 20
        + '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")


def docinfo(record: RecordMetadata | None, doc: DocumentMetadata | None, *,
            created: datetime) -> dict[str, str]:
    """DocInfo entries (without the leading slash) matching the XMP packet exactly."""
    dc = describe(record, doc)
    info = {"Creator": PRODUCER, "Producer": PRODUCER,
            "CreationDate": pdf_date(created), "ModDate": pdf_date(created)}
    for key, name in (("title", "Title"), ("creator", "Author"),
                      ("description", "Subject"), ("keywords", "Keywords")):
        if key in dc:
            info[name] = dc[key]
    return info


def read_metadata(xmp: bytes) -> tuple[RecordMetadata | None, DocumentMetadata | None]:
    """The record and document metadata stored by :func:`build_xmp`, as models."""
    root = ET.fromstring(xmp)
    found: dict[str, dict[str, str]] = {NS_RECORD: {}, NS_DOCUMENT: {}}
    for element in root.iter():
        if not element.tag.startswith("{"):
            continue
        uri, _, name = element.tag[1:].partition("}")
        if uri in found:
            found[uri][name] = element.text or ""
        # the attribute form (rdf:Description tt05rec:fileCode="..."), as pyHanko rewrites
        # the packet when it signs
        for key, value in element.attrib.items():
            if key.startswith("{"):
                uri, _, name = key[1:].partition("}")
                if uri in found:
                    found[uri][name] = value
    def build(model, values: dict[str, str]):
        if not values:
            return None
        # an absent property was None when written, even where the model's default is not
        absent = {name: None for name, info in model.model_fields.items()
                  if name not in values and not info.is_required() and info.default is not None
                  and name != "sequence"}
        return model.model_validate({**absent, **values})

    return build(RecordMetadata, found[NS_RECORD]), build(DocumentMetadata, found[NS_DOCUMENT])


def now() -> datetime:
    """The current time in Vietnam's offset, to the second (PDF and XMP dates match)."""
    return now_vn()
