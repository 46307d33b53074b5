"""Signatures pyHanko's signer does not write: legacy SubFilters, other algorithms, files
damaged before signing. A signature field with a placeholder is laid out with pikepdf, the
byte range is patched in, and the signature value computed over the final bytes with the
demo PKI's keys (pyHanko's CMS builder where a CMS is wanted)."""

from __future__ import annotations

import asyncio
import hashlib
import re

import pikepdf
from asn1crypto import algos, core
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from pyhanko.sign import signers

from support import pdfmaker as pm

_BR = b"/ByteRange [ 0 1111111111 2222222222 3333333333 ]"


def placeholder_pdf(subfilter: str, *, certs: list[bytes] = (), room: int = 12000,
                    field: str = "Leader") -> bytes:
    pdf = pikepdf.open(__import__("io").BytesIO(pm.one_page_pdf()))
    sig = pikepdf.Dictionary(
        Type=pikepdf.Name.Sig, Filter=pikepdf.Name("/Adobe.PPKLite"),
        SubFilter=pikepdf.Name(subfilter),
        ByteRange=pikepdf.Array([0, 1111111111, 2222222222, 3333333333]),
        Contents=pikepdf.String(b"\x00" * room), M=pikepdf.String("D:20260301090000+07'00'"))
    if certs:
        sig.Cert = pikepdf.Array([pikepdf.String(c) for c in certs]) if len(certs) > 1 \
            else pikepdf.String(certs[0])
    widget = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Sig,
        T=pikepdf.String(field), V=pdf.make_indirect(sig), Rect=[0, 0, 0, 0], F=132,
        P=pdf.pages[0].obj))
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([widget]))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[widget], SigFlags=3)
    out = __import__("io").BytesIO()
    pdf.save(out, compress_streams=False,
             object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def damage_xref(data: bytes) -> bytes:
    """Shift every object after the header: the xref offsets all become wrong."""
    nl = data.index(b"\n", data.index(b"%PDF")) + 1
    return data[:nl] + b"% this comment moves every object: the xref is now wrong\n" + \
        data[nl:]


def fill(data: bytes, sign_fn) -> bytes:
    """Patch the byte range around /Contents and write ``sign_fn(signed_bytes)`` into it."""
    br = data.index(_BR)
    contents = data.index(b"/Contents <", br - 20000 if br > 20000 else 0)
    m = re.compile(rb"/Contents <([0-9a-fA-F]*)>").search(data, contents)
    a, b = m.start(1) - 1, m.end(1) + 1
    ranges = f"/ByteRange [ 0 {a} {b} {len(data) - b} ]".encode()
    ranges = ranges.ljust(len(_BR))
    data = data[:br] + ranges + data[br + len(_BR):]
    signed = data[:a] + data[b:]
    value = sign_fn(signed).hex().encode()
    room = b - a - 2
    if len(value) > room:
        raise ValueError("signature larger than its placeholder")
    return data[:a + 1] + value + b"0" * (room - len(value)) + data[b - 1:]


def _key(signer):
    return serialization.load_der_private_key(signer.signing_key.dump(), None)


def signer_of(pki, label: str) -> signers.SimpleSigner:
    return pm._signer(pki.p12(label))


def chain_der(signer) -> list[bytes]:
    return [signer.signing_cert.dump(), *(c.dump() for c in signer.cert_registry
                                          if c != signer.signing_cert)]


def x509_rsa_sha1(pki, label: str = "leader") -> bytes:
    signer = signer_of(pki, label)
    data = placeholder_pdf("/adbe.x509.rsa_sha1", certs=chain_der(signer))
    key = _key(signer)
    return fill(data, lambda b: core.OctetString(
        key.sign(b, padding.PKCS1v15(), hashes.SHA1())).dump())


def pkcs7_sha1(pki, label: str = "leader") -> bytes:
    signer = signer_of(pki, label)
    data = placeholder_pdf("/adbe.pkcs7.sha1")

    def sign(b: bytes) -> bytes:
        digest = hashlib.sha1(b).digest()
        return asyncio.run(signer.async_sign_general_data(
            digest, "sha256", detached=False)).dump()
    return fill(data, sign)


def cms_signature(pki, label: str, *, signer=None, md: str = "sha256",
                  damaged: bool = False) -> bytes:
    """A detached CMS (ETSI.CAdES.detached) over the byte range."""
    signer = signer or signer_of(pki, label)
    data = placeholder_pdf("/ETSI.CAdES.detached")
    if damaged:
        data = damage_xref(data)
    return fill(data, lambda b: asyncio.run(signer.async_sign(
        hashlib.new(md, b).digest(), md, use_pades=True)).dump())


class CustomSigner(signers.SimpleSigner):
    """A SimpleSigner with a fixed signature mechanism and its own raw signing."""

    def __init__(self, base: signers.SimpleSigner, mechanism: algos.SignedDigestAlgorithm,
                 raw):
        super().__init__(signing_cert=base.signing_cert, signing_key=base.signing_key,
                         cert_registry=base.cert_registry, signature_mechanism=mechanism)
        self._raw = raw

    def sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        return self._raw(data)

    async def async_sign_raw(self, data, digest_algorithm, dry_run=False):
        return self._raw(data)


def plain_ecdsa_signer(pki, label: str = "leader-ec") -> CustomSigner:
    """BSI TR-03111 ecdsa-plain-SHA256: the value is r||s, not DER."""
    base = signer_of(pki, label)
    key = _key(base)
    size = (key.curve.key_size + 7) // 8

    def raw(data: bytes) -> bytes:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return CustomSigner(base, algos.SignedDigestAlgorithm(
        {"algorithm": "0.4.0.127.0.7.1.1.4.1.3"}), raw)


def rsa_sha3_signer(pki, label: str = "leader") -> CustomSigner:
    base = signer_of(pki, label)
    key = _key(base)
    return CustomSigner(base, algos.SignedDigestAlgorithm(
        {"algorithm": "2.16.840.1.101.3.4.3.14"}),
        lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA3_256()))


