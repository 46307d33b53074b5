"""Shared test helpers for the demo PKI: config files, a SoftHSM2 token with the demo keys.

Used by the signing, run and setup tests (pytest puts tests/ on sys.path); fixtures that
use these live in each folder's conftest.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "samples" / "images"
SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")
TOKEN_PIN = "246810"  # test token only
AGENCY_TOKEN = "Token Văn thư UBND xã Trà My"
LEADER_TOKEN = "Token Chủ tịch"
AGENCY_KEY_LABEL = "Khóa cơ quan – UBND xã Trà My"
LEADER_KEY_LABEL = "Chữ ký Nguyễn Văn Hùng"


def write_config(folder: Path, pki, *, leader: str = "leader", agency: str = "agency",
                 extra: str = "", tsa: str | None = None,
                 leader_src: str | None = None, agency_src: str | None = None) -> Path:
    """A trams.toml for the demo PKI (secrets by environment variable name only)."""
    tsa = tsa or pki.tsa_url()
    leader_src = leader_src or (f'kind = "pkcs12"\npath = "{pki.p12(leader)}"\n'
                                'secret_env = "TRAMS_TEST_P12"\n')
    agency_src = agency_src or (f'kind = "pkcs12"\npath = "{pki.p12(agency)}"\n'
                                'secret_env = "TRAMS_TEST_P12"\n')
    text = f"""
[agency]
name = "UBND xã Trà My"

[trust]
roots = ["{pki.root_pem}"]

[tsa]
urls = ["{tsa}"]
timeout_seconds = 5

[signing]
level = "B-LT"
{extra}

[signing.leader]
{leader_src}image = "{IMAGES / 'leader-signature.png'}"
title = "CHỦ TỊCH"

[signing.agency]
{agency_src}image = "{IMAGES / 'agency-seal.png'}"
image_width_mm = 36
"""
    path = folder / "trams.toml"
    path.write_text(text, encoding="utf-8")
    return path


def make_softhsm(pki, folder: Path) -> Path:
    """A SoftHSM2 token directory in ``folder`` with two tokens (Vietnamese labels): the
    agency's key and the leader's key, each with its certificate; sets SOFTHSM2_CONF."""
    if not SOFTHSM.exists() or shutil.which("softhsm2-util") is None:
        raise RuntimeError("SoftHSM2 is not installed (apt-get install softhsm2)")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    for label in (AGENCY_TOKEN, LEADER_TOKEN):
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label,
                        "--so-pin", "13579111", "--pin", TOKEN_PIN], check=True,
                       capture_output=True)
    _import(pki, AGENCY_TOKEN, "agency", AGENCY_KEY_LABEL, b"\x0a\x01")
    _import(pki, LEADER_TOKEN, "leader", LEADER_KEY_LABEL, b"\x0b\x02")
    return SOFTHSM


def _import(pki, token_label: str, who: str, key_label: str, key_id: bytes) -> None:
    import pkcs11
    from asn1crypto import keys as asn1_keys
    from cryptography.hazmat.primitives import serialization
    from pkcs11 import Attribute, ObjectClass
    from pkcs11.util.rsa import decode_rsa_private_key

    lib = pkcs11.lib(str(SOFTHSM))
    token = lib.get_token(token_label=token_label)
    key = serialization.load_pem_private_key(pki.key_pem(who).read_bytes(), None)
    pkcs1 = key.private_bytes(serialization.Encoding.DER,
                              serialization.PrivateFormat.TraditionalOpenSSL,
                              serialization.NoEncryption())
    cert = pki.cert(who)
    with token.open(rw=True, user_pin=TOKEN_PIN) as session:
        attrs = decode_rsa_private_key(pkcs1)
        attrs.update({Attribute.TOKEN: True, Attribute.LABEL: key_label, Attribute.ID: key_id,
                      Attribute.SIGN: True, Attribute.PRIVATE: True,
                      Attribute.SENSITIVE: True})
        session.create_object(attrs)
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE:
            pkcs11.CertificateType.X_509, Attribute.TOKEN: True, Attribute.LABEL: key_label,
            Attribute.ID: key_id, Attribute.VALUE: cert.dump(),
            Attribute.SUBJECT: cert.subject.dump(), Attribute.ISSUER: cert.issuer.dump(),
            Attribute.SERIAL_NUMBER: cert["tbs_certificate"]["serial_number"].dump(),
        })
        interm = pki.cert("interm")  # tokens usually carry their CA certificate too
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE:
            pkcs11.CertificateType.X_509, Attribute.TOKEN: True,
            Attribute.LABEL: "TRAMS Demo Signing CA", Attribute.ID: b"\xca",
            Attribute.VALUE: interm.dump(), Attribute.SUBJECT: interm.subject.dump(),
        })
    del asn1_keys


def token_source(token: str, key_label: str | None = None, **extra: str) -> str:
    """The [signing.<role>] body of a PKCS#11 key source for write_config."""
    lines = ['kind = "pkcs11"', f'module = "{SOFTHSM}"', f'token_label = "{token}"',
             'secret_env = "TRAMS_TEST_PIN"']
    if key_label:
        lines.append(f'key_label = "{key_label}"')
    lines += [f'{k} = "{v}"' for k, v in extra.items()]
    return "\n".join(lines) + "\n"
