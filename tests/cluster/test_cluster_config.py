"""[cluster] in trams.toml and --cluster: checked at load, one rule for both; without a
cluster nothing changes and Dask is never imported; a worker refuses to join a machine
without the language data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.runs import SAMPLES
from trams.cli.main import run

from trams.config import ClusterConfig, TramsConfig, load_config
from trams.errors import ConfigError, ExitCode

PAGE = SAMPLES / "01-quyet-dinh" / "page1.tif"


def _load(tmp_path: Path, text: str) -> TramsConfig:
    cfg = tmp_path / "trams.toml"
    cfg.write_text(text, encoding="utf-8")
    return load_config(cfg)


@pytest.mark.parametrize(("text", "expected"), [
    ('scheduler = "http://10.0.0.5:8786"', "not a scheduler address"),
    ('scheduler = "10.0.0.5:8786"', "not a scheduler address"),
    ('scheduler = "tcp://10.0.0.5:99999"', "invalid port"),
    ('scheduler = "tcp://10.0.0.5:8786/x"', "not a scheduler address"),
    ('scheduler = "tls://10.0.0.5:8786"', "needs tls_ca_file, tls_cert, tls_key"),
    ('scheduler = "tcp://10.0.0.5:8786"\ntls_ca_file = "ca.pem"', "write tls://"),
    ('worker_wait_seconds = 0', "greater than 0"),
    ('workers = 3', "Extra inputs"),
])
def test_bad_cluster_settings_are_refused_at_load(tmp_path, text, expected) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, f"[cluster]\n{text}\n")
    assert expected in info.value.message and "'cluster" in info.value.message
    assert "(line " in info.value.message


def test_cluster_settings_and_the_command_line(tmp_path) -> None:
    config = _load(tmp_path, '[cluster]\nscheduler = "tls://head.example:9000"\n'
                             'tls_ca_file = "tls/ca.pem"\ntls_cert = "tls/head.pem"\n'
                             'tls_key = "tls/head.key"\n')
    assert config.cluster.tls and config.cluster.tls_ca_file == tmp_path / "tls" / "ca.pem"
    assert ClusterConfig(scheduler="tcp://10.0.0.5").scheduler == "tcp://10.0.0.5:8786"
    assert config.with_cluster(None) is config
    assert config.with_cluster("local").cluster.scheduler is None
    assert config.with_cluster("tls://other:1").cluster.scheduler == "tls://other:1"
    plain = TramsConfig()
    assert plain.cluster.scheduler is None
    with pytest.raises(ConfigError) as info:
        plain.with_cluster("tls://10.0.0.5:8786")  # TLS files are not in [cluster]
    assert "tls_ca_file" in info.value.message and info.value.exit_code == ExitCode.CONFIG


def test_a_bad_cluster_option_is_a_usage_error(tmp_path, capsys) -> None:
    for argv in (["run", "--cluster", "http://x"], ["ocr", str(PAGE), "-o", str(tmp_path),
                                                     "--cluster", "x:1"],
                 ["doctor", "--cluster", "udp://x:1"]):
        assert run(["--lang", "en", *argv]) == ExitCode.USAGE
        assert "--cluster" in capsys.readouterr().err


def _imported(stderr: str) -> set[str]:
    """Top-level packages a `python -X importtime` run imported."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


@pytest.mark.slow
def test_without_a_cluster_nothing_imports_dask(tmp_path) -> None:
    """`trams ocr` and `trams doctor` on this machine, as subprocesses: Dask is installed
    here, yet never imported when no cluster is configured."""
    cfg = tmp_path / "trams.toml"
    cfg.write_text(f'[inbox]\npath = "{tmp_path}"\n', encoding="utf-8")
    runs = {
        "ocr": ["ocr", str(PAGE), "-o", str(tmp_path / "out")],
        "doctor": ["doctor"],
        "run": ["run", "--dry-run", str(tmp_path)],
    }
    for what, argv in runs.items():
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "trams", "--config",
                               str(cfg), *argv], capture_output=True, text=True, timeout=180,
                              stdin=subprocess.DEVNULL)
        imported = _imported(done.stderr)
        assert "trams" in imported and "PIL" in imported, (what, done.stderr[-2000:])
        assert not imported & {"dask", "distributed"}, what
    assert (tmp_path / "out" / "page1.pdf").is_file()
    # and the check itself can fail: the cluster worker command does import it
    done = subprocess.run([sys.executable, "-X", "importtime", "-c",
                           "import trams.scanning.cluster"], capture_output=True, text=True,
                          timeout=120)
    assert {"dask", "distributed"} <= _imported(done.stderr)


def test_a_worker_without_the_language_data_does_not_join(tmp_path, capsys,
                                                         monkeypatch) -> None:
    """A worker machine needs no trams.toml; the checks are the doctor's."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRAMS_CONFIG", raising=False)
    code = run(["--lang", "en", "cluster", "worker", "tcp://127.0.0.1:1", "--languages",
                "vie+qqq"])
    assert code == ExitCode.DEPENDENCY
    captured = capsys.readouterr()
    assert "qqq" in captured.out and "cannot recognize pages" in captured.err


def test_a_worker_needs_a_scheduler(tmp_path, capsys) -> None:
    cfg = tmp_path / "trams.toml"
    cfg.write_text("", encoding="utf-8")
    assert run(["--lang", "en", "--config", str(cfg), "cluster", "worker"]) == ExitCode.CONFIG
    assert "scheduler" in capsys.readouterr().err
    assert run(["--lang", "en", "--config", str(cfg), "cluster", "worker",
                "local"]) == ExitCode.USAGE


def test_the_summary_says_what_each_worker_did() -> None:
    from io import StringIO

    from rich.console import Console
    from trams.cli.run_render import print_summary

    from trams.pipeline import RunSummary

    summary = RunSummary(run_id="r", inbox="i", archive="a", workers={"b-1": 3, "a-0": 1})
    assert summary.to_dict()["workers"] == {"a-0": 1, "b-1": 3}
    out = StringIO()
    print_summary(summary, Console(file=out, width=200))
    assert "Cluster workers: 1 page by a-0, 3 pages by b-1." in out.getvalue()
    assert RunSummary(run_id="r", inbox="i", archive="a").to_dict()["workers"] == {}
