"""Settling inbox entries after a run: ``.done/`` once archived, ``.failed/`` with a reason.

An entry (a scan file, or a document's folder with folder grouping) is moved only when
every document made from it is settled, and to ``.done/`` only after each of them is
committed to the archive. Moves are renames inside the inbox (same file system, atomic);
the relative path is kept (``inbox/a/b.tif`` -> ``inbox/.done/a/b.tif``) and an existing
name is never replaced (`` (2)``, `` (3)``... are added).

The inbox is untrusted: whoever can drop a scan there can also drop a symbolic link. So
nothing here follows a link. :func:`open_inbox` runs before any work: ``.done`` and
``.failed`` must be real folders on the inbox's own file system (a link, a file in their
place or another file system: :class:`~trams.errors.ConfigError`, exit 3, the run does not
start); TRAMS creates them itself, without write access for others. Every move then walks
from the inbox's open folder one name at a time with ``O_NOFOLLOW`` (``openat``,
``renameat2(RENAME_NOREPLACE)``), so a link put anywhere on the way, even during the run, is
refused instead of followed.

Before all that, :func:`check_inputs` makes sure the run's inputs are there and readable.
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from trams.errors import ConfigError, InputError, TramsError
from trams.fs import FILE_MODE, storage_error
from trams.i18n import _

DONE_DIR = ".done"
FAILED_DIR = ".failed"
REASON_SUFFIX = ".reason.txt"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _link_refused(path: Path) -> ConfigError:
    return ConfigError(
        _("this is a symbolic link; TRAMS never follows a link out of the inbox"), path=path,
        hint=_("Remove the link; TRAMS creates {folders} itself as plain folders of the "
               "inbox.", folders=", ".join((DONE_DIR, FAILED_DIR))), code="symlink_refused")


def _not_a_folder(path: Path) -> ConfigError:
    return ConfigError(_("this should be a folder of the inbox but is not one"), path=path,
                       hint=_("Move the file away; TRAMS creates the folder itself."),
                       code="inbox_folder_blocked")


def _other_device(path: Path, inbox: Path) -> ConfigError:
    return ConfigError(
        _("this is on another file system than the inbox {inbox}; inputs are moved by "
          "renaming, which cannot cross file systems", inbox=inbox), path=path,
        hint=_("Unmount it or keep it on the inbox's disk (no mount inside the inbox)."),
        code="other_file_system")


@dataclass
class Inbox:
    """The inbox folder, opened once for the run (``fd``), and its device."""

    path: Path
    fd: int
    device: int
    folder_mode: int  # mode of the folders TRAMS creates in it

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def check_inputs(inputs: Iterable[Path]) -> None:
    """Before any work: each input (the inbox, or what was given instead) is there and
    readable by this user."""
    for path in inputs:
        if not path.exists():
            raise InputError(_("the inbox folder does not exist"), path=path,
                             hint=_("Create it, or set [inbox] path in trams.toml."),
                             code="inbox_missing")
        if not os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0)):
            raise InputError(_("the inbox cannot be read by this user"), path=path,
                             hint=_("Give this user read access to the folder."),
                             code="inbox_unreadable")


def open_inbox(path: Path, *, folders: Iterable[str] = (DONE_DIR, FAILED_DIR),
               create: Iterable[str] = ()) -> Inbox:
    """Open the inbox and check its ``folders`` (``.done``, ``.failed``), making those
    named in ``create`` that are missing.

    The inbox folder itself is the administrator's setting and may be reached through a
    link; what is inside it is not trusted. ConfigError (exit 3) when one of ``folders`` is
    a link, not a folder, or on another file system.
    """
    create = tuple(create)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise storage_error(exc, path) from None
    st = os.fstat(fd)
    # Folders TRAMS makes: the inbox's own permissions, never writable by everyone.
    inbox = Inbox(path, fd, st.st_dev, stat.S_IMODE(st.st_mode) & 0o775 | 0o700)
    try:
        # every folder checked before any is made: a refused start changes nothing
        for name in (*folders, *create):
            sub = _child(inbox, inbox.fd, name, path / name, create=False)
            if sub is not None:
                os.close(sub)
        for name in create:
            os.close(_child(inbox, inbox.fd, name, path / name, create=True))
    except BaseException:
        inbox.close()
        raise
    return inbox


def _child(inbox: Inbox, parent: int, name: str, shown: Path, *, create: bool) -> int | None:
    """Open folder ``name`` of ``parent`` without following a link (creating it with
    ``create``); None when it does not exist and is not to be created."""
    try:
        st = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        if not create:
            return None
        try:
            os.mkdir(name, inbox.folder_mode, dir_fd=parent)
        except FileExistsError:
            pass  # made meanwhile: checked below like any other
        except OSError as exc:
            raise storage_error(exc, shown) from None
        st = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except OSError as exc:
        raise storage_error(exc, shown) from None
    if stat.S_ISLNK(st.st_mode):
        raise _link_refused(shown)
    if not stat.S_ISDIR(st.st_mode):
        raise _not_a_folder(shown)
    if st.st_dev != inbox.device:
        raise _other_device(shown, inbox.path)
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=parent)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # swapped for a link just now
            raise _link_refused(shown) from None
        raise storage_error(exc, shown) from None
    if os.fstat(fd).st_ino != st.st_ino:
        os.close(fd)
        raise _link_refused(shown)
    return fd


def _walk(inbox: Inbox, parts: tuple[str, ...], *, create: bool) -> int | None:
    """The open folder ``inbox/parts...``, every step without following a link."""
    fd = os.dup(inbox.fd)
    shown = inbox.path
    for part in parts:
        shown = shown / part
        try:
            child = _child(inbox, fd, part, shown, create=create)
        finally:
            os.close(fd)
        if child is None:
            return None
        fd = child
    return fd


def check_units(inbox: Inbox, units: Iterable[Path], folders: Iterable[str]) -> None:
    """Before any work: every entry that may be moved is on the inbox's file system, and
    no folder on the way to where it would go in ``.done``/``.failed`` is a link."""
    folders = tuple(folders)
    for unit in units:
        try:
            relative = unit.relative_to(inbox.path)
        except ValueError:
            continue  # an input given outside the inbox: moved by name only
        source = _walk(inbox, relative.parts[:-1], create=False)
        if source is None:
            continue
        try:
            st = os.stat(relative.name, dir_fd=source, follow_symlinks=False)
        except FileNotFoundError:
            continue
        finally:
            os.close(source)
        if st.st_dev != inbox.device:
            raise _other_device(unit, inbox.path)
        for folder in folders:
            target = _walk(inbox, (folder, *relative.parts[:-1]), create=False)
            if target is not None:
                os.close(target)


_RENAME_NOREPLACE = 1
_renameat2 = None


def _rename_noreplace(src_fd: int, src: str, dst_fd: int, dst: str) -> None:
    """``renameat2(..., RENAME_NOREPLACE)``: FileExistsError instead of replacing ``dst``.
    Where the call is missing (not Linux, old kernel, some file systems), an lstat check
    just before a plain rename."""
    global _renameat2
    if _renameat2 is None:
        try:
            _renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
        except (OSError, AttributeError):
            _renameat2 = False
    if _renameat2:
        if _renameat2(src_fd, os.fsencode(src), dst_fd, os.fsencode(dst),
                      _RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL):
            raise OSError(code, os.strerror(code), dst)
    try:
        os.stat(dst, dir_fd=dst_fd, follow_symlinks=False)
    except FileNotFoundError:
        os.rename(src, dst, src_dir_fd=src_fd, dst_dir_fd=dst_fd)
        return
    raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), dst)


def _candidates(name: str):
    yield name
    stem, dot, suffix = name.rpartition(".")
    for n in range(2, 10_000):
        yield f"{stem} ({n}).{suffix}" if dot and stem else f"{name} ({n})"


def move_into(unit: Path, inbox: Inbox, folder: str, *,
              companion: tuple[str, bytes] | None = None) -> Path:
    """Rename ``unit`` to ``inbox/<folder>/<its path relative to inbox>``; the new path.

    ``companion`` (suffix, bytes): a file written beside the new name BEFORE the rename
    (the reason file), so that a kill in between leaves the entry in the inbox, to be moved
    by the next run, never moved without its reason.
    """
    try:
        relative = unit.relative_to(inbox.path)
        source = _walk(inbox, relative.parts[:-1], create=False)
    except ValueError:
        relative = Path(unit.name)  # an input given outside the inbox: keep its name only
        try:
            source = os.open(unit.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as exc:
            raise storage_error(exc, unit) from None
    if source is None:
        raise storage_error(FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT)), unit)
    try:
        target = _walk(inbox, (folder, *relative.parts[:-1]), create=True)
        assert target is not None
        try:
            where = inbox.path / folder / relative.parent
            for name in _candidates(relative.name):
                if _exists(target, name):
                    continue
                if companion is not None:
                    _write_at(target, name + companion[0], companion[1], where)
                try:
                    _rename_noreplace(source, relative.name, target, name)
                except FileExistsError:  # taken meanwhile: the next name
                    if companion is not None:
                        _unlink_at(target, name + companion[0])
                    continue
                except OSError as exc:
                    if companion is not None:
                        _unlink_at(target, name + companion[0])
                    raise storage_error(exc, unit) from None
                os.fsync(target)
                return where / name
            raise storage_error(FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST)),
                                where / relative.name)
        finally:
            os.close(target)
    finally:
        os.close(source)


def _exists(folder: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def _unlink_at(folder: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=folder)
    except OSError:
        pass


def _write_at(folder: int, name: str, data: bytes, shown: Path) -> None:
    """Write ``name`` in the open ``folder``, crash-safe (temporary name, fsync, rename),
    with the modes of every other output, through no link (a link in its place is
    replaced, never followed)."""
    tmp = f".trams-tmp-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                      FILE_MODE, dir_fd=folder)
        try:
            os.write(out, data)
            os.fsync(out)
        finally:
            os.close(out)
        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
        os.fsync(folder)
    except OSError as exc:
        _unlink_at(folder, tmp)
        raise storage_error(exc, shown / name) from None


def reason_text(unit: Path, failures: list[tuple[str, TramsError]], *, inbox: Path,
                archived: list[str]) -> str:
    """What a clerk reads in ``.failed/NAME.reason.txt`` (in the run's language)."""
    lines = [_("TRAMS could not process {name} ({time}).", name=unit.name,
               time=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")), ""]
    for name, error in failures:
        lines.append(_("Document: {name}", name=name))
        lines.append(_("Problem: {message}", message=error.message.rstrip(".")))
        if error.path is not None:
            lines.append(_("File: {path}", path=error.path))
        if error.hint:
            lines.append(_("What to do: {hint}", hint=error.hint))
        lines.append(_("Error code: {code}", code=error.code))
        lines.append("")
    if archived:
        lines.append(_("Already archived from this entry (they will be skipped next time): "
                       "{names}", names=", ".join(archived)))
        lines.append("")
    lines.append(_("When it is fixed, put it back into {inbox} and run TRAMS again.",
                   inbox=inbox))
    return "\n".join(lines) + "\n"


def move_failed(unit: Path, inbox: Inbox, text: str) -> Path:
    """Move ``unit`` into ``.failed/`` with its reason file beside it (written first)."""
    return move_into(unit, inbox, FAILED_DIR,
                     companion=(REASON_SUFFIX, text.encode("utf-8")))


def waiting_in_failed(inbox: Path) -> int:
    """How many inputs wait in ``inbox/.failed`` for a clerk (their reason files aside)."""
    try:
        return sum(1 for entry in (inbox / FAILED_DIR).iterdir()
                   if not entry.name.endswith(REASON_SUFFIX))
    except OSError:
        return 0
