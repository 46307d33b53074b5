"""The wheel holds every subpackage and the samples: build it, install it in a clean venv,
import it all, and run `trams demo` from an empty folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_imports_every_module(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist),
         str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = dist.glob("trams-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    # one namespace: nothing but trams/ and its metadata at the top of the wheel
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"trams"}, tops
    modules = sorted(
        n[:-3].replace("/", ".").removesuffix(".__init__") for n in names if n.endswith(".py")
    )
    for sub in ("trams.app", "trams.cli", "trams.signing", "trams.scanning", "trams.pdf",
                "trams.archive", "trams.samples"):
        assert sub in modules
    assert any(n.startswith("trams/locale/vi/") and n.endswith(".po") for n in names)
    for sample in ("trams/samples/pki/certomancer.yml", "trams/samples/images/agency-seal.png",
                   "trams/samples/scans/01-quyet-dinh/page1.tif"):
        assert sample in names, sample

    # A clean venv holding only the wheel (installed by pip, with its console script); its
    # dependencies come from this environment's site-packages through a .pth line, so no
    # network is needed and no editable-install finder is active (.pth files inside an
    # added path are not processed).
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    (Path(site) / "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    code = (
        "import importlib, trams\n"
        f"assert trams.__file__.startswith({site!r}), trams.__file__\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
    )
    result = subprocess.run([py, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([env_dir / "bin" / "trams", "--help"], capture_output=True,
                            text=True, timeout=120, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout and "demo" in result.stdout

    # the demo runs from the installed package alone, in an empty folder
    empty = tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run([env_dir / "bin" / "trams", "--lang", "en", "demo", "--json"],
                            capture_output=True, text=True, timeout=600, cwd=empty, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert [d["status"] for d in summary["documents"]] == ["archived"] * 3
    # its inbox: copies of the installed package's sample scans (not the source checkout's)
    inbox = empty / "trams-demo" / "inbox"
    assert summary["inbox"] == str(inbox.resolve()), summary["inbox"]
    installed = Path(site) / "trams" / "samples" / "scans"
    copies = sorted(p.relative_to(inbox) for p in inbox.rglob("*") if p.is_file())
    assert len(copies) == 4 and all(
        (inbox / c).read_bytes() == (installed / c).read_bytes() for c in copies), copies
    assert (empty / "trams-demo" / "archive").is_dir()
