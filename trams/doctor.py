"""`trams doctor`, core part: is the set-up described by trams.toml usable?

Each check returns a :class:`Check` (a verdict, never an exception): its name (a stable id
such as ``config`` or ``archive.writable``), OK / WARN / FAIL, a translated one-line message
and a one-line fix. This module holds the checks that need only the core: the configuration
file, the inbox, the archive folder (writable, lock, free disk). Tesseract is checked through
``trams.scanning`` and keys, certificates, TSA, OCSP and CRL through
``trams.signing.doctor``; the CLI runs them all and renders the list.

The exit code of `trams doctor` is the ``exit_code`` of the first failing check (see
:func:`exit_code`), so a script can tell a missing program (6) from a bad key (7).
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from trams.archive.layout import STATE_DIR, Layout
from trams.config import TramsConfig, find_config, load_config
from trams.errors import ArchiveError, ConfigError, ExitCode, TramsError
from trams.fs import TMP_PREFIX
from trams.i18n import _, _n

# Free space on the archive's file system: below these, WARN and FAIL.
DISK_WARN_BYTES = 1024**3  # 1 GiB
DISK_FAIL_BYTES = 100 * 1024**2  # 100 MiB

_LOCK_FILE = Path(STATE_DIR) / "lock"  # the archive's writer lock (trams.archive.store)


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str  # stable id: config, tesseract, key.leader, tsa, archive.writable, ...
    status: Status
    message: str  # translated, one line; never holds a secret
    hint: str | None = None  # what to do about it (WARN/FAIL)
    exit_code: ExitCode = ExitCode.OK  # the exit code when this is the first FAIL
    code: str | None = None  # a failing error's machine code (docs/codes.md)

    @classmethod
    def ok(cls, name: str, message: str) -> Check:
        return cls(name, Status.OK, message)

    @classmethod
    def warn(cls, name: str, message: str, hint: str | None = None) -> Check:
        return cls(name, Status.WARN, message, hint)

    @classmethod
    def fail(cls, name: str, message: str, hint: str | None = None, *,
             exit_code: ExitCode = ExitCode.CONFIG) -> Check:
        return cls(name, Status.FAIL, message, hint, exit_code)

    @classmethod
    def from_error(cls, name: str, error: TramsError, *,
                   status: Status = Status.FAIL) -> Check:
        """A typed error as a check: its message (with the file), hint and exit code."""
        message = error.message.rstrip(".")
        if error.path is not None:
            message = f"{error.path}: {message}"
        code = error.exit_code if status is Status.FAIL else ExitCode.OK
        return cls(name, status, " ".join(message.split()), error.hint, code, error.code)

    def to_dict(self) -> dict:
        return {"name": self.name, "status": str(self.status), "message": self.message,
                "hint": self.hint, "code": self.code,
                "exit_code": int(self.exit_code) if self.status is Status.FAIL else None}


def exit_code(checks: list[Check]) -> ExitCode:
    """OK when nothing failed (warnings allowed), else the code of the first failure."""
    for check in checks:
        if check.status is Status.FAIL:
            return check.exit_code
    return ExitCode.OK


# --- configuration -------------------------------------------------------------------------
def check_config(explicit: Path | None = None) -> tuple[Check, TramsConfig | None]:
    """Found (``--config``, ``TRAMS_CONFIG``, ``./trams.toml``) and valid; the config if so."""
    found = find_config(explicit)
    if found is None:
        return Check.fail(
            "config", _("no trams.toml found (--config, TRAMS_CONFIG, ./trams.toml)"),
            _("Run `trams init` in the working folder, or name the file with --config.")), None
    try:
        config = load_config(found)
    except ConfigError as exc:
        return Check.from_error("config", exc), None
    return Check.ok("config", _("{path} is valid", path=found)), config


def check_agency(config: TramsConfig) -> Check:
    missing = [key for key in ("name", "code") if not getattr(config.agency, key)]
    if missing:
        return Check.warn(
            "agency", _("[agency] {keys} not set", keys=", ".join(missing)),
            _("Set them in trams.toml: the name is used by the signature policy, the code "
              "in record codes and archive paths."))
    return Check.ok("agency", f"{config.agency.name} ({config.agency.code})")


# --- folders ---------------------------------------------------------------------------------
def check_inbox(config: TramsConfig) -> Check:
    """The inbox exists and can be listed; writable when inputs are moved after a run."""
    path = config.inbox.path
    if not path.is_dir():
        message = (_("the inbox {path} is not a folder", path=path) if path.exists()
                   else _("the inbox {path} does not exist", path=path))
        return Check.fail("inbox", message,
                          _("Create it (`trams init` does), or correct [inbox] path."))
    try:
        with os.scandir(path) as entries:
            count = sum(1 for _entry in entries)
    except OSError as exc:
        return Check.fail("inbox", _("cannot list the inbox {path} ({reason})", path=path,
                                     reason=exc.strerror),
                          _("Give this user read access to the folder."),
                          exit_code=ExitCode.STORAGE)
    moves = config.inbox.move_done or config.inbox.move_failed
    if moves and not os.access(path, os.W_OK | os.X_OK):
        return Check.fail("inbox", _("the inbox {path} is not writable, but inputs are moved "
                                     "to .done/ or .failed/ after a run", path=path),
                          _("Give this user write access, or set move_done and move_failed "
                            "to false."), exit_code=ExitCode.STORAGE)
    return Check.ok("inbox", _n("{path}: readable, {count} entry",
                                "{path}: readable, {count} entries", count, path=path,
                                count=count))


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_archive_writable(config: TramsConfig) -> Check:
    """Create and delete a temporary file in the archive folder (or the folder that will
    hold it when it does not exist yet)."""
    root = config.archive.path
    if root.exists() and not root.is_dir():
        return Check.fail("archive.writable", _("the archive path {path} is not a folder",
                                                path=root),
                          _("Correct [archive] path in trams.toml."),
                          exit_code=ExitCode.STORAGE)
    where = root if root.is_dir() else _existing_ancestor(root)
    try:
        fd, name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".doctor", dir=where)
        try:
            os.write(fd, b"trams doctor\n")
        finally:
            os.close(fd)
            os.unlink(name)
    except OSError as exc:
        return Check.fail("archive.writable", _("cannot write in {path} ({reason})", path=where,
                                                reason=exc.strerror),
                          _("Give this user write access to the folder, or choose another "
                            "[archive] path."), exit_code=ExitCode.STORAGE)
    if where != root:
        return Check.warn("archive.writable",
                          _("the archive {path} does not exist yet; the first run creates it",
                            path=root),
                          _("If that is not the intended place, correct [archive] path."))
    return Check.ok("archive.writable", _("{path} is writable", path=root))


def check_archive_layout(config: TramsConfig) -> Check:
    try:
        Layout(config.archive.layout)
    except ArchiveError as exc:
        return Check.fail("archive.layout", exc.message, exc.hint)
    return Check.ok("archive.layout", config.archive.layout)


def check_metadata_file(config: TramsConfig) -> Check | None:
    """The [metadata] file, when one is named, exists (its entries are read by the run)."""
    path = config.metadata.file
    if path is None:
        return None
    if not path.is_file():
        return Check.fail("metadata", _("the metadata file {path} does not exist", path=path),
                          _("Create it, or correct [metadata] file in trams.toml."))
    return Check.ok("metadata", _("{path} exists", path=path))


def check_archive_lock(config: TramsConfig) -> Check:
    """Whether another process holds the archive's writer lock now (a shared, non-blocking
    lock on ``.trams/lock``, released at once; nothing is created)."""
    lock = config.archive.path / _LOCK_FILE
    try:
        fd = os.open(lock, os.O_RDONLY)
    except FileNotFoundError:
        return Check.ok("archive.lock", _("no other process is writing to the archive"))
    except OSError as exc:
        return Check.fail("archive.lock", _("cannot open {path} ({reason})", path=lock,
                                            reason=exc.strerror),
                          _("Give this user access to the archive's .trams folder."),
                          exit_code=ExitCode.STORAGE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            return Check.warn(
                "archive.lock",
                _("another process (pid {pid}) is writing to this archive now", pid=holder),
                _("A run started now would wait for it; if no run should be going on, "
                  "find that process and stop it."))
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    return Check.ok("archive.lock", _("no other process is writing to the archive"))


def _size(count: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError  # pragma: no cover


def check_disk(config: TramsConfig, *, warn_bytes: int = DISK_WARN_BYTES,
               fail_bytes: int = DISK_FAIL_BYTES) -> Check:
    """Free space on the archive's file system."""
    where = _existing_ancestor(config.archive.path)
    try:
        free = shutil.disk_usage(where).free
    except OSError as exc:
        return Check.fail("disk", _("cannot measure free space at {path} ({reason})", path=where,
                                    reason=exc.strerror or errno.errorcode.get(exc.errno, "?")),
                          _("Check the archive's disk."), exit_code=ExitCode.STORAGE)
    message = _("{free} free on the archive's disk ({path})", free=_size(free), path=where)
    if free < fail_bytes:
        return Check.fail("disk", message, _("Free some space, or move the archive to a bigger "
                                             "disk (failure under {limit}).",
                                             limit=_size(fail_bytes)),
                          exit_code=ExitCode.STORAGE)
    if free < warn_bytes:
        return Check.warn("disk", message, _("Free some space soon (warning under {limit}).",
                                             limit=_size(warn_bytes)))
    return Check.ok("disk", message)


def check_folders(config: TramsConfig) -> list[Check]:
    """Inbox, metadata file, archive (layout, writable, lock) and free disk."""
    metadata = check_metadata_file(config)
    return [check_inbox(config), *([metadata] if metadata else []),
            check_archive_layout(config), check_archive_writable(config),
            check_archive_lock(config), check_disk(config)]
