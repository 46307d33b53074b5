"""The archive's commit protocol (see :mod:`.store`): staging a transaction's files, before
the commit point; then finishing a staged transaction (the normal path and the
roll-forward after a crash are the same idempotent steps), rolling back one that did not
reach the commit point, and the recovery at open."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from trams.archive import bag
from trams.archive.layout import PAYLOAD_DIR, RECORD_JSON
from trams.archive.state import _doc
from trams.errors import ArchiveError, TramsError
from trams.faults import disk_full, fault, hit, kill_now
from trams.fs import TMP_PREFIX, fsync_dir, sha256_file, storage_error
from trams.i18n import _

if TYPE_CHECKING:
    from trams.archive.store import Archive


def remove_tree(path: Path) -> None:
    """Remove a staging folder (its files are read-only, the folder is not)."""
    shutil.rmtree(path, ignore_errors=True)


def _mkdirs(root: Path, folder: Path) -> None:
    """Create ``folder`` and missing parents, fsyncing each parent so the names persist."""
    missing = []
    path = folder
    while not path.exists() and path != root:
        missing.append(path)
        path = path.parent
    for path in reversed(missing):
        path.mkdir()
        fsync_dir(path.parent)


def _link(staged: Path, final: Path) -> None:
    try:
        os.link(staged, final)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
            raise
        # No hard links here (another file system mounted inside the archive): copy to a
        # temporary name in the same folder, then link that (never replaces a name).
        tmp = final.with_name(f"{TMP_PREFIX}{final.name}")
        with open(staged, "rb") as fin, open(tmp, "wb") as fout:
            fout.write(fin.read())
            fout.flush()
            os.fsync(fout.fileno())
        os.chmod(tmp, 0o444)
        os.link(tmp, final)
        tmp.unlink()


def stage(a: Archive, txid: str, contents: dict[str, bytes | Path], sha: str) -> list[dict]:
    """Step 1: write the files of transaction ``txid`` into its staging folder, read-only
    and fsynced with the folder; ``sha``: the SHA-256 the PDF copied in (the one Path in
    ``contents``) must have. Returns the files' names, hashes and sizes."""
    folder = a.staging(txid)
    folder.mkdir(parents=True)
    files = []
    for name, content in contents.items():
        target = folder / name
        if isinstance(content, Path):
            _copy(content, target)
            got, size = sha256_file(target)
            if got != sha:
                raise ArchiveError(_("the document changed while it was being archived"),
                                   path=content, hint=_("Run the command again."),
                                   code="document_changed")
        else:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                os.write(fd, content)
                os.fsync(fd)
            finally:
                os.close(fd)
            got, size = sha256_file(target)
            kind = ("stage.record_json_written" if name.startswith(RECORD_JSON + ".")
                    else "stage.json_written" if name.endswith(".json")
                    else "stage.sidecar_written")
            fault(kind)
        os.chmod(target, 0o444)
        files.append({"name": name, "sha256": got, "size": size})
    fsync_dir(folder)
    fault("stage.done")
    return files


def finish(a: Archive, row: dict, *, recovering: bool) -> None:
    folder = a.root / row["folder"]
    data = folder / PAYLOAD_DIR
    staging = a.staging(row["txid"])
    try:
        _mkdirs(a.root, data)
        for i, f in enumerate(row["files"]):
            final, staged = data / f["name"], staging / f["name"]
            if os.path.lexists(final):
                if staged.exists() and os.path.samefile(staged, final):
                    continue
                if not staged.exists() and sha256_file(final)[0] == f["sha256"]:
                    continue
                raise ArchiveError(_("a file unknown to the archive state is in the way"),
                                   path=final,
                                   hint=_("Run `trams archive check` to find out why."),
                                   code="archive_unknown_file")
            _link(staged, final)
            if i == 0:
                fault("link.first")
        fault("link.all")
        fsync_dir(data)
        if recovering:
            fault("recover.rolled_forward_links")
        entries = bag.read_manifest(folder / bag.MANIFEST)
        entries.update({bag.payload_name(f["name"]): f["sha256"] for f in row["files"]})
        bag.write_tags(folder, entries, external_id=row["record_code"],
                       organization=row["record"].get("organization") or "")
        last = a.journal.last()
        if last and last.get("txid") == row["txid"] and last.get("event") == "archived":
            head = a.journal.verify().head  # appended before a crash: do not repeat it
        else:
            head = a.journal.append(
                a.journal_head(), "archived", txid=row["txid"], doc_code=row["doc_code"],
                record_code=row["record_code"], folder=row["folder"],
                sequence=row["sequence"], version=row["version"], sha256=row["sha256"],
                source_sha256=row["source_hash"],
                files={f["name"]: f["sha256"] for f in row["files"]}, recovered=recovering)
            if recovering:
                fault("recover.journal_appended")
    except (OSError, TramsError) as exc:
        if not recovering:
            a.release_reserve()  # room to undo, even on a full disk
            abort(a, row["txid"], error=str(exc))
        if isinstance(exc, OSError):
            raise storage_error(exc, folder) from None
        raise
    output = f"{row['folder']}/{PAYLOAD_DIR}/{row['pdf']}"

    def commit() -> None:
        with a.state.transaction() as db:
            db.execute("UPDATE documents SET stage = 'done' WHERE txid = ?", (row["txid"],))
            a.state.set_item(db, row["source_hash"], stage="archive", status="archived",
                             output_path=output, agency_code=row["agency_code"])
            db.execute("INSERT OR REPLACE INTO records (folder, record_code, agency_code,"
                       " version, record_key) VALUES (?, ?, ?, ?, ?)",
                       (row["folder"], row["record_code"], row["agency_code"],
                        row["record"]["version"], row["record"]["key"]))
            a.state.set_head(db, head)

    a.commit_with_reserve(commit)  # the document is in its bag and the journal: keep it
    fault("state.done")
    remove_tree(staging)
    fault("staging.removed")


