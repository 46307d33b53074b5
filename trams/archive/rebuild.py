"""``trams archive rebuild``: the state database made again from the bags.

The bags are the truth. When ``.trams/state.sqlite`` is lost, emptied or damaged, this
reads every bag, checks it against its manifests (a bag that fails is *refused*: left out
of the state and named in the report, to be restored from a backup), and writes a new
state database: one row per archived document version (from the document JSON beside each
PDF), the records (from ``record.json``), the runner's view of inputs (each document's
source hash is "archived", so a rerun skips them) and the journal head, once the journal's
hash chain is verified (its transaction ids are reused, so ``archive check`` finds every
document in the journal). The new database is written beside the old one and renamed over
it; the old one is kept as ``state.sqlite.damaged-<time>``. Then the search index is
rebuilt and the archive checked, and both results are part of the report.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from trams.archive.check import CheckReport, Problem, _bag_problems, _walk
from trams.archive.index import INDEX_DIR, ReindexReport, reindex
from trams.archive.journal import Journal
from trams.archive.layout import PAYLOAD_DIR, RECORD_JSON, STATE_DIR
from trams.archive.records import content_key, mean_confidence, record_key
from trams.archive.state import State, diagnose_state
from trams.archive.store import Archive
from trams.errors import ArchiveBusyError, ArchiveError, ExitCode
from trams.fs import fsync_dir, read_json_object, storage_error
from trams.i18n import _
from trams.metadata import DocumentMetadata, RecordMetadata

# problems that make a bag unusable (temporary files and write bits do not)
REFUSING = {"checksum_mismatch", "missing_file", "unexpected_file", "tag_mismatch",
            "bag_invalid", "inconsistent"}
_VERSIONED = re.compile(r"^(?P<stem>.+?)(?:\.v(?P<v>\d+))?\.(?P<ext>pdf|json|txt)$")


@dataclass(frozen=True)
class RefusedBag:
    folder: str
    problems: tuple[Problem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "problems": [p.to_dict() for p in self.problems]}


@dataclass(frozen=True)
class RebuildReport:
    root: str
    records: int
    documents: int
    inputs: int
    refused: tuple[RefusedBag, ...]
    journal_entries: int
    journal_broken_at: int | None
    not_in_journal: tuple[str, ...]  # documents in bags the journal does not record
    lost: tuple[str, ...]  # documents the journal records that no valid bag holds
    backup: str | None  # where the replaced state database was kept
    check: CheckReport | None
    index: ReindexReport | None
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return (not self.refused and self.journal_broken_at is None and not self.lost
                and (self.check is None or self.check.ok))

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK if self.ok else ExitCode.ARCHIVE_INTEGRITY

    def to_dict(self) -> dict[str, Any]:
        return {"root": self.root, "ok": self.ok, "records": self.records,
                "documents": self.documents, "inputs": self.inputs,
                "refused": [r.to_dict() for r in self.refused],
                "journal": {"entries": self.journal_entries,
                            "broken_at": self.journal_broken_at},
                "not_in_journal": list(self.not_in_journal), "lost": list(self.lost),
                "backup": self.backup,
                "check": self.check.to_dict() if self.check else None,
                "index": self.index.to_dict() if self.index else None}




def _lock(meta: Path) -> int:
    try:
        fd = os.open(meta / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise storage_error(exc, meta) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise ArchiveBusyError(_("another process (pid {pid}) is writing to this archive",
                                 pid=holder), path=meta.parent,
                               hint=_("Wait until it has finished, then run the command "
                                      "again.")) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def state_is_healthy(db: Path, root: Path) -> bool:
    if diagnose_state(db, root) is not None or not db.exists():
        return False
    try:
        con = sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)
        try:
            return con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return False


def _record_versions(folder: Path, manifest: dict[str, str]) -> dict[int, dict]:
    out = {}
    for name in manifest:
        base = name[len(PAYLOAD_DIR) + 1:]
        m = _VERSIONED.match(base)
        if m and m["stem"] == RECORD_JSON and m["ext"] == "json":
            out[int(m["v"] or 1)] = read_json_object(folder / name)
    return out


def _collect(root: Path, rel: str, manifest: dict[str, str], archived: dict,
             problems: list[Problem]) -> tuple[dict | None, list[dict]]:
    """(records row, documents rows) of one valid bag."""
    folder = root / rel
    records = _record_versions(folder, manifest)
    if not records:
        problems.append(Problem("inconsistent", rel, params={"reason": "no record.json"}))
        return None, []
    top = max(records)
    record_data = records[top]
    try:
        record = RecordMetadata.model_validate(record_data.get("record") or {})
    except ValueError as exc:
        problems.append(Problem("inconsistent", rel, params={"reason": f"record.json: {exc}"}))
        return None, []
    agency = record_data.get("agencyCode") or ""
    rec_row = {"folder": rel, "record_code": record.fileCode, "agency_code": agency,
               "version": top, "record_key": record_key(record)}
    created = {v: str(d.get("createdAt") or "") for v, d in records.items()}
    keys = {}
    for v, d in records.items():
        try:
            keys[v] = record_key(RecordMetadata.model_validate(d.get("record") or {}))
        except ValueError:
            continue
    docs = []
    for name in sorted(manifest):
        base = name[len(PAYLOAD_DIR) + 1:]
        m = _VERSIONED.match(base)
        if not m or m["ext"] != "json" or m["stem"] == RECORD_JSON:
            continue
        data = read_json_object(folder / name)
        if data.get("schema") != "trams.document/1":
            continue
        pdf = data.get("file")
        pdf_name = f"{PAYLOAD_DIR}/{pdf}"
        if not isinstance(pdf, str) or manifest.get(pdf_name) != data.get("sha256"):
            problems.append(Problem("inconsistent", f"{rel}/{name}",
                                    params={"reason": "its PDF is not in the manifest with "
                                                      "this SHA-256"}))
            continue
        sidecar = data.get("sidecar") if isinstance(data.get("sidecar"), str) else None
        sidecar_bytes = (folder / PAYLOAD_DIR / sidecar).read_bytes() if sidecar else None
        try:
            document = DocumentMetadata.model_validate(data.get("fields") or {})
        except ValueError as exc:
            problems.append(Problem("inconsistent", f"{rel}/{name}",
                                    params={"reason": str(exc).splitlines()[0]}))
            continue
        version, sequence = int(data.get("version") or 1), int(data.get("sequence") or 1)
        entry = archived.get((rel, sequence, version))
        if entry is not None and entry.get("sha256") == data["sha256"]:
            txid = entry["txid"]
            files = [{"name": n, "sha256": h,
                      "size": (folder / PAYLOAD_DIR / n).stat().st_size}
                     for n, h in (entry.get("files") or {}).items()]
        else:
            txid = None
            when = str(data.get("archivedAt") or "")
            names = [pdf, base, *([sidecar] if sidecar else []),
                     *(f"{RECORD_JSON}.json" if v == 1 else f"{RECORD_JSON}.v{v}.json"
                       for v, at in created.items() if at == when)]
            files = [{"name": n, "sha256": manifest.get(f"{PAYLOAD_DIR}/{n}"),
                      "size": (folder / PAYLOAD_DIR / n).stat().st_size} for n in names]
        record_version = max((v for v, at in created.items()  # see _record_versions_by_journal
                              if at and at <= str(data.get("archivedAt") or "")), default=top)
        quality = data.get("quality") if isinstance(data.get("quality"), dict) else {}
        docs.append({
            "txid": txid, "stage": "done", "source_hash": data.get("sourceSha256"),
            "folder": rel, "record_code": data.get("recordCode") or record.fileCode,
            "doc_code": data.get("docCode") or document.doc_code(record),
            "sequence": sequence, "version": version, "sha256": data["sha256"],
            "content_key": content_key(document, data["sha256"], sidecar_bytes),
            "size": data.get("size"), "page_count": data.get("pageCount"),
            "signed": int(bool(data.get("signatures"))),
            "verdict": data.get("signatureVerdict"),
            "mean_confidence": mean_confidence(quality),
            "quality_verdict": quality.get("verdict"), "pdf": pdf, "files": files,
            "record": {"version": record_version,
                       "key": keys.get(record_version, rec_row["record_key"]),
                       "organization": ""},
            "agency_code": agency, "archived_at": data.get("archivedAt"),
            "_journal_seq": entry.get("seq") if entry else None,
            "_record_keys": keys,
        })
    return rec_row, docs


def _record_versions_by_journal(docs: list[dict]) -> None:
    """The record version each document was archived under: the record.json its own
    transaction wrote, else the one in force for the folder before it (journal order).
    Archiving times have one-second resolution, so they alone cannot tell."""
    current: dict[str, int] = {}
    for doc in docs:
        names = [f["name"] for f in doc["files"]]
        written = [int(m["v"] or 1) for n in names if (m := _VERSIONED.match(n))
                   and m["stem"] == RECORD_JSON and m["ext"] == "json"]
        version = max(written) if written else current.get(doc["folder"])
        if version is None:
            continue
        current[doc["folder"]] = version
        keys = doc["_record_keys"]
        if version in keys:
            doc["record"] = {**doc["record"], "version": version, "key": keys[version]}


def rebuild(root: Path | str, *, force: bool = False, jobs: int = 2) -> RebuildReport:
    """Rebuild ``root``'s state database (and search index) from its bags."""
    root = Path(root)
    meta = root / STATE_DIR
    db = meta / "state.sqlite"
    if not meta.is_dir():
        raise ArchiveError(_("this folder is not a TRAMS archive (no .trams folder)"),
                           path=root, hint=_("Give the archive's folder."), code="not_an_archive")
    if not force and state_is_healthy(db, root):
        raise ArchiveError(_("the archive state database is not damaged; rebuilding it "
                             "would replace it"), path=db,
                           hint=_("Run `trams archive check` first; rebuild anyway with "
                                  "--force."), code="archive_state_healthy")
    lock = _lock(meta)
    try:
        journal = Journal(meta / "journal.jsonl")
        chain = journal.verify()
        entries = []
        for number, line in enumerate(journal.entries(), start=1):
            if chain.broken_at is not None and number >= chain.broken_at:
                break
            entries.append(line)
        archived = {(e.get("folder"), int(e.get("sequence") or 0), int(e.get("version") or 0)):
                    e for e in entries if e.get("event") == "archived"}
        bags, _loose = _walk(root)
        refused: list[RefusedBag] = []
        records, docs = [], []
        for rel in sorted(bags):
            problems: list[Problem] = []
            manifest, _files = _bag_problems(root / rel, rel, problems)
            bad = [p for p in problems if p.kind in REFUSING]
            if not bad:
                rec, rows = _collect(root, rel, manifest, archived, problems)
                bad = [p for p in problems if p.kind in REFUSING]
            if bad:
                refused.append(RefusedBag(rel, tuple(bad)))
                continue
            records.append(rec)
            docs.extend(rows)
        docs.sort(key=lambda d: (d["_journal_seq"] or 10**12, d["archived_at"] or "",
                                 d["folder"], d["sequence"], d["version"]))
        _record_versions_by_journal(docs)
        known = {(d["folder"], d["sequence"], d["version"]) for d in docs}
        lost = tuple(e.get("doc_code") or "?" for k, e in archived.items() if k not in known)
        not_in_journal = tuple(d["doc_code"] for d in docs if d["txid"] is None)
        backup = _write_state(meta, db, records, docs, chain.head)
        shutil.rmtree(meta / INDEX_DIR, ignore_errors=True)  # made for the old state
    finally:
        os.close(lock)
    with Archive.open(root, writer=True) as archive:
        index = reindex(archive, jobs=jobs)
        check = archive.check()
    return RebuildReport(root=str(root), records=len(records), documents=len(docs),
                         inputs=len({d["source_hash"] for d in docs if d["source_hash"]}),
                         refused=tuple(refused), journal_entries=len(entries),
                         journal_broken_at=chain.broken_at, not_in_journal=not_in_journal,
                         lost=lost, backup=backup, check=check, index=index)


