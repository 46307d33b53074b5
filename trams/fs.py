"""Crash-safe file writing: temporary file in the same folder, fsync, rename, fsync folder.

A crash at any instant leaves either the old state or the complete new file under the
final name, never a half-written one. Temporary names start with ``.trams-tmp-`` so that
leftovers can be recognised and cleaned.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trams.errors import InputError, StorageError
from trams.i18n import _

TMP_PREFIX = ".trams-tmp-"
# Every file TRAMS writes (PDFs, reports, reason files, sidecars) is created with this mode,
# less the umask: readable like the scans it came from, as the archive's own files are
# before they are made read-only. Secrets are never written by TRAMS.
FILE_MODE = 0o644


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def input_error(exc: OSError, path: Path) -> InputError:
    """A translated InputError for an OSError met while reading the input ``path``."""
    return InputError(_("cannot read the file ({reason})", reason=exc.strerror), path=path,
                      hint=_("Check the path and permissions."), code="file_unreadable")


def read_input(path: Path) -> bytes:
    """The bytes of an input file, or InputError naming it."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise input_error(exc, Path(path)) from None


def storage_error(exc: OSError, path: Path) -> StorageError:
    """A translated, actionable StorageError for an OSError met while writing ``path``."""
    if exc.errno == errno.ENOSPC:
        return StorageError(_("the disk is full"), path=path,
                            hint=_("Free some space, then run the same command again."),
                            code="disk_full")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(_("cannot write here ({reason})", reason=exc.strerror), path=path,
                            hint=_("Check the folder's permissions or choose another folder."),
                            code="write_denied")
    return StorageError(_("cannot write the file ({reason})", reason=exc.strerror), path=path,
                        hint=_("Check the disk and the folder, then run the command again."),
                        code="write_failed")


def _new_file(folder: Path, suffix: str) -> Path:
    """A new empty temporary file in ``folder`` with :data:`FILE_MODE` (less the umask;
    ``mkstemp`` would make it 0600)."""
    for _attempt in range(100):
        path = folder / f"{TMP_PREFIX}{os.urandom(6).hex()}{suffix}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                         | os.O_CLOEXEC, FILE_MODE)
        except FileExistsError:
            continue
        os.close(fd)
        return path
    raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(folder))


@contextmanager
def atomic_path(final: Path, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; on success it is fsynced and renamed.

    With ``overwrite=False`` an existing ``final`` is never replaced (``os.link`` is used,
    which fails if the name exists), so concurrent or repeated writers cannot clobber it.
    """
    final = Path(final)
    folder = final.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = _new_file(folder, final.suffix)
    except OSError as exc:
        raise storage_error(exc, final) from None
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, final)
        else:
            os.link(tmp, final)
            tmp.unlink()
        fsync_dir(folder)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno == errno.EEXIST:
            raise
        raise storage_error(exc, final) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(final: Path, data: bytes, *, overwrite: bool = True) -> None:
    with atomic_path(final, overwrite=overwrite) as tmp:
        tmp.write_bytes(data)


def atomic_copy(src: Path, final: Path, *, overwrite: bool = True) -> None:
    with atomic_path(final, overwrite=overwrite) as tmp:
        shutil.copyfile(src, tmp)


def sha256_file(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def read_json_object(path: Path) -> dict:
    """The JSON object in ``path``; ``{}`` when the file is missing, unreadable or holds
    something else (the caller reports what it lacks)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
