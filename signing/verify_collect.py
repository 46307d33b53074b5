"""Find every signature and document timestamp in a PDF, including the ones pyHanko skips.

pyHanko's ``reader.embedded_signatures`` drops signatures with a legacy SubFilter, gives up
on the whole file when one ``/Contents`` cannot be parsed, and refuses a CMS with two
SignerInfos. Here each signature field is read on its own, as an
:class:`~pyhanko.sign.validation.EmbeddedPdfSignature` (pyHanko still validates it):

* ``adbe.pkcs7.sha1`` (ISO 32000-1 12.8.3.3.1): the CMS signs the SHA-1 digest of the byte
  range as its encapsulated content; the digest handed to pyHanko is taken over that;
* ``adbe.x509.rsa_sha1``: ``/Contents`` is a bare PKCS#1 signature and ``/Cert`` the
  certificates; it is wrapped, in memory, into the equivalent CMS SignedData without
  signed attributes (a SignerInfo without signed attributes signs the content digest,
  exactly what this SubFilter signs), so pyHanko verifies the value and the chain;
* ``ETSI.RFC3161`` in a dictionary typed ``/Sig`` or untyped: a document timestamp;
* a CMS with several SignerInfos: the first is verified, with a warning (PAdES wants one);
* algorithms pyHanko cannot name (RSA with SHA-3, plain ECDSA): see :mod:`algorithms`;
* anything that cannot be read becomes a :class:`BrokenSignature` (reported TOTAL_FAILED /
  FORMAT_FAILURE), and every other signature is still verified.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from asn1crypto import algos, cms, core, x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyhanko.pdf_utils import generic
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature, extract_contents
from trams.signing.algorithms import dated_warnings, prepare
from trams.signing.notecodes import coded

from trams.i18n import N_

W_LEGACY = coded("legacy_subfilter", N_(
    "legacy SubFilter {subfilter} (ISO 32000-1), not a PAdES signature"))
W_SIGNER_INFOS = coded("several_signer_infos", N_(
    "the CMS holds {count} SignerInfos; the first one was verified"))
W_TS_TYPED_SIG = coded("timestamp_typed_signature", N_(
    "document timestamp in a signature dictionary typed {type}"))
P_NOT_DER = coded("signed_attributes_not_der", N_(
    "the signed attributes are not DER-encoded (RFC 5652 5.4)"))

_PKCS7_SHA1 = "/adbe.pkcs7.sha1"
_X509_RSA_SHA1 = "/adbe.x509.rsa_sha1"
_RFC3161 = "/ETSI.RFC3161"
_KNOWN = ("/adbe.pkcs7.detached", "/ETSI.CAdES.detached", "/ETSI.RFC3161", _PKCS7_SHA1,
          _X509_RSA_SHA1, "/PBAD.PAdES")


@dataclass(frozen=True)
class BrokenSignature:
    """A signature field whose signature could not be read at all."""

    field_name: str
    revision: int | None  # 0-based revision of the signature dictionary, if known
    reason: str
    is_timestamp: bool


class TramsSignature(EmbeddedPdfSignature):
    """An embedded signature read leniently; ``notes`` are (msgid, params) warnings,
    ``problems`` (msgid, params) reasons for TOTAL_FAILED found before pyHanko runs."""

    def __init__(self, reader, sig_field, fq_name: str):
        if isinstance(sig_field, generic.IndirectObject):
            sig_field = sig_field.get_object()
        sig_object = sig_field.raw_get("/V").get_object()
        self.original_subfilter = sig_object.get("/SubFilter")
        self.notes: list[tuple[str, dict]] = []
        self.problems: list[tuple[str, dict]] = []
        self.algorithm_name: str | None = None
        self._init(reader, sig_field, fq_name)

    # pyHanko's constructor, with the SignerInfo chosen leniently and prepared
    def _init(self, reader, sig_field, fq_name):
        self.reader = reader
        self.sig_field = sig_field
        sig_object_ref = sig_field.raw_get("/V")
        self.sig_object = sig_object_ref.get_object()
        try:
            self.byte_range = self.sig_object.raw_get("/ByteRange")
        except KeyError:
            raise ValueError("no /ByteRange in the signature dictionary") from None
        self.pkcs7_content = extract_contents(self.sig_object)
        self.signed_data = self._signed_data()
        infos = self.signed_data["signer_infos"]
        if len(infos) == 0:
            raise ValueError("the CMS has no SignerInfo")
        if len(infos) > 1:
            self.notes.append((W_SIGNER_INFOS, {"count": len(infos)}))
            self.signed_data = _with_signer_infos(self.signed_data, [infos[0]])
        signer_info = self.signed_data["signer_infos"][0]
        prepared = prepare(signer_info)
        if prepared.signer_info is not signer_info:
            self.signed_data = _with_signer_infos(self.signed_data, [prepared.signer_info])
        self.signer_info = self.signed_data["signer_infos"][0]
        self.notes += prepared.warnings
        self.problems += prepared.problems
        self.algorithm_name = prepared.name
        if not _signed_attrs_der(self.signer_info):
            self.problems.append((P_NOT_DER, {}))
        self._sd_cert_info = None
        self.md_algorithm = self.signer_info["digest_algorithm"]["algorithm"].native.lower()
        eci = self.signed_data["encap_content_info"]
        if eci["content_type"].native == "tst_info":
            mi = eci["content"].parsed["message_imprint"]
            self.external_md_algorithm = mi["hash_algorithm"]["algorithm"].native
        else:
            self.external_md_algorithm = self.md_algorithm
        self.signed_revision = reader.xrefs.get_last_change(sig_object_ref.reference)
        self.coverage = None
        self.external_digests = {}
        self._docmdp = self._fieldmdp = None
        self._docmdp_queried = self._fieldmdp_queried = False
        self.tst_signature_digest = None
        self.diff_result = None
        self._integrity_checked = False
        self.fq_name = fq_name
        self.signer_cert  # noqa: B018 - fail here, per signature, if the signer is absent

    def _signed_data(self) -> cms.SignedData:
        message = cms.ContentInfo.load(self.pkcs7_content)
        if message["content_type"].native != "signed_data":
            raise ValueError(f"CMS content type {message['content_type'].native}")
        signed_data = message["content"]
        for info in signed_data["signer_infos"]:
            info["sid"].native  # noqa: B018 - a broken SignerInfo fails here, alone
        return signed_data

    @property
    def sig_object_type(self):
        if self.original_subfilter == _RFC3161:
            return generic.NameObject("/DocTimeStamp")
        return self.sig_object.get("/Type", generic.NameObject("/Sig"))

    @property
    def is_timestamp(self) -> bool:
        return self.sig_object_type == "/DocTimeStamp"


class Pkcs7Sha1Signature(TramsSignature):
    """``adbe.pkcs7.sha1``: the signed content is SHA-1(byte range)."""

    def _init(self, reader, sig_field, fq_name):
        super()._init(reader, sig_field, fq_name)
        self.sig_object = _with_subfilter(self.sig_object, "/adbe.pkcs7.detached")
        self.notes.append((W_LEGACY, {"subfilter": "adbe.pkcs7.sha1"}))
        self.notes += dated_warnings("sha1", None, None)  # the byte range's digest

    def _signed_data(self) -> cms.SignedData:
        # pyHanko wants PDF signatures detached: the encapsulated SHA-1 digest is taken
        # out here and put back by compute_digest(), computed from the file itself, so
        # a digest that does not match the byte range fails the messageDigest check
        signed_data = super()._signed_data().copy()
        signed_data["encap_content_info"] = {"content_type": "data"}
        return signed_data

    def compute_digest(self, hash_algo=None):
        algo = hash_algo or self.external_md_algorithm
        if algo not in self.external_digests:
            sha1 = hashlib.sha1(usedforsecurity=False)
            for chunk in _ranges(self.reader.stream, self.byte_range):
                sha1.update(chunk)
            self.external_digests[algo] = hashlib.new(algo, sha1.digest()).digest()
        return self.external_digests[algo]


class X509RsaSha1Signature(TramsSignature):
    """``adbe.x509.rsa_sha1``: a PKCS#1 v1.5 signature of the byte range's digest."""

    def _init(self, reader, sig_field, fq_name):
        super()._init(reader, sig_field, fq_name)
        self.sig_object = _with_subfilter(self.sig_object, "/adbe.pkcs7.detached")
        self.notes.append((W_LEGACY, {"subfilter": "adbe.x509.rsa_sha1"}))

    def _signed_data(self) -> cms.SignedData:
        raw = self.pkcs7_content
        try:
            value = core.OctetString.load(raw).native
        except ValueError:
            value = raw.rstrip(b"\x00")
        certs_value = self.sig_object.get("/Cert")
        if isinstance(certs_value, generic.ArrayObject):
            ders = [bytes(c.original_bytes) for c in certs_value]
        elif certs_value is not None:
            ders = [bytes(certs_value.original_bytes)]
        else:
            raise ValueError("no /Cert in an adbe.x509.rsa_sha1 signature")
        certs = [x509.Certificate.load(d) for d in ders]
        signer = certs[0]
        md = _rsa_digest_algorithm(signer, value) or "sha1"
        info = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
                "issuer": signer.issuer, "serial_number": signer.serial_number}}),
            "digest_algorithm": {"algorithm": md},
            "signature_algorithm": {"algorithm": "rsassa_pkcs1v15"},
            "signature": value,
        })
        return cms.SignedData({
            "version": "v1", "digest_algorithms": [{"algorithm": md}],
            "encap_content_info": {"content_type": "data"},
            "certificates": certs, "signer_infos": [info],
        })


