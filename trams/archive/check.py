"""``archive check``: fixity, bag validity, journal chain, state against files.

A verdict, not an exception: :func:`check` returns a frozen :class:`CheckReport`; problems
of severity ``error`` make ``report.ok`` false (the CLI then exits with ARCHIVE_INTEGRITY).
Every payload file is hashed once and compared with its manifest; the tag manifest is
checked; the ``bagit`` library (the reference implementation) validates each bag's structure
and completeness; the journal chain is walked; each archived document must be in its bag and
in the journal, and each file in a bag must be known to the state. ``deep`` also verifies
every archived PDF's signatures with the injected verifier.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bagit

from trams.archive import bag
from trams.archive.index import index_folder, status_of
from trams.archive.journal import Journal
from trams.archive.layout import PAYLOAD_DIR, STATE_DIR
from trams.archive.records import Verifier
from trams.archive.search_index import FRESH
from trams.errors import ExitCode
from trams.fs import TMP_PREFIX, sha256_file
from trams.i18n import N_, translate_to
from trams.rules import ERROR, INDETERMINATE, TOTAL_FAILED

if TYPE_CHECKING:
    from trams.archive.store import Archive

MESSAGES = {
    "checksum_mismatch": N_("content changed: SHA-256 differs from the manifest"),
    "missing_file": N_("file listed in the manifest is missing"),
    "unexpected_file": N_("file in the bag is not listed in its manifest"),
    "tag_mismatch": N_("tag file changed: SHA-256 differs from the tag manifest"),
    "bag_invalid": N_("not a valid BagIt bag: {reason}"),
    "record_missing": N_("record folder known to the archive state is missing"),
    "unknown_record": N_("bag not known to the archive state"),
    "unknown_file": N_("file unknown to the archive (outside every record)"),
    "temporary_file": N_("leftover temporary file of an interrupted write"),
    "interrupted_write": N_("interrupted write of {doc_code}: open the archive for writing "
                            "(any `trams archive add` or batch run) to finish or undo it"),
    "not_in_bag": N_("archived file of {doc_code} is not in its bag's manifest"),
    "unknown_to_state": N_("file in the manifest is unknown to the archive state"),
    "journal_broken": N_("journal chain broken at line {line}: a line was edited or removed"),
    "journal_torn": N_("journal ends with an incomplete line (interrupted append)"),
    "journal_truncated": N_("journal shortened: {found} entries, the state expects {expected}"),
    "journal_changed": N_("journal entry {line} differs from the one the state recorded"),
    "not_in_journal": N_("archived document {doc_code} has no journal entry"),
    "journal_unknown": N_("journal records document {doc_code}, unknown to the archive state"),
    "writable_file": N_("archived file is not read-only"),
    "signature_failed": N_("signature verification failed ({verdict})"),
    "signature_failed_as_archived": N_("signature verification failed ({verdict}), as when "
                                       "the document was archived unverified on request"),
    "signature_indeterminate": N_("signature verification indeterminate"),
    "inconsistent": N_("the bag's files do not agree with each other ({reason})"),
    "document_missing": N_("the archived PDF of {doc_code} is missing: restore it from a "
                           "backup copy (the bag's manifest holds its SHA-256)"),
    "state_missing": N_("the archive state database is missing, but the archive holds "
                        "records: run `trams archive rebuild` to rebuild it from the bags"),
    "state_empty": N_("the archive state database is empty, but the archive holds records: "
                      "run `trams archive rebuild` to rebuild it from the bags"),
    "state_damaged": N_("the archive state database is damaged ({reason}): run `trams "
                        "archive rebuild` to rebuild it from the bags"),
    "index_missing": N_("the search index is missing: run `trams archive reindex` to build "
                        "it from the bags"),
    "index_stale": N_("the search index is behind the archive by {behind} journal entries "
                      "(an interrupted update): run `trams archive reindex` (the next run "
                      "also catches up)"),
    "index_damaged": N_("the search index cannot be used ({detail}): run `trams archive "
                        "reindex`"),
    "index_outdated": N_("the search index was made by another version ({detail}): run "
                         "`trams archive reindex`"),
}


@dataclass(frozen=True)
class Problem:
    kind: str
    path: str
    severity: str = "error"  # error | warning
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        return translate_to(lang, MESSAGES[self.kind], **self.params)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "severity": self.severity, "path": self.path,
                "message": self.text("en"), **({"params": self.params} if self.params else {})}


@dataclass(frozen=True)
class CheckReport:
    root: str
    records: int
    documents: int
    files: int
    journal_entries: int
    deep: bool
    signatures_checked: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK if self.ok else ExitCode.ARCHIVE_INTEGRITY

    def to_dict(self) -> dict[str, Any]:
        return {"root": self.root, "ok": self.ok, "records": self.records,
                "documents": self.documents, "files": self.files,
                "journal_entries": self.journal_entries, "deep": self.deep,
                "signatures_checked": self.signatures_checked,
                "problems": [p.to_dict() for p in self.problems]}


def _bag_problems(folder: Path, rel: str, problems: list[Problem]) -> tuple[dict[str, str], int]:
    manifest = bag.read_manifest(folder / bag.MANIFEST)
    checked = 0
    for name, digest in sorted(manifest.items()):
        path = folder / name
        if not path.is_file():
            problems.append(Problem("missing_file", f"{rel}/{name}"))
            continue
        checked += 1
        if sha256_file(path)[0] != digest:
            problems.append(Problem("checksum_mismatch", f"{rel}/{name}"))
        elif os.stat(path).st_mode & 0o222:
            problems.append(Problem("writable_file", f"{rel}/{name}", "warning"))
    data = folder / PAYLOAD_DIR
    for dirpath, _dirs, names in os.walk(data):
        for name in names:
            relname = Path(dirpath, name).relative_to(folder).as_posix()
            if name.startswith(TMP_PREFIX):
                problems.append(Problem("temporary_file", f"{rel}/{relname}"))
            elif relname not in manifest:
                problems.append(Problem("unexpected_file", f"{rel}/{relname}"))
    for name, digest in bag.read_manifest(folder / bag.TAGMANIFEST).items():
        path = folder / name
        if not path.is_file() or sha256_file(path)[0] != digest:
            problems.append(Problem("tag_mismatch", f"{rel}/{name}"))
    for name in os.listdir(folder):
        if name.startswith(TMP_PREFIX):
            problems.append(Problem("temporary_file", f"{rel}/{name}"))
    logging.getLogger("bagit").setLevel(logging.CRITICAL)
    try:  # the reference implementation: structure, bagit.txt, Payload-Oxum, completeness
        bagit.Bag(str(folder)).validate(completeness_only=True)
    except bagit.BagError as exc:
        problems.append(Problem("bag_invalid", rel, params={"reason": str(exc)}))
    return manifest, checked


def _walk(root: Path) -> tuple[set[str], list[str]]:
    """Bag folders (relative) and files outside any bag, skipping .trams."""
    bags: set[str] = set()
    loose: list[str] = []
    for dirpath, dirs, names in os.walk(root):
        here = Path(dirpath)
        if here == root and STATE_DIR in dirs:
            dirs.remove(STATE_DIR)
        if "bagit.txt" in names:
            bags.add(here.relative_to(root).as_posix())
            dirs[:] = []  # a bag's content is checked by _bag_problems
            continue
        loose.extend((here / n).relative_to(root).as_posix() for n in names)
    return bags, loose


def check(a: Archive, *, deep: bool = False, verifier: Verifier | None = None) -> CheckReport:
    if deep and verifier is None:
        raise ValueError("a deep check needs a signature verifier")
    problems: list[Problem] = []
    for row in a.state.pending():
        problems.append(Problem("interrupted_write", row["folder"],
                                params={"doc_code": row["doc_code"]}))
    bags, loose = _walk(a.root)
    for path in loose:
        kind = "temporary_file" if Path(path).name.startswith(TMP_PREFIX) else "unknown_file"
        problems.append(Problem(kind, path))
    known = {r["folder"] for r in a.state.records()}
    for folder in sorted(known - bags):
        problems.append(Problem("record_missing", folder))
    for folder in sorted(bags - known):
        problems.append(Problem("unknown_record", folder))
    docs = a.state.documents()
    files = 0
    manifests: dict[str, dict[str, str]] = {}
    for folder in sorted(bags & known):
        manifests[folder], count = _bag_problems(a.root / folder, folder, problems)
        files += count
    claimed: dict[str, set[str]] = {}
    for doc in docs:
        manifest = manifests.get(doc["folder"])
        if manifest is None:
            continue
        for f in doc["files"]:
            name = bag.payload_name(f["name"])
            claimed.setdefault(doc["folder"], set()).add(name)
            if manifest.get(name) != f["sha256"]:
                problems.append(Problem("not_in_bag", f"{doc['folder']}/{name}",
                                        params={"doc_code": doc["doc_code"]}))
    for folder, manifest in manifests.items():
        for name in sorted(set(manifest) - claimed.get(folder, set())):
            problems.append(Problem("unknown_to_state", f"{folder}/{name}"))
    _missing_documents(a, docs, problems)
    journal_entries = _journal_problems(a, docs, problems)
    checked = 0
    if deep:
        for doc in docs:
            pdf = a.root / doc["folder"] / PAYLOAD_DIR / doc["pdf"]
            if not pdf.is_file():
                continue
            verdict = str(verifier(pdf).get("verdict"))
            checked += 1
            rel = f"{doc['folder']}/{PAYLOAD_DIR}/{doc['pdf']}"
            if verdict in (TOTAL_FAILED, ERROR) and verdict == doc.get("verdict"):
                # archived so on purpose (`archive add --force-unverified`): still an error
                # for the auditor, but the bytes did not change since
                problems.append(Problem("signature_failed_as_archived", rel,
                                        params={"verdict": verdict}))
            elif verdict in (TOTAL_FAILED, ERROR):
                problems.append(Problem("signature_failed", rel, params={"verdict": verdict}))
            elif verdict == INDETERMINATE:
                problems.append(Problem("signature_indeterminate", rel, "warning"))
    problems.extend(index_problems(a))
    return CheckReport(root=str(a.root), records=len(known), documents=len(docs), files=files,
                       journal_entries=journal_entries, deep=deep, signatures_checked=checked,
                       problems=tuple(problems))


def _missing_documents(a: Archive, docs: list[dict], problems: list[Problem]) -> None:
    """A document whose archived PDF is gone is named, with the fix (not only its file)."""
    by_path = {f"{d['folder']}/{PAYLOAD_DIR}/{d['pdf']}": d for d in docs}
    for i, problem in enumerate(problems):
        doc = by_path.get(problem.path)
        if problem.kind == "missing_file" and doc is not None:
            problems[i] = Problem("document_missing", problem.path,
                                  params={"doc_code": doc["doc_code"]})


def index_problems(a: Archive) -> list[Problem]:

    status = status_of(a)
    if status.state == FRESH:
        return []
    path = str(index_folder(a).relative_to(a.root))
    params = {"stale": {"behind": status.behind}, "missing": {}}.get(
        status.state, {"detail": status.detail})
    return [Problem(f"index_{status.state}", path, "warning", params=params)]


def damaged_state_report(root: Path, error: Any) -> CheckReport:
    """``archive check`` when the state database is missing, empty or damaged: that, and
    whether the bags themselves and the journal are intact (what `rebuild` will use)."""

    problems = [Problem(f"state_{error.kind}", f"{STATE_DIR}/state.sqlite",
                        params={"reason": error.reason} if error.reason else {})]
    bags, _loose = _walk(root)
    files = 0
    for folder in sorted(bags):
        files += _bag_problems(root / folder, folder, problems)[1]
    chain = Journal(root / STATE_DIR / "journal.jsonl").verify()
    if chain.broken_at is not None:
        problems.append(Problem("journal_broken", f"{STATE_DIR}/journal.jsonl",
                                params={"line": chain.broken_at}))
    return CheckReport(root=str(root), records=len(bags), documents=0, files=files,
                       journal_entries=chain.entries, deep=False, signatures_checked=0,
                       problems=tuple(problems))


def _journal_problems(a: Archive, docs: list[dict], problems: list[Problem]) -> int:
    path = str(a.journal.path.relative_to(a.root))
    report = a.journal.verify()
    stored = a.state.head()
    if report.torn_tail:
        problems.append(Problem("journal_torn", path))
    if report.broken_at is not None:
        problems.append(Problem("journal_broken", path, params={"line": report.broken_at}))
        return report.entries
    entries = a.journal.entries()
    if len(entries) < stored.seq:
        problems.append(Problem("journal_truncated", path,
                                params={"found": len(entries), "expected": stored.seq}))
    elif stored.seq and (entries[stored.seq - 1]["seq"] != stored.seq
                         or (stored.seq < len(entries)
                             and entries[stored.seq]["prev"] != stored.hash)
                         or (stored.seq == len(entries) and report.head.hash != stored.hash)):
        problems.append(Problem("journal_changed", path, params={"line": stored.seq}))
    archived = {e.get("txid"): e for e in entries if e.get("event") == "archived"}
    txids = {d["txid"] for d in docs}
    for doc in docs:
        if doc["txid"] not in archived:
            problems.append(Problem("not_in_journal", path, params={"doc_code": doc["doc_code"]}))
    pending = {d["txid"] for d in a.state.pending()}
    for txid, entry in archived.items():
        if txid not in txids and txid not in pending:
            problems.append(Problem("journal_unknown", path,
                                    params={"doc_code": entry.get("doc_code")}))
    return len(entries)