def pss_signer(pki, *, mgf_hash: str = "sha256", salt: int = 32,
               label: str = "leader") -> CustomSigner:
    base = signer_of(pki, label)
    key = _key(base)
    mgf = {"sha1": hashes.SHA1(), "sha256": hashes.SHA256()}[mgf_hash]
    params = algos.RSASSAPSSParams({
        "hash_algorithm": {"algorithm": "sha256"},
        "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": mgf_hash}},
        "salt_length": salt, "trailer_field": "trailer_field_bc"})
    return CustomSigner(base, algos.SignedDigestAlgorithm(
        {"algorithm": "rsassa_pss", "parameters": params}),
        lambda data: key.sign(data, padding.PSS(padding.MGF1(mgf), salt), hashes.SHA256()))


def _self_signed_eddsa(curve: str):
    """(certificate DER, private key) of a self-signed EdDSA signer (its own anchor)."""
    import datetime as dt

    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives.asymmetric import ed448, ed25519
    from cryptography.x509.oid import NameOID

    key = (ed25519.Ed25519PrivateKey if curve == "ed25519" else ed448.Ed448PrivateKey).generate()
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, f"{curve} test signer")])
    now = dt.datetime.now(dt.UTC)
    cert = (cx509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7)
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(cx509.KeyUsage(True, True, False, False, False, True, False,
                                          False, False), critical=True)
            .sign(key, None))
    return cert.public_bytes(serialization.Encoding.DER), key


def ed448_signed() -> tuple[bytes, bytes]:
    """A file signed with Ed448 as pyHanko signs it: digest SHAKE256 with a 512-bit output,
    named id-shake256-len (RFC 8419 3.1)."""
    import io

    from asn1crypto import keys, x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert_der, key = _self_signed_eddsa("ed448")
    signer = signers.SimpleSigner(
        signing_cert=x509.Certificate.load(cert_der),
        signing_key=keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore())
    writer = IncrementalPdfFileWriter(io.BytesIO(pm.one_page_pdf()))
    signed = signers.sign_pdf(writer, signers.PdfSignatureMetadata(
        field_name="Leader", md_algorithm="shake256",
        subfilter=fields.SigSeedSubFilter.PADES), signer=signer).getvalue()
    return cert_der, signed


def ed25519_signed(digest_algorithm: str = "sha512") -> tuple[bytes, bytes]:
    """A self-signed Ed25519 certificate (the test's own anchor) and a file it signs."""
    from asn1crypto import keys, x509

    cert_der, key = _self_signed_eddsa("ed25519")

    class _AnyDigest(signers.SimpleSigner):  # lets a wrong digest through, as an attacker
        def _check_digest_algorithm(self, digest_algorithm):
            return None

    signer = _AnyDigest(
        signing_cert=x509.Certificate.load(cert_der),
        signing_key=keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=__import__("pyhanko_certvalidator.registry",
                                 fromlist=["x"]).SimpleCertificateStore(),
        signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "ed25519"}))
    data = placeholder_pdf("/ETSI.CAdES.detached")
    signed = fill(data, lambda b: asyncio.run(signer.async_sign(
        hashlib.new(digest_algorithm, b).digest(), digest_algorithm,
        use_pades=True)).dump())
    return cert_der, signed


def patch_last(data: bytes, pattern: bytes, repl) -> bytes:
    """Replace the LAST match of ``pattern`` with ``repl(match)`` of the same length."""
    matches = list(re.finditer(pattern, data))
    m = matches[-1]
    new = repl(m)
    assert len(new) == m.end() - m.start(), (new, m.group(0))
    return data[:m.start()] + new + data[m.end():]
