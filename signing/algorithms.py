"""Signature algorithms of a CMS SignerInfo: recognised, checked, and dated.

pyHanko (through asn1crypto and pyca/cryptography) verifies the signature value; this
module prepares what it cannot read as is, and judges what it lets through:

* RSA PKCS#1 v1.5 with SHA-3 (NIST OIDs 2.16.840.1.101.3.4.3.13-16) and plain ECDSA
  (BSI TR-03111 ``ecdsa-plain-*``, 0.4.0.127.0.7.1.1.4.1.x) are registered with asn1crypto
  (:func:`install`: the OIDs it lacks, named, and mapped to their mechanism and hash), and
  a plain ECDSA value r||s is turned into the DER ``Ecdsa-Sig-Value`` pyca expects, so
  pyHanko verifies them instead of refusing them;
* the hash named by the signature algorithm must be the SignerInfo's digest algorithm
  (RFC 5652 5.4; RFC 8419 for Ed25519 = SHA-512 and Ed448 = SHAKE256): a mismatch is a
  problem (TOTAL_FAILED / SIG_CRYPTO_FAILURE);
* RSASSA-PSS: the MGF1 hash must equal the PSS hash, which must equal the digest algorithm
  (RFC 4055 3.1, ETSI TS 119 312), trailer field 1; a salt shorter than the hash is a
  warning (ETSI TS 119 312 recommends the hash length);
* dates of ETSI TS 119 312 / TS 102 176-1 (the table DSS uses by default): SHA-1 not for
  signatures after 2009, MD5/MD2 after 2005, RIPEMD-160 after 2011, RSA under 1900 bits
  after 2016, ECDSA under 256 bits after 2016: a warning naming the algorithm and the date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import algos, cms, core
from trams.signing.notecodes import coded

from trams.i18n import N_

_SHA3_RSA = {
    "2.16.840.1.101.3.4.3.13": "sha3_224",
    "2.16.840.1.101.3.4.3.14": "sha3_256",
    "2.16.840.1.101.3.4.3.15": "sha3_384",
    "2.16.840.1.101.3.4.3.16": "sha3_512",
}
_PLAIN_ECDSA = {  # BSI TR-03111 5.2.1.1
    "0.4.0.127.0.7.1.1.4.1.1": "sha1",
    "0.4.0.127.0.7.1.1.4.1.2": "sha224",
    "0.4.0.127.0.7.1.1.4.1.3": "sha256",
    "0.4.0.127.0.7.1.1.4.1.4": "sha384",
    "0.4.0.127.0.7.1.1.4.1.5": "sha512",
    "0.4.0.127.0.7.1.1.4.1.8": "sha3_224",
    "0.4.0.127.0.7.1.1.4.1.9": "sha3_256",
    "0.4.0.127.0.7.1.1.4.1.10": "sha3_384",
    "0.4.0.127.0.7.1.1.4.1.11": "sha3_512",
}
_HASH_OF = {"ed25519": "sha512", "ed448": "shake256"}
_HASH_LEN = {"sha1": 20, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64,
             "sha3_224": 28, "sha3_256": 32, "sha3_384": 48, "sha3_512": 64}

# ETSI TS 119 312 (and TS 102 176-1 for the historical ones): last year of use for
# creating signatures, as the EU DSS default policy dates them.
DIGEST_UNTIL = {"md2": 2005, "md5": 2005, "sha1": 2009, "ripemd160": 2011}
RSA_MIN = ((1024, 2009), (1536, 2016), (1900, 2023))  # (bits below, until year)
EC_MIN = ((224, 2016),)

P_ALGO_MISMATCH = coded("algorithm_mismatch", N_(
    "the signature algorithm hashes with {sig_hash}, the digest algorithm is {digest} (RFC "
    "5652)"))
P_PSS_PARAMS = coded("pss_parameters_invalid", N_("RSASSA-PSS parameters not allowed: {reason}"))
W_PSS_SALT = coded("pss_salt_short", N_(
    "RSASSA-PSS salt of {salt} bytes is shorter than the hash ({hash} bytes)"))
W_WEAK = coded("algorithm_weak", N_(
    "algorithm {algorithm} is not accepted for signatures made after {year} (ETSI TS 119 312)"))
W_PLAIN_ECDSA = coded("plain_ecdsa", N_("plain ECDSA signature (BSI TR-03111)"))


@dataclass(frozen=True)
class Prepared:
    """A SignerInfo ready for pyHanko, and what was found on the way (Note msgids and
    params as tuples, so this module does not depend on the report model)."""

    signer_info: cms.SignerInfo
    problems: tuple[tuple[str, dict], ...] = ()
    warnings: tuple[tuple[str, dict], ...] = ()
    name: str | None = None  # human-readable algorithm, e.g. "ecdsa-plain-sha256"


def _plain_to_der(value: bytes) -> bytes:
    half = len(value) // 2
    r = int.from_bytes(value[:half], "big")
    s = int.from_bytes(value[half:], "big")
    return algos.DSASignature({"r": r, "s": s}).dump()


_EXTRA_SIG = {**{f"{h}_rsa": "rsassa_pkcs1v15" for h in _SHA3_RSA.values()},
              **{f"{h}_ecdsa_plain": "ecdsa" for h in _PLAIN_ECDSA.values()}}
_EXTRA_HASH = {**{f"{h}_rsa": h for h in _SHA3_RSA.values()},
               **{f"{h}_ecdsa_plain": h for h in _PLAIN_ECDSA.values()},
               **{f"{h}_ecdsa": h for h in ("sha3_224", "sha3_256", "sha3_384", "sha3_512")}}
_installed = False


def install() -> None:
    """Teach asn1crypto the OIDs above (additive: only names it did not know)."""
    global _installed
    if _installed:
        return
    ids = algos.SignedDigestAlgorithmId
    for oid, h in _SHA3_RSA.items():
        ids._map.setdefault(oid, f"{h}_rsa")
        ids._reverse_map.setdefault(f"{h}_rsa", oid)
    for oid, h in _PLAIN_ECDSA.items():
        ids._map.setdefault(oid, f"{h}_ecdsa_plain")
        ids._reverse_map.setdefault(f"{h}_ecdsa_plain", oid)
    cls = algos.SignedDigestAlgorithm
    sig_prop, hash_prop = cls.signature_algo, cls.hash_algo

    def signature_algo(self):
        name = self["algorithm"].native
        return _EXTRA_SIG[name] if name in _EXTRA_SIG else sig_prop.fget(self)

    def hash_algo(self):
        name = self["algorithm"].native
        return _EXTRA_HASH[name] if name in _EXTRA_HASH else hash_prop.fget(self)

    cls.signature_algo = property(signature_algo, doc=sig_prop.__doc__)
    cls.hash_algo = property(hash_algo, doc=hash_prop.__doc__)
    _installed = True


def prepare(signer_info: cms.SignerInfo) -> Prepared:
    """Plain ECDSA values made DER; hash agreement and PSS parameters checked."""
    install()
    digest = signer_info["digest_algorithm"]["algorithm"].native
    sig_alg = signer_info["signature_algorithm"]
    oid = sig_alg["algorithm"].dotted
    problems: list[tuple[str, dict]] = []
    warnings: list[tuple[str, dict]] = []
    name = None
    if oid in _SHA3_RSA:
        name = f"rsa-{_SHA3_RSA[oid]}"
    elif oid in _PLAIN_ECDSA:
        name = f"ecdsa-plain-{_PLAIN_ECDSA[oid]}"
        value = signer_info["signature"].native
        if value and len(value) % 2 == 0 and value[0] != 0x30:
            signer_info = signer_info.copy()
            signer_info["signature"] = core.OctetString(_plain_to_der(value))
        warnings.append((W_PLAIN_ECDSA, {}))
    sig_hash = _declared_hash(sig_alg)
    if sig_alg["algorithm"].native == "rsassa_pss":
        _check_pss(sig_alg["parameters"], digest, problems, warnings)
    elif sig_hash is not None and sig_hash != _hash_of_digest(signer_info["digest_algorithm"]):
        problems.append((P_ALGO_MISMATCH, {"sig_hash": sig_hash, "digest": digest}))
    return Prepared(signer_info, tuple(problems), tuple(warnings), name)


def _hash_of_digest(digest_alg: algos.DigestAlgorithm) -> str:
    """The hash a digest algorithm computes: SHAKE256 with a 512-bit output is "shake256"
    whether named id-shake256 (RFC 8702) or id-shake256-len with 512 (RFC 8419 3.1, the
    digest of Ed448 signatures, as pyHanko writes it)."""
    name = digest_alg["algorithm"].native
    if name == "shake256_len":
        bits = digest_alg["parameters"].native
        return "shake256" if bits == 512 else f"shake256_len({bits})"
    return name


def _declared_hash(sig_alg: algos.SignedDigestAlgorithm) -> str | None:
    name = sig_alg["algorithm"].native
    if name in _HASH_OF:
        return _HASH_OF[name]
    if name in _EXTRA_HASH:
        return _EXTRA_HASH[name]
    if name in ("rsassa_pkcs1v15", "ecdsa", "dsa", "rsassa_pss"):
        return None  # the hash is the digest algorithm's (or PSS's parameters)
    if isinstance(name, str) and "_" in name:
        head = name.rsplit("_", 1)[0]
        return head if head in _HASH_LEN or head in ("md5", "md2") else None
    return None


def _check_pss(params, digest: str, problems: list, warnings: list) -> None:
    try:
        pss_hash = params["hash_algorithm"]["algorithm"].native
        mgf = params["mask_gen_algorithm"]
        mgf_hash = mgf["parameters"]["algorithm"].native
        salt = params["salt_length"].native
        trailer = params["trailer_field"].native
    except (KeyError, TypeError, ValueError) as exc:
        problems.append((P_PSS_PARAMS, {"reason": f"unreadable ({type(exc).__name__})"}))
        return
    if mgf["algorithm"].native != "mgf1":
        problems.append((P_PSS_PARAMS, {"reason": f"mask generation {mgf['algorithm'].native}"}))
    elif mgf_hash != pss_hash:
        problems.append((P_PSS_PARAMS, {"reason": f"MGF1 hash {mgf_hash} differs from the "
                                                  f"PSS hash {pss_hash}"}))
    if pss_hash != digest:
        problems.append((P_ALGO_MISMATCH, {"sig_hash": pss_hash, "digest": digest}))
    if trailer not in (1, "trailer_field_bc"):
        problems.append((P_PSS_PARAMS, {"reason": f"trailer field {trailer}"}))
    if not isinstance(salt, int) or salt < 0:
        problems.append((P_PSS_PARAMS, {"reason": f"salt length {salt}"}))
    elif salt < _HASH_LEN.get(pss_hash, 0):
        warnings.append((W_PSS_SALT, {"salt": salt, "hash": _HASH_LEN[pss_hash]}))


def dated_warnings(digest: str | None, key: str | None,
                   when: datetime | None) -> list[tuple[str, dict]]:
    """ETSI TS 119 312 warnings for a signature made at ``when`` (now when unknown)."""
    year = (when or datetime.now(UTC)).year
    found = []
    if digest in DIGEST_UNTIL and year > DIGEST_UNTIL[digest]:
        found.append((W_WEAK, {"algorithm": digest.upper(), "year": DIGEST_UNTIL[digest]}))
    if key and key.startswith("RSA-"):
        bits = int(key.split("-", 1)[1])
        for below, until in RSA_MIN:
            if bits < below and year > until:
                found.append((W_WEAK, {"algorithm": key, "year": until}))
                break
    return found