def _write_state(meta: Path, db: Path, records: list[dict], docs: list[dict],
                 head: Any) -> str | None:
    new = meta / "state.sqlite.rebuild"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{new}{suffix}").unlink(missing_ok=True)
    state = State(new)
    try:
        with state.transaction() as con:
            for rec in records:
                con.execute("INSERT INTO records (folder, record_code, agency_code, version,"
                            " record_key) VALUES (?, ?, ?, ?, ?)",
                            (rec["folder"], rec["record_code"], rec["agency_code"],
                             rec["version"], rec["record_key"]))
            for doc in docs:
                row = {k: v for k, v in doc.items() if not k.startswith("_")}
                row["txid"] = row["txid"] or uuid.uuid4().hex
                cols = ", ".join(row)
                con.execute(f"INSERT INTO documents ({cols}) VALUES "
                            f"({', '.join('?' * len(row))})",
                            [json.dumps(v) if isinstance(v, list | dict) else v
                             for v in row.values()])
                if row["source_hash"]:
                    state.set_item(con, row["source_hash"], stage="archive", status="archived",
                                   output_path=f"{row['folder']}/{PAYLOAD_DIR}/{row['pdf']}",
                                   agency_code=row["agency_code"])
            state.set_head(con, head)
        state.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        state.close()
    backup = None
    if db.exists():
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
        backup = meta / f"state.sqlite.damaged-{stamp}"
        os.replace(db, backup)
    for suffix in ("-wal", "-shm"):
        old = Path(f"{db}{suffix}")
        if old.exists():
            os.replace(old, f"{backup or db}{suffix}.old")
    os.replace(new, db)
    for suffix in ("-wal", "-shm"):
        Path(f"{new}{suffix}").unlink(missing_ok=True)
    fsync_dir(meta)
    return str(backup) if backup else None