def abort(a: Archive, txid: str, *, error: str) -> None:
    rows = a.state.query("SELECT * FROM documents WHERE txid = ?", txid)
    if not rows:
        return
    row = _doc(rows[0])
    folder = a.root / row["folder"]
    data = folder / PAYLOAD_DIR
    staging = a.staging(txid)
    ours = set()
    for f in row["files"]:
        final, staged = data / f["name"], staging / f["name"]
        ours.add(bag.payload_name(f["name"]))
        if final.exists() and staged.exists() and os.path.samefile(staged, final):
            final.unlink()
    if data.exists():
        fsync_dir(data)
    remove_tree(staging)
    entries = bag.read_manifest(folder / bag.MANIFEST)
    if folder.exists():
        for name in os.listdir(folder):
            if name.startswith(TMP_PREFIX):
                (folder / name).unlink(missing_ok=True)
    if ours & entries.keys() or (not entries and (folder / "bagit.txt").exists()):
        for name in ours:
            entries.pop(name, None)
        if entries:
            bag.write_tags(folder, entries, external_id=row["record_code"],
                           organization=row["record"].get("organization") or "")
        else:  # a record this transaction created: remove it entirely
            for name in bag.TAG_FILES:
                (folder / name).unlink(missing_ok=True)
    _remove_empty(a.root, data)
    with a.state.transaction() as db:
        db.execute("DELETE FROM documents WHERE txid = ?", (txid,))
        if row["source_hash"]:
            a.state.set_item(db, row["source_hash"], stage="archive", status="failed",
                             error=error, agency_code=row["agency_code"])


def _remove_empty(root: Path, folder: Path) -> None:
    while folder != root and folder.is_dir():
        try:
            folder.rmdir()
        except OSError:
            return
        fsync_dir(folder.parent)
        folder = folder.parent


def _staged_ok(a: Archive, row: dict) -> bool:
    data = a.root / row["folder"] / PAYLOAD_DIR
    for f in row["files"]:
        staged, final = a.staging(row["txid"]) / f["name"], data / f["name"]
        path = staged if staged.exists() else final
        if not path.exists() or sha256_file(path)[0] != f["sha256"]:
            return False
    return True


def recover(a: Archive) -> None:
    """Make the archive consistent after a crash: run at every writer's open."""
    if a.journal.repair_tail():
        a.recovered.append({"action": "journal_tail_cut"})
    report, stored = a.journal.verify(), a.state.head()
    if report.broken_at is None and report.entries > stored.seq:
        # Lines appended before a crash, state not updated: accept them if they follow on.
        entries = a.journal.entries()
        if entries[stored.seq].get("prev") == stored.hash:
            with a.state.transaction() as db:
                a.state.set_head(db, report.head)
    pending = a.state.pending()
    if pending:
        a.release_reserve()  # finishing or undoing must not fail for want of space
    for row in pending:
        folder = a.root / row["folder"]
        if row["stage"] == "staged" and _staged_ok(a, row):
            finish(a, row, recovering=True)
            action = "rolled_forward"
        else:
            abort(a, row["txid"], error=_("interrupted before it was archived; run again"))
            action = "rolled_back"
        a.recovered.append({"action": action, "txid": row["txid"], "doc_code": row["doc_code"],
                            "folder": str(folder)})
    staging = a.meta / "staging"
    for leftover in staging.iterdir() if staging.exists() else ():
        remove_tree(leftover)  # no pending transaction owns it any more
        a.recovered.append({"action": "staging_removed", "txid": leftover.name})
    folders = {a.root / r["folder"] for r in a.state.records()}
    for folder in folders | {a.meta}:
        for sub in (folder, folder / PAYLOAD_DIR):
            for name in os.listdir(sub) if sub.is_dir() else ():
                if name.startswith(TMP_PREFIX):
                    (sub / name).unlink(missing_ok=True)
                    a.recovered.append({"action": "temp_removed", "path": str(sub / name)})


def _copy(src: Path, dst: Path) -> None:
    """Copy ``src`` to a new file ``dst`` and fsync it (with fault and disk-full points)."""
    with open(src, "rb") as fin, open(dst, "xb") as fout:
        disk_full("stage.pdf")
        if hit("stage.pdf_partial"):  # a torn copy: half the bytes, then kill -9
            fout.write(fin.read(max(1, os.fstat(fin.fileno()).st_size // 2)))
            fout.flush()
            kill_now()
        shutil.copyfileobj(fin, fout, 1 << 20)
        fout.flush()
        fault("stage.pdf_written")
        os.fsync(fout.fileno())
