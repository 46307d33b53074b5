"""Benchmark: the archive's search index on 100,000 documents (issue 15).

    python benchmarks/bench_search.py [--docs 100000] [--repeat 5] [--no-fts5] [--keep DIR]

An archive of synthetic documents (benchmarks/synth_vi.py: two pages of Vietnamese
administrative text each, realistic metadata; no PDF, no OCR) is generated straight into
its state database and, as sidecar text files, into record folders. Then, in the same run:

* TRAMS (Tantivy, trams.archive.index): build time of the index from the text files,
  index size against the text's size (goal < 30 %), and p50/p95 of 20 typical queries
  (folded and exact words, phrases, prefixes, OR, NOT, codes, filters by agency, type,
  dates and signer), each run ``--repeat`` times: the index query alone and the whole
  ``trams archive search`` call (ranking, rows, snippets cut from the text files);
  goal p95 < 100 ms.
* SQLite FTS5 (the engine not chosen; contentless, one column of "folded_exact" tokens,
  the best FTS5 layout measured): build time, size and the same text queries.
* ``grep -ril`` over the same text files, for literal strings, with its ratio.

Figures depend on the machine's load: run ``uptime`` beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth_vi  # noqa: E402

from trams.archive import index as ix  # noqa: E402
from trams.archive import index_entry, search_index, vitext  # noqa: E402
from trams.archive import query as q  # noqa: E402
from trams.archive.journal import Head  # noqa: E402
from trams.archive.records import KeptQuality, document_json, record_json  # noqa: E402
from trams.archive.search import SearchOptions, parse_day, search  # noqa: E402
from trams.archive.state import State  # noqa: E402
from trams.metadata import DocumentMetadata, RecordMetadata  # noqa: E402
from trams.models import SignatureRecord  # noqa: E402

AGENCY = "H42"


def folder_of(doc: synth_vi.SynthDocument) -> str:
    year = doc.record_code.split(".")[2]  # the record's year, as the archive layout has it
    return f"{doc.agency_code}/{year}/{doc.record_code}"


def generate(root: Path, n: int) -> tuple[int, dict]:
    """Write each document's bag files (its JSON, its text as the sidecar; no PDF) and its
    state row; returns (text bytes, sample values for the queries)."""
    state = State(root / ".trams" / "state.sqlite")
    total = 0
    sample: dict = {}
    rows = []
    with state.transaction() as db:
        for i, doc in enumerate(synth_vi.documents(n)):
            folder = folder_of(doc)
            data = root / folder / "data"
            record = RecordMetadata(fileCode=doc.record_code, title=doc.record_title)
            if doc.sequence == 1:
                data.mkdir(parents=True, exist_ok=True)
                (data / "record.json").write_bytes(record_json(
                    record, agency_code=doc.agency_code, version=1, archived_at=""))
            document = DocumentMetadata(
                sequence=doc.sequence, typeName=doc.type_code, codeNumber=doc.code_number,
                codeNotation=doc.code_notation, issuedDate=doc.issued, subject=doc.subject,
                organName=doc.agency_name, autograph=doc.signer)
            stem = f"{doc.record_code}.{doc.sequence:07d}"
            body = doc.text.encode("utf-8")
            (data / f"{stem}.txt").write_bytes(body)
            total += len(body)
            archived = f"{doc.issued + timedelta(days=3)}T10:00:00+07:00"
            first = ("officer", "Cán bộ một cửa") if doc.dossier_code else ("leader", doc.signer)
            signatures = [SignatureRecord(field=first[0].title(), signer=first[1], role=first[0]),
                          SignatureRecord(field="Agency", signer=doc.agency_name, role="agency")]
            verdict = "INDETERMINATE" if i % 37 == 5 else "TOTAL_PASSED"  # some TSA gaps
            quality = "review" if i % 23 == 3 else "ok"  # some pages below the OCR gate
            (data / f"{stem}.json").write_bytes(document_json(
                record, document, version=1, pdf_name=f"{stem}.pdf", sha256=f"{i:064x}",
                size=0, page_count=doc.pages, signatures=signatures, verdict=verdict,
                quality=KeptQuality({"verdict": quality}), sidecar_name=f"{stem}.txt",
                source_hash=f"s{i}", archived_at=archived, previous=None))
            rows.append((f"tx{i}", "done", f"src{i}", folder, doc.record_code, doc.doc_code,
                         doc.sequence, 1, f"{i:064x}", f"k{i}", len(body), doc.pages, 1,
                         verdict, None, quality, f"{stem}.pdf",
                         json.dumps([{"name": f"{stem}.pdf"}, {"name": f"{stem}.txt"}]),
                         json.dumps({"version": 1, "key": "k", "organization": ""}),
                         doc.agency_code, archived))
            if i == n // 3:
                sample.update(record=doc.record_code, signer=doc.signer,
                              agency=doc.agency_code)
            if len(rows) >= 5000:
                db.executemany(f"INSERT INTO documents VALUES ({', '.join('?' * 21)})", rows)
                rows.clear()
        db.executemany(f"INSERT INTO documents VALUES ({', '.join('?' * 21)})", rows)
        state.set_head(db, Head(n, "b" * 64))
    sample["state_id"] = state.identity()
    state.close()
    return total, sample


def entries(root: Path):
    """Index entries built from the bags, as `trams archive reindex` builds them."""
    from trams.archive.state import _doc

    db = sqlite3.connect(root / ".trams" / "state.sqlite")
    db.row_factory = sqlite3.Row
    try:
        for row in db.execute("SELECT rowid AS id, * FROM documents ORDER BY rowid"):
            yield index_entry.entry_for(root, _doc(row))
    finally:
        db.close()


def queries(sample: dict) -> list[tuple[str, dict]]:
    return [
        ("quyet dinh dat dai", {}),
        ("giấy chứng nhận quyền sử dụng đất", {}),
        ('"giải phóng mặt bằng"', {}),
        ('"ho can ngheo"', {}),
        ("nguyen van hung", {}),
        ('"Trần Thị Mai"', {}),
        ("chuyển*", {}),
        ("xu phat vi pham hanh chinh", {}),
        ("đất ở -tranh", {}),
        ("bão OR lụt", {}),
        ("tiêm chủng mở rộng", {}),
        (sample["record"], {}),
        ("107/2021/NĐ-CP", {}),
        ("(bồi thường OR hỗ trợ) giải phóng", {}),
        ("khiếu nại", {}),
        ("phòng cháy chữa cháy kế hoạch", {}),
        ("quyết định", {"doc_type": "02", "agency": sample["agency"]}),
        ("hộ nghèo", {"date_from": "2024-01-01", "date_to": "2024-06-30"}),
        ("sửa chữa trường", {"signer": sample["signer"]}),
        ("thăng bình đất ở", {"agency": "H42.06"}),
    ]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def fts5_match(node: q.Node) -> str:
    """Our query tree in FTS5 syntax over "folded_exact" tokens."""
    def term(t: q.Term) -> str:
        if t.marked and not t.prefix:
            return f'"{t.folded}_{t.exact}"'
        return f'"{t.folded}{"" if t.prefix else "_"}" *'

    if isinstance(node, q.Term):
        return term(node)
    if isinstance(node, q.Phrase):
        return " + ".join(term(t) for t in node.terms)
    if isinstance(node, q.Or):
        return "(" + " OR ".join(fts5_match(p) for p in node.parts) + ")"
    if isinstance(node, q.Not):
        raise ValueError("a lone NOT")
    positive = [fts5_match(p) for p in node.parts if not isinstance(p, q.Not)]
    negative = [fts5_match(p.part) for p in node.parts if isinstance(p, q.Not)]
    text = "(" + " AND ".join(positive) + ")"
    for neg in negative:
        text = f"({text} NOT {neg})"
    return text


def bench_fts5(root: Path, n: int, text_queries: list[str], repeat: int) -> dict:
    path = root / "fts5.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body, content='', tokenize="
               "\"unicode61 remove_diacritics 0 tokenchars '_'\")")
    t0 = time.perf_counter()
    db.execute("BEGIN")
    for i, entry in enumerate(entries(root), start=1):
        exact, folded = vitext.word_pairs(entry.text + "\n" + entry.meta_text)
        db.execute("INSERT INTO t (rowid, body) VALUES (?, ?)",
                   (i, " ".join(f"{f}_{e}" for f, e in zip(folded, exact, strict=True))))
    db.execute("COMMIT")
    db.execute("INSERT INTO t (t) VALUES ('optimize')")
    db.commit()
    build = time.perf_counter() - t0
    size = path.stat().st_size
    times = []
    for _r in range(repeat):
        for text in text_queries:
            match = fts5_match(q.parse(text))
            t1 = time.perf_counter()
            db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT 10",
                       (match,)).fetchall()
            times.append((time.perf_counter() - t1) * 1000)
    db.close()
    return {"build_s": build, "bytes": size, "p50": pct(times, 50), "p95": pct(times, 95)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-fts5", action="store_true", help="skip the FTS5 comparison")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-search-"))
    root = work / "archive"
    shutil.rmtree(root, ignore_errors=True)
    (root / ".trams").mkdir(parents=True)
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f} (1, 5, 15 min); {os.cpu_count()} cores")
    try:
        t0 = time.perf_counter()
        text_bytes, sample = generate(root, args.docs)
        print(f"generated {args.docs} documents, {text_bytes / 1e6:.1f} MB of text "
              f"(UTF-8), in {time.perf_counter() - t0:.1f} s")

        t0 = time.perf_counter()
        index = search_index.SearchIndex.create(root / ".trams" / ix.INDEX_DIR,
                                                head=Head(0, "0" * 64),
                                                state_id=sample["state_id"])
        count = index.bulk_load(entries(root), Head(args.docs, "b" * 64), sample["state_id"],
                                threads=2)
        index.close()
        build = time.perf_counter() - t0
        folder = root / ".trams" / ix.INDEX_DIR
        tantivy_bytes = ix.folder_bytes(folder / search_index.TANTIVY_DIR)
        rows_bytes = (folder / search_index.DB_NAME).stat().st_size
        total = tantivy_bytes + rows_bytes
        print(f"TRAMS index (Tantivy): {count} documents in {build:.1f} s "
              f"({count / build:.0f} docs/s); {total / 1e6:.1f} MB = "
              f"{100 * total / text_bytes:.1f} % of the text (goal < 30 %): full text "
              f"{tantivy_bytes / 1e6:.1f} MB + rows {rows_bytes / 1e6:.1f} MB")

        cases = queries(sample)
        index_ms, total_ms, text_only = [], [], []
        per_query = {}
        for _r in range(args.repeat):
            for text, opts in cases:
                kwargs = {k: (parse_day(v, end=k == "date_to") if k.startswith("date") else v)
                          for k, v in opts.items()}
                t1 = time.perf_counter()
                result = search(root, SearchOptions(query=text, limit=10, **kwargs))
                elapsed = (time.perf_counter() - t1) * 1000
                index_ms.append(result.milliseconds)
                total_ms.append(elapsed)
                if not opts:
                    text_only.append(result.milliseconds)
                per_query[text] = result.total
        print(f"20 queries x {args.repeat}: index query p50 {pct(index_ms, 50):.1f} ms, "
              f"p95 {pct(index_ms, 95):.1f} ms; whole search (open, rank, rows, 10 "
              f"snippets) p50 {pct(total_ms, 50):.1f} ms, p95 {pct(total_ms, 95):.1f} ms "
              f"(goal p95 < 100 ms)")
        print("documents found: " + "; ".join(f"{k!r}: {v}" for k, v in per_query.items()))

        greps = [("giải phóng mặt bằng", "giai phong mat bang"), ("Trần Thị Mai", None),
                 ("tiêm chủng mở rộng", None)]
        grep_s = []
        for literal, folded in greps:
            t1 = time.perf_counter()
            found = subprocess.run(["grep", "-ril", "--include=*.txt", literal, str(root)],
                                   capture_output=True, text=True).stdout.count("\n")
            grep_s.append(time.perf_counter() - t1)
            extra = ""
            if folded:
                none = subprocess.run(["grep", "-ril", "--include=*.txt", folded, str(root)],
                                      capture_output=True, text=True).stdout.count("\n")
                extra = f"; without diacritics ({folded!r}) grep finds {none}"
            ours = search(root, SearchOptions(query=f'"{literal}"', limit=1)).total
            print(f"grep -ril {literal!r}: {found} files in {grep_s[-1]:.2f} s; TRAMS "
                  f'"{literal}": {ours} documents{extra}')
        grep_median = statistics.median(grep_s) * 1000
        print(f"grep -ril median {grep_median:.0f} ms vs TRAMS whole search p50 "
              f"{pct(total_ms, 50):.1f} ms: {grep_median / pct(total_ms, 50):.0f}x faster; "
              f"index query p50: {grep_median / pct(index_ms, 50):.0f}x")

        if not args.no_fts5:
            text_queries = [t for t, o in cases if not o]
            fts = bench_fts5(root, args.docs, text_queries, args.repeat)
            print(f"SQLite FTS5 {sqlite3.sqlite_version} (not chosen): build "
                  f"{fts['build_s']:.1f} s, {fts['bytes'] / 1e6:.1f} MB = "
                  f"{100 * fts['bytes'] / text_bytes:.1f} % of the text; same "
                  f"{len(text_queries)} text queries: p50 {fts['p50']:.1f} ms, p95 "
                  f"{fts['p95']:.1f} ms (Tantivy p50 {pct(text_only, 50):.1f} ms, p95 "
                  f"{pct(text_only, 95):.1f} ms). FTS5 / Tantivy: build time "
                  f"{fts['build_s'] / build:.2f}, size {fts['bytes'] / total:.2f}, query p50 "
                  f"{fts['p50'] / pct(text_only, 50):.1f}, p95 "
                  f"{fts['p95'] / pct(text_only, 95):.1f}")
        ok = pct(total_ms, 95) < 100 and total / text_bytes < 0.30
        print(f"goals: p95 < 100 ms and index < 30 % of the text: {'met' if ok else 'NOT met'}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
