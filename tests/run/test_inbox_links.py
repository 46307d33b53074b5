"""The inbox cannot be turned against the host (issue 13, item 1).

Whoever can drop a scan into the inbox can drop a symbolic link. TRAMS never follows one
out of the inbox: ``.done``/``.failed`` that are links (or hold links on the way) stop the
run before any work, exit 3, nothing moved; a scan linked in from outside is refused, the
link itself set aside, the file it points to untouched; with ``follow_symlinks = true`` a
link is read only when it stays inside the inbox. ``.failed`` on another file system is
refused at the start too, not met by a failing rename in the middle of the run.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from support.hostile import good_page, save_page, snapshot
from support.runs import archived_pdfs, sample_inbox, write_run_config
from trams.cli.main import run
from trams.scanning.grouping import discover


def _summary(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def _run(cfg: Path, *args: str) -> int:
    return run(["--config", str(cfg), "run", "--json", "--log-format", "json", *args])


def _torn(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"II*\x00" + b"\x13\x37" * 500)
    return path


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "precious.txt").write_text("host file\n")
    return folder


@pytest.mark.parametrize("folder", [".failed", ".done"])
def test_done_or_failed_as_a_link_stops_the_run_before_any_work(pki, tmp_path, capsys,
                                                                 outside, folder) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("03-to-trinh",))
    _torn(inbox / "04-hong" / "page1.tif")
    os.symlink(outside, inbox / folder)
    before = snapshot(outside)
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    assert _run(cfg, "--move-done") == 3
    summary = _summary(capsys)
    assert summary["aborted"]["error"] == "ConfigError"
    assert summary["aborted"]["path"] == str(inbox / folder)
    assert "symbolic link" in summary["aborted"]["message"]
    assert summary["timings"]["ocr_wait"] == 0.0 and not summary["moved"]
    assert snapshot(outside) == before
    assert (inbox / "04-hong" / "page1.tif").is_file()  # nothing moved
    assert (inbox / "03-to-trinh" / "page1.png").is_file()
    assert not archived_pdfs(tmp_path / "archive")
    log = Path(summary["log_file"])  # the refusal is in the archive's log too
    assert "run_aborted" in log.read_text("utf-8")


def test_a_link_on_the_way_inside_failed_stops_the_run(pki, tmp_path, capsys,
                                                       outside) -> None:
    """File grouping keeps the relative path: inbox/a/bad.tif goes to .failed/a/bad.tif, so
    a link .failed/a -> elsewhere would carry it out; it is found before anything moves."""
    inbox = tmp_path / "inbox"
    _torn(inbox / "a" / "bad.tif")
    (inbox / ".failed").mkdir()
    os.symlink(outside, inbox / ".failed" / "a")
    before = snapshot(outside)
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive",
                           grouping="file")
    assert _run(cfg) == 3
    aborted = _summary(capsys)["aborted"]
    assert aborted["path"] == str(inbox / ".failed" / "a"), aborted
    assert snapshot(outside) == before
    assert (inbox / "a" / "bad.tif").is_file()


@pytest.mark.parametrize("what", ["a file", "a folder"])
def test_done_or_failed_replaced_by_something_else_is_refused(pki, tmp_path, capsys,
                                                              what) -> None:
    inbox = tmp_path / "inbox"
    _torn(inbox / "bad.tif")
    if what == "a file":
        (inbox / ".failed").write_text("not a folder")
    else:  # a folder we made ourselves: fine, and used
        (inbox / ".failed").mkdir()
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive",
                           grouping="file")
    code = _run(cfg)
    summary = _summary(capsys)
    if what == "a file":
        assert code == 3 and summary["aborted"]["path"] == str(inbox / ".failed")
    else:
        assert code == 5 and (inbox / ".failed" / "bad.tif").is_file()


def test_a_scan_linked_in_from_outside_is_refused_and_never_read(pki, tmp_path, capsys,
                                                                 outside) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    import random

    secret = save_page(good_page(random.Random(1), set()), outside / "secret.png", "png")
    os.symlink(secret, inbox / "scan.png")
    os.symlink("/etc/passwd", inbox / "passwd.tif")
    before = snapshot(outside)
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive",
                           grouping="file")
    assert _run(cfg) == 5
    summary = _summary(capsys)
    assert summary["totals"]["archived"]["documents"] == 0
    assert summary["timings"]["ocr_wait"] == 0.0  # refused at discovery, nothing read
    refused = {Path(f["path"]).name: f["message"] for f in summary["input_failures"]}
    assert set(refused) == {"scan.png", "passwd.tif"}
    assert all("symbolic link" in m for m in refused.values()), refused
    assert not archived_pdfs(tmp_path / "archive")
    assert snapshot(outside) == before
    # the links themselves are set aside, still links, with their reason
    failed = inbox / ".failed"
    assert (failed / "scan.png").is_symlink() and (failed / "scan.png.reason.txt").is_file()
    assert os.readlink(failed / "passwd.tif") == "/etc/passwd"
    # .failed was made by TRAMS: a plain folder, not writable by others
    mode = stat.S_IMODE((inbox / ".failed").lstat().st_mode)
    assert not mode & 0o002 and (inbox / ".failed").is_dir()


def test_reason_files_have_the_modes_of_every_other_output(pki, tmp_path, capsys) -> None:
    inbox = tmp_path / "inbox"
    _torn(inbox / "bad.tif")
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive",
                           grouping="file")
    previous = os.umask(0o022)
    try:
        assert _run(cfg) == 5
    finally:
        os.umask(previous)
    capsys.readouterr()
    reason = inbox / ".failed" / "bad.tif.reason.txt"
    assert stat.S_IMODE(reason.stat().st_mode) == 0o644  # as the archive's PDFs are made


def test_follow_symlinks_reads_links_inside_the_inbox_only(tmp_path, outside) -> None:
    import random

    inbox = tmp_path / "inbox"
    (inbox / "batch").mkdir(parents=True)
    rng = random.Random(2)
    used: set = set()
    inside = save_page(good_page(rng, used), inbox / "batch" / "page1.png", "png")
    out = save_page(good_page(rng, used), outside / "page.png", "png")
    os.symlink(inside, inbox / "again.png")
    os.symlink(out, inbox / "out.png")
    os.symlink(outside, inbox / "folder-out")
    os.symlink(inbox / "batch", inbox / "folder-in")
    os.symlink(inbox / ".failed", inbox / "hidden.png")  # into a hidden folder: refused

    default = discover([inbox], grouping="file")
    assert sorted(d.name for d in default.documents) == ["batch/page1.png"]
    assert sorted(f.path.name for f in default.failures) == [
        "again.png", "folder-in", "folder-out", "hidden.png", "out.png"]

    allowed = discover([inbox], grouping="file", links="inside")
    assert sorted(d.name for d in allowed.documents) == ["again.png", "batch/page1.png"]
    refused = {f.path.name: f.error.message for f in allowed.failures}
    # a link to a folder, even inside: what is in it could not be moved without following
    assert set(refused) == {"out.png", "folder-out", "folder-in", "hidden.png"}
    assert all("inside the inbox" in m for m in refused.values()), refused


def test_a_link_in_a_folder_document_fails_that_document(tmp_path, outside) -> None:
    """Folder grouping: a page that is a refused link fails its whole document (never
    archived with a page missing)."""
    import random

    inbox = tmp_path / "inbox"
    (inbox / "doc").mkdir(parents=True)
    rng = random.Random(3)
    used: set = set()
    save_page(good_page(rng, used), inbox / "doc" / "page1.png", "png")
    os.symlink(save_page(good_page(rng, used), outside / "p2.png", "png"),
               inbox / "doc" / "page2.png")
    found = discover([inbox], grouping="folder")
    assert not found.documents
    assert {f.path.name for f in found.failures} == {"page2.png", "doc"}


def test_a_fifo_named_like_a_scan_is_refused_not_waited_on(tmp_path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    os.mkfifo(inbox / "scan.tif")
    found = discover([inbox], grouping="file")
    assert [f.path.name for f in found.failures] == ["scan.tif"]
    assert "not a regular file" in found.failures[0].error.message


@pytest.fixture
def mounted_failed(tmp_path: Path):
    """``inbox/.failed`` as a real mount of another file system (a small tmpfs)."""
    target = tmp_path / "inbox" / ".failed"
    target.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(target)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the same check "
                    "is covered without a mount by test_other_device_unit")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def test_failed_on_another_file_system_is_refused_at_start(pki, tmp_path, capsys,
                                                           mounted_failed) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("03-to-trinh",))
    _torn(inbox / "04-hong" / "page1.tif")
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    assert _run(cfg) == 3  # before: the good document was never processed, exit 15
    aborted = _summary(capsys)["aborted"]
    assert aborted["path"] == str(mounted_failed) and "file system" in aborted["message"]
    assert (inbox / "04-hong" / "page1.tif").is_file()


def test_other_device_unit(tmp_path, monkeypatch) -> None:
    """The device check itself, for machines where a test may not mount a file system."""
    from trams.errors import ConfigError
    from trams.pipeline import inbox as inbox_moves

    inbox = tmp_path / "inbox"
    (inbox / ".failed").mkdir(parents=True)
    real_stat = os.stat

    def fake_stat(path, *args, **kwargs):  # noqa: ANN001, ANN202
        st = real_stat(path, *args, **kwargs)
        if path == ".failed":
            return os.stat_result((*st[:2], st.st_dev + 1, *st[3:]))
        return st

    monkeypatch.setattr(inbox_moves.os, "stat", fake_stat)
    with pytest.raises(ConfigError, match="another file system"):
        inbox_moves.open_inbox(inbox)