def _rsa_digest_algorithm(cert: x509.Certificate, value: bytes) -> str | None:
    """The hash named in the DigestInfo the RSA signature recovers to (None if it does not)."""
    try:
        key = serialization.load_der_public_key(cert.public_key.dump())
        if not isinstance(key, rsa.RSAPublicKey):
            return None
        recovered = key.recover_data_from_signature(value, padding.PKCS1v15(), None)
        return algos.DigestInfo.load(recovered)["digest_algorithm"]["algorithm"].native
    except Exception:  # noqa: BLE001 - an unrecoverable value fails verification later
        return None


def _ranges(stream, byte_range):
    values = [int(v) for v in byte_range]
    for start, length in zip(values[::2], values[1::2], strict=False):
        if start < 0 or length < 0:
            raise ValueError(f"negative /ByteRange entry {start} {length}")
        stream.seek(start)
        yield stream.read(length)


def _with_subfilter(sig_object, subfilter: str) -> generic.DictionaryObject:
    """A copy of the signature dictionary that pyHanko's SubFilter check accepts (the
    file is not changed; the copy only lives in this process)."""
    copy = generic.DictionaryObject({k: sig_object.raw_get(k) for k in sig_object})
    copy[generic.NameObject("/SubFilter")] = generic.NameObject(subfilter)
    copy.container_ref = getattr(sig_object, "container_ref", None)
    return copy


