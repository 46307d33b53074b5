"""The Dask page pool against this machine's pool, on a real local cluster (a scheduler in
the test process, two single-thread worker processes): the same per-page function gives
the same pages, errors name the scan, a multi-page file travels once more, not once per
page; the doctor's cluster checks; TLS end to end."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import pytest
from distributed import LocalCluster
from PIL import Image
from support.runs import SAMPLES
from trams.cli.main import run
from trams.scanning import ScanOptions, discover, recognize_documents
from trams.scanning.cluster import DaskPagePool, open_pool
from trams.scanning.cluster_client import check_cluster, connect

from trams.config import ClusterConfig
from trams.errors import DependencyError
from trams.models import DocumentFailure, RecognizedDocument

PAGE = SAMPLES / "01-quyet-dinh" / "page1.tif"


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as local:
        yield ClusterConfig(scheduler=local.scheduler_address)


def _both(documents, options: ScanOptions, cluster: ClusterConfig, tmp_path: Path):
    local = list(recognize_documents(documents, options, jobs=1, workdir=tmp_path / "local"))
    with open_pool(cluster, options) as pool:
        remote = list(recognize_documents(documents, options, jobs=1,
                                          workdir=tmp_path / "remote", pool=pool))
        stats = (pool.bytes_sent, pool.bytes_received, dict(pool.pages_by_worker))
    return local, remote, stats


def _same_pages(local: RecognizedDocument, remote: RecognizedDocument, work: Path) -> None:
    assert len(local.pages) == len(remote.pages)
    for mine, theirs in zip(local.pages, remote.pages, strict=True):
        assert theirs.source == mine.source  # the scan's own path, not the worker's copy
        assert theirs.lines == mine.lines and theirs.quality == mine.quality
        assert theirs.dpi == mine.dpi
        assert theirs.image.path.parent == work  # written here, under the batch's stem
        assert theirs.image.path.name == mine.image.path.name
        assert theirs.image.path.read_bytes() == mine.image.path.read_bytes()
        assert replace_path(theirs.image) == replace_path(mine.image)


def replace_path(image):  # noqa: ANN001, ANN201
    from dataclasses import replace

    return replace(image, path=Path("-"))


def test_a_page_on_the_cluster_is_the_page_of_the_local_pool(cluster, tmp_path) -> None:
    """Real Tesseract (vie): the same lines, quality, dpi and encoded image bytes."""
    docs = discover([PAGE]).documents
    [local], [remote], (sent, received, by_worker) = _both(docs, ScanOptions(), cluster,
                                                           tmp_path)
    assert isinstance(remote, RecognizedDocument) and "QUYẾT ĐỊNH" in remote.text.upper()
    _same_pages(local, remote, tmp_path / "remote")
    assert sent == PAGE.stat().st_size
    assert received == remote.pages[0].image.path.stat().st_size
    assert sum(by_worker.values()) == 1


def test_multi_page_files_and_bad_scans(cluster, tmp_path) -> None:
    """A three-page TIFF (its bytes sent twice: with its first page, then once for the
    others), a PNG, and a scan under 200 dpi whose failure names it, not a worker's copy."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    frames = [Image.open(SAMPLES / "01-quyet-dinh" / "page1.tif").convert("L"),
              Image.open(SAMPLES / "03-to-trinh" / "page1.png").convert("L"),
              Image.open(SAMPLES / "02-cong-van" / "page2.png").convert("L")]
    frames[0].save(inbox / "a-three.tif", save_all=True, append_images=frames[1:],
                   dpi=(300, 300), compression="tiff_lzw")
    shutil.copy(SAMPLES / "03-to-trinh" / "page1.png", inbox / "b-one.png")
    frames[1].save(inbox / "c-low.png", dpi=(150, 150))
    found = discover([inbox])
    docs = found.documents
    options = ScanOptions(engine="null")
    local, remote, (sent, _received, by_worker) = _both(docs, options, cluster, tmp_path)
    assert [type(d).__name__ for d in remote] == [type(d).__name__ for d in local]
    for mine, theirs in zip(local, remote, strict=True):
        if isinstance(mine, DocumentFailure):
            assert theirs.error.one_line() == mine.error.one_line()
            assert theirs.error.path == inbox / "c-low.png"
            assert "150 dpi" in theirs.error.message
        else:
            _same_pages(mine, theirs, tmp_path / "remote")
    sizes = {p.name: p.stat().st_size for p in inbox.iterdir()}
    assert sent == 2 * sizes["a-three.tif"] + sizes["b-one.png"] + sizes["c-low.png"]
    assert sum(by_worker.values()) == 5
    assert any(isinstance(d, DocumentFailure) for d in remote)


def test_a_worker_without_the_language_data_is_named(cluster) -> None:
    client = connect(cluster)
    try:
        with pytest.raises(DependencyError) as info:
            check_cluster(client, ScanOptions(languages="vie+qqq"))
    finally:
        client.close()
    assert "cluster worker" in info.value.message and "qqq" in info.value.message


def test_a_late_worker_without_the_language_stops_the_batch(cluster, tmp_path) -> None:
    """A worker that joined after the batch's check and lacks a language: the machine's
    problem (DependencyError naming the worker, exit 6), never a document's failure."""
    options = ScanOptions(languages="vie+qqq")
    client = connect(cluster)  # no check_cluster: as for a worker joining later
    pool = DaskPagePool(client, cluster)
    try:
        with pytest.raises(DependencyError) as info:
            list(recognize_documents(discover([PAGE]).documents, options, jobs=1,
                                     workdir=tmp_path, pool=pool))
    finally:
        pool.close()
    assert info.value.message.startswith("cluster worker ") and "qqq" in info.value.message


