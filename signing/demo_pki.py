"""The bundled demo/test PKI (certomancer), served on 127.0.0.1 only. DEMO ONLY.

``samples/pki/certomancer.yml`` defines root -> intermediate -> leader, agency, desk
officer, revoked, expired and no-signing-usage signers, a TSA, an OCSP responder and CRLs,
plus an untrusted "rogue" hierarchy. Its private keys are public: never trust its root
outside tests and ``trams demo``.

:func:`serve_demo_pki` binds a free port on 127.0.0.1, renders the certificates with that
address in their OCSP/CRL URLs, serves TSA, OCSP and CRLs from a thread, and writes the
signers' material (PKCS#12, PEM) to a folder so it can be used like any real key source.
The root certificate carries no URL, so it is the same whatever port was used: documents
signed in an earlier run still chain to it.
"""

from __future__ import annotations

import base64
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from trams import samples
from trams.errors import ConfigError
from trams.i18n import _

ARCH = "trams-demo"
SIGNERS = ("leader", "leader-ec", "agency", "officer", "revoked", "expired", "nosign",
           "rogue-signer")
# Demo-only passphrase of the generated PKCS#12 files; callers pass it through an
# environment variable or a file, like a real one, never on a command line.
DEMO_PASSPHRASE = "demo-only-passphrase"


@dataclass
class DemoPki:
    url: str  # http://127.0.0.1:PORT
    folder: Path  # where the material was written
    arch: object = field(repr=False)  # certomancer PKIArchitecture
    _server: object = field(repr=False, default=None)

    def tsa_url(self, label: str = "tsa") -> str:
        return f"{self.url}/{ARCH}/tsa/{label}"

    def p12(self, label: str) -> Path:
        return self.folder / f"{label}.p12"

    def cert_pem(self, label: str) -> Path:
        return self.folder / f"{label}.cert.pem"

    def key_pem(self, label: str) -> Path:
        return self.folder / f"{label}.key.pem"

    @property
    def root_pem(self) -> Path:
        return self.folder / "root.cert.pem"

    @property
    def rogue_root_pem(self) -> Path:
        return self.folder / "rogue-root.cert.pem"

    @property
    def interm_pem(self) -> Path:
        return self.folder / "interm.cert.pem"

    def cert(self, label: str):
        """The asn1crypto certificate ``label`` as served now."""
        return self.arch.get_cert(label)


def _write_material(arch, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for label in ("root", "interm", "tsa", "ocsp", "rogue-root", "rogue-tsa", *SIGNERS):
        pem = arch.get_cert(label).dump()
        (folder / f"{label}.cert.pem").write_bytes(_pem("CERTIFICATE", pem))
    for label in SIGNERS:
        spec = arch.get_cert_spec(label)
        key_der = arch.key_set.get_private_key(spec.subject_key).dump()
        key = serialization.load_der_private_key(key_der, password=None)
        (folder / f"{label}.key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        (folder / f"{label}.p12").write_bytes(
            arch.package_pkcs12(label, password=DEMO_PASSPHRASE.encode()))


def _pem(kind: str, der: bytes) -> bytes:
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n".encode()


@contextmanager
def serve_demo_pki(folder: Path, *, pki_dir: Path | None = None, port: int = 0
                   ) -> Iterator[DemoPki]:
    """Serve the demo PKI on 127.0.0.1 and write its material to ``folder``.

    ``port``: 0 for a free one. ``pki_dir``: the certomancer configuration and keys
    (default: the bundled samples). A port in use is a ConfigError naming it."""
    pki_dir = pki_dir or samples.folder() / "pki"
    # certomancer and werkzeug are imported only when the demo PKI is served: the other
    # commands do not pay for them at start-up.
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertomancerConfig
    from werkzeug.serving import WSGIRequestHandler, make_server

    class _QuietHandler(WSGIRequestHandler):
        def log(self, *args, **kwargs) -> None:  # no request lines on the user's stderr
            return None

    try:
        server = make_server("127.0.0.1", port, app=lambda env, start: [], threaded=True,
                             request_handler=_QuietHandler)
    except OSError as exc:
        raise ConfigError(_("cannot serve the demo PKI on 127.0.0.1:{port} ({reason})",
                            port=port, reason=exc.strerror),
                          hint=_("Another program uses that port: choose another with "
                                 "--port."), code="port_in_use") from None
    url = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig.from_file(
        str(pki_dir / "certomancer.yml"), key_search_dir=str(pki_dir), external_url_prefix=url
    )
    arch = config.get_pki_arch(ARCH)
    server.app = Animator(AnimatorArchStore({ARCH: arch}), with_web_ui=False)
    _write_material(arch, Path(folder))
    thread = threading.Thread(target=server.serve_forever, name="demo-pki", daemon=True)
    thread.start()
    try:
        yield DemoPki(url=url, folder=Path(folder), arch=arch, _server=server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