def _with_signer_infos(signed_data: cms.SignedData, infos) -> cms.SignedData:
    copy = signed_data.copy()
    copy["signer_infos"] = cms.SignerInfos(list(infos))
    return copy


def _signed_attrs_der(signer_info: cms.SignerInfo) -> bool:
    """True when the signed attributes are a DER SET OF (elements in sorted order), read
    from the raw bytes (their values may be of types asn1crypto cannot parse)."""
    attrs = signer_info["signed_attrs"]
    if isinstance(attrs, core.Void) or not attrs.contents:
        return True
    try:
        elements = _tlv_split(attrs.contents)
    except ValueError:
        return False
    return b"".join(sorted(elements)) == attrs.contents


def _tlv_split(data: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(data):
        start = pos
        pos += 1  # tag (attributes use single-byte tags)
        if pos >= len(data):
            raise ValueError("truncated")
        length = data[pos]
        pos += 1
        if length & 0x80:
            count = length & 0x7F
            if count == 0 or pos + count > len(data):
                raise ValueError("indefinite or truncated length")
            length = int.from_bytes(data[pos:pos + count], "big")
            pos += count
        pos += length
        if pos > len(data):
            raise ValueError("truncated")
        out.append(data[start:pos])
    return out


_CLASSES = {_PKCS7_SHA1: Pkcs7Sha1Signature, _X509_RSA_SHA1: X509RsaSha1Signature}


def collect(reader) -> tuple[list[TramsSignature], list[BrokenSignature]]:
    """Every filled signature field of ``reader``, in signing order, and the broken ones."""
    found: list[TramsSignature] = []
    broken: list[BrokenSignature] = []
    seen: set = set()
    for fq_name, value, field_ref in _sig_fields(reader):
        ref = value.reference if isinstance(value, generic.IndirectObject) else None
        if ref is not None and ref in seen:
            continue  # one signature dictionary referenced from two fields: one signature
        seen.add(ref)
        revision = is_ts = None
        try:
            sig_object = value.get_object()
            subfilter = sig_object.get("/SubFilter")
            is_ts = sig_object.get("/Type") == "/DocTimeStamp" or subfilter == _RFC3161
            revision = reader.xrefs.get_last_change(ref) if ref is not None else None
            if subfilter not in _KNOWN:
                raise ValueError(f"unknown SubFilter {subfilter}")
            sig = _CLASSES.get(subfilter, TramsSignature)(reader, field_ref, fq_name)
            if subfilter == _RFC3161 and sig_object.get("/Type") != "/DocTimeStamp":
                sig.notes.append((W_TS_TYPED_SIG, {"type": sig_object.get("/Type", "-")}))
            found.append(sig)
        except Exception as exc:  # noqa: BLE001 - one unreadable signature is one finding
            broken.append(BrokenSignature(fq_name, revision, _reason(exc), bool(is_ts)))
    found.sort(key=lambda s: s.signed_revision)
    return found, broken


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:160] if text else type(exc).__name__


