"""The doctor's core checks one by one (trams.doctor): folders, lock, disk, exit code."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from trams.config import ArchiveConfig, InboxConfig, MetadataConfig, TramsConfig
from trams.doctor import (
    DISK_FAIL_BYTES,
    DISK_WARN_BYTES,
    Check,
    Status,
    check_archive_layout,
    check_archive_lock,
    check_archive_writable,
    check_disk,
    check_inbox,
    check_metadata_file,
    exit_code,
)
from trams.errors import ExitCode, KeyAccessError


def config_in(folder: Path, **sections) -> TramsConfig:
    base = {"inbox": InboxConfig(path=folder / "inbox"),
            "archive": ArchiveConfig(path=folder / "archive")}
    return TramsConfig(**{**base, **sections})


def test_thresholds() -> None:
    assert DISK_WARN_BYTES == 1024**3 and DISK_FAIL_BYTES == 100 * 1024**2


def test_inbox(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    check = check_inbox(config)
    assert check.status is Status.FAIL and "does not exist" in check.message and check.hint
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "a.tif").write_bytes(b"")
    check = check_inbox(config)
    assert check.status is Status.OK
    assert "1 entry" in check.message and "entries" not in check.message


def test_archive_writable(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    assert check_archive_writable(config).status is Status.WARN  # created by the first run
    (tmp_path / "archive").mkdir()
    assert check_archive_writable(config).status is Status.OK
    assert list((tmp_path / "archive").iterdir()) == []  # the probe file is gone
    blocked = config_in(tmp_path, archive=ArchiveConfig(path=tmp_path / "file"))
    (tmp_path / "file").write_text("not a folder")
    check = check_archive_writable(blocked)
    assert check.status is Status.FAIL and check.exit_code == ExitCode.STORAGE


def test_archive_lock_held_by_another_writer(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    assert check_archive_lock(config).status is Status.OK  # no archive yet: nothing created
    assert not (tmp_path / "archive").exists()
    lock = tmp_path / "archive" / ".trams" / "lock"
    lock.parent.mkdir(parents=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        os.pwrite(fd, b"4242\n", 0)
        # flock locks belong to the open file description: a second open() conflicts
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        check = check_archive_lock(config)
        assert check.status is Status.WARN and "4242" in check.message
    finally:
        os.close(fd)
    assert check_archive_lock(config).status is Status.OK


def test_disk_thresholds(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    assert check_disk(config, warn_bytes=0, fail_bytes=0).status is Status.OK
    assert check_disk(config, warn_bytes=2**62, fail_bytes=0).status is Status.WARN
    check = check_disk(config, warn_bytes=2**62, fail_bytes=2**61)
    assert check.status is Status.FAIL and check.exit_code == ExitCode.STORAGE


def test_layout_and_metadata_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="file_code"):  # trams.toml refuses it at load now
        ArchiveConfig(path=tmp_path, layout="{year}/")
    # a configuration built in code without validation: doctor still names the problem
    bad = config_in(tmp_path, archive=ArchiveConfig.model_construct(path=tmp_path,
                                                                    layout="{year}/"))
    check = check_archive_layout(bad)
    assert check.status is Status.FAIL and "file_code" in check.message
    assert check_metadata_file(config_in(tmp_path)) is None
    missing = config_in(tmp_path, metadata=MetadataConfig(file=tmp_path / "meta.toml"))
    assert check_metadata_file(missing).status is Status.FAIL


def test_exit_code_is_the_first_failure() -> None:
    checks = [Check.ok("a", "fine"), Check.warn("b", "hm"),
              Check.from_error("c", KeyAccessError("wrong PIN", hint="Check it.")),
              Check.fail("d", "bad", exit_code=ExitCode.NETWORK)]
    assert exit_code(checks) == ExitCode.KEY
    assert exit_code(checks[:2]) == ExitCode.OK
    data = checks[2].to_dict()
    assert data == {"name": "c", "status": "fail", "message": "wrong PIN", "hint": "Check it.",
                    "code": "key_unusable", "exit_code": 7}