def test_pool_capacity_follows_the_workers(cluster) -> None:
    client = connect(cluster)
    try:
        assert DaskPagePool(client, cluster).capacity() == 6  # 2 workers x 1 thread x 3
    finally:
        client.close()


def _doctor(tmp_path: Path, cluster_toml: str, capsys, *args: str) -> tuple[int, dict]:
    cfg = tmp_path / "trams.toml"
    cfg.write_text(cluster_toml, encoding="utf-8")
    capsys.readouterr()
    code = run(["--lang", "en", "--config", str(cfg), "doctor", "--json", *args])
    report = json.loads(capsys.readouterr().out)
    return code, {c["name"]: c for c in report["checks"]}


def test_doctor_checks_the_cluster(cluster, tmp_path, capsys) -> None:
    _code, checks = _doctor(tmp_path, f'[cluster]\nscheduler = "{cluster.scheduler}"\n',
                            capsys)
    assert checks["cluster.security"]["status"] == "ok"  # loopback
    assert checks["cluster.scheduler"]["status"] == "ok"
    assert checks["cluster.workers"]["status"] == "ok"
    assert "2 worker(s)" in checks["cluster.workers"]["message"]
    workers = [c for n, c in checks.items() if n.startswith("cluster.worker.")]
    assert len(workers) == 2 and all(c["status"] == "ok" for c in workers)
    assert all("Tesseract" in c["message"] and "vie" in c["message"] for c in workers)

    # the same through --cluster, with a language no worker has: exit 6 naming it
    code, checks = _doctor(tmp_path, '[ocr]\nlanguages = "vie+qqq"\n', capsys,
                           "--cluster", cluster.scheduler)
    failed = [c for n, c in checks.items() if n.startswith("cluster.worker.")]
    assert failed and all(c["status"] == "fail" and c["exit_code"] == 6 for c in failed)
    assert code != 0


def test_doctor_warns_of_plain_tcp_on_the_network(tmp_path, capsys) -> None:
    """192.0.2.1 (TEST-NET-1, never routed): plain tcp there is a warning; the scheduler
    unreachable fails with the cluster's exit code."""
    code, checks = _doctor(tmp_path, '[cluster]\nscheduler = "tcp://192.0.2.1:8786"\n'
                           "connect_timeout_seconds = 1\n", capsys)
    assert checks["cluster.security"]["status"] == "warn"
    assert "unencrypted" in checks["cluster.security"]["message"]
    assert "TLS" in checks["cluster.security"]["hint"]
    assert checks["cluster.scheduler"]["status"] == "fail"
    assert checks["cluster.scheduler"]["exit_code"] == 16


# --- TLS ---------------------------------------------------------------------------------------
def _tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and one certificate (for 127.0.0.1) signed by it, as a test PKI for Dask."""
    from ipaddress import ip_address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("TRAMS cluster test CA"))
          .issuer_name(name("TRAMS cluster test CA")).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ip_address("127.0.0.1"))]),
                critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "ca.pem", folder / "node.pem", folder / "node.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


@pytest.mark.slow
def test_trams_ocr_through_a_tls_cluster(tmp_path, capsys) -> None:
    """A scheduler and workers that speak TLS only; `trams ocr --cluster tls://...` with
    the [cluster] TLS files; the doctor calls it encrypted. Without the files, refused."""
    from distributed.security import Security

    ca, cert, key = _tls_files(tmp_path / "tls")
    security = Security(tls_ca_file=str(ca), tls_scheduler_cert=str(cert),
                        tls_scheduler_key=str(key), tls_worker_cert=str(cert),
                        tls_worker_key=str(key), tls_client_cert=str(cert),
                        tls_client_key=str(key), require_encryption=True)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      protocol="tls://", security=security, dashboard_address=":0") as local:
        address = local.scheduler_address
        assert address.startswith("tls://")
        cfg = tmp_path / "trams.toml"
        cfg.write_text(f'[cluster]\ntls_ca_file = "{ca}"\ntls_cert = "{cert}"\n'
                       f'tls_key = "{key}"\n', encoding="utf-8")
        capsys.readouterr()
        code = run(["--lang", "en", "--config", str(cfg), "ocr", str(PAGE), "-o",
                    str(tmp_path / "out"), "--json", "--cluster", address])
        report = json.loads(capsys.readouterr().out)
        assert code == 0, report
        assert len(report["documents"]) == 1 and sum(report["workers"].values()) == 1

        _code, checks = _doctor(tmp_path, cfg.read_text() + f'scheduler = "{address}"\n',
                                capsys)
        assert checks["cluster.security"]["status"] == "ok"
        assert "TLS" in checks["cluster.security"]["message"]
        assert checks["cluster.scheduler"]["status"] == "ok"

    # tls:// without the files in [cluster]: a configuration error, before anything runs
    bare = tmp_path / "bare.toml"
    bare.write_text("", encoding="utf-8")
    code = run(["--lang", "en", "--config", str(bare), "ocr", str(PAGE), "-o",
                str(tmp_path / "out2"), "--cluster", "tls://127.0.0.1:1"])
    assert code == 3
    assert "tls_ca_file" in capsys.readouterr().err