def _sig_fields(reader):
    """(fully qualified name, /V value, field reference) of filled signature fields; the
    form tree walked leniently (odd names, loops and bad entries skipped, not fatal)."""
    try:
        fields = reader.root["/AcroForm"]["/Fields"]
    except (KeyError, TypeError, AttributeError):
        return
    seen: set = set()

    def walk(items, prefix, inherited_ft, depth):
        if depth > 32 or not isinstance(items, generic.ArrayObject):
            return
        for item in items:
            if not isinstance(item, generic.IndirectObject) or item.reference in seen:
                continue
            seen.add(item.reference)
            try:
                field = item.get_object()
            except Exception:  # noqa: BLE001 - a missing field object is skipped
                continue
            if not isinstance(field, generic.DictionaryObject):
                continue
            # field["/T"], not .get(): only indexing decrypts a string of an encrypted file
            try:
                name = field["/T"] if "/T" in field else None
            except Exception:  # noqa: BLE001 - a name that cannot be decoded: as stored
                name = field.raw_get("/T")
            fq = prefix if name is None else (f"{prefix}.{name}" if prefix else str(name))
            ft = field.get("/FT", inherited_ft)
            value = field.raw_get("/V") if "/V" in field else None
            if ft == "/Sig" and value is not None and name is not None and \
                    not isinstance(value, generic.NullObject):
                yield fq, value, item
            kids = field.get("/Kids")
            if kids is not None:
                yield from walk(kids, fq, ft, depth + 1)

    yield from walk(fields, "", None, 0)
