"""Conformance: TRAMS verification vs upstream verdicts on third-party signed PDFs.

    python benchmarks/conformance.py --corpus DIR [--tools trams,pyhanko,pdfsig] [--json OUT]
    TRAMS_CORPUS=DIR python benchmarks/conformance.py

DIR is a corpus folder holding ``corpus.tsv`` (columns ``path kind source_repo commit
upstream_path category expected evidence sha256``, paths relative to DIR) and the files.
Only rows of kind ``signature`` are read. Nothing from the corpus is copied anywhere.

Every file is verified offline (validation data embedded in the files only), in the same
run, by three verifiers:

* TRAMS (``trams.signing.verify.verify_file``, policy ``any``, revocation soft);
* pyHanko 0.38 as it comes (``PdfFileReader`` default settings, ``validate_pdf_signature``
  / ``validate_pdf_timestamp`` with the default diff policy, no fetching), in a separate
  process that never imports TRAMS (TRAMS registers extra algorithm OIDs with asn1crypto);
* poppler ``pdfsig`` (its own NSS trust store, i.e. no anchor).

A file's outcome is the worst over its signatures and document timestamps: ``passed``
(every one TOTAL_PASSED), ``failed`` (one TOTAL_FAILED), ``indeterminate``, ``nosig`` (read,
nothing signed found) or ``error`` (refused or crashed). A trust anchor is used where the
row's evidence names one (``trust=<path>``). Scoring (corpus README, "Expected values"):

* ``VALID*``: hit when read, at least one signature or timestamp found, none failed;
* ``INVALID:*``: hit when not ``passed`` (a failure, an indeterminate or a refusal);
* ``INDETERMINATE:*``: hit when ``indeterminate`` (shown, not part of the acceptance);
* ``NO-SIGNATURE:readable``: hit when ``nosig``; ``UNREADABLE-BY-DESIGN``: hit when
  ``error`` or ``nosig`` without a crash; ``ROBUSTNESS:terminates``: a report within
  ``--robust-seconds``.

Prints per expected outcome and per category (the part of each ``category`` tag before
``:``) how many files each verifier rates as upstream does, the overall figures, and every
file TRAMS misses. Exit 1 when TRAMS misses an acceptance row (VALID*, INVALID*,
NO-SIGNATURE, UNREADABLE, ROBUSTNESS), else 0.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

TOOLS = ("trams", "pyhanko", "pdfsig")
ACCEPTANCE = ("VALID", "INVALID", "NO-SIGNATURE", "UNREADABLE-BY-DESIGN", "ROBUSTNESS")
_RANK = {"error": 4, "failed": 3, "indeterminate": 2, "passed": 1, "nosig": 0}


class Timeout(BaseException):  # noqa: N818 - BaseException: verifiers must not swallow it
    """A verifier took longer than the per-file limit."""


@dataclass
class Row:
    path: str
    category: str
    expected: str
    evidence: str

    @property
    def expected_class(self) -> str:
        return self.expected.split(":", 1)[0]

    @property
    def tags(self) -> list[str]:
        return sorted({t.split(":", 1)[0] for t in self.category.split(";") if t})

    @property
    def trust(self) -> str | None:
        m = re.search(r"trust=(\S+)", self.evidence)
        return m.group(1).rstrip(".;,") if m else None


@dataclass
class Outcome:
    outcome: str  # passed | failed | indeterminate | nosig | error
    seconds: float
    details: list[str] = field(default_factory=list)


def read_corpus(corpus: Path) -> list[Row]:
    with (corpus / "corpus.tsv").open(encoding="utf-8", newline="") as fh:
        rows = [Row(r["path"], r["category"], r["expected"], r["evidence"])
                for r in csv.DictReader(fh, delimiter="\t") if r["kind"] == "signature"]
    return rows


def worst(outcomes: list[str]) -> str:
    return max(outcomes, key=_RANK.__getitem__) if outcomes else "nosig"


def _with_alarm(seconds: int, fn: Callable[[], Outcome]) -> Outcome:
    def on_alarm(_signum, _frame):
        raise Timeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    started = time.perf_counter()
    try:
        return fn()
    except Timeout:
        return Outcome("error", time.perf_counter() - started, [f"timeout after {seconds} s"])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- TRAMS ---------------------------------------------------------------------------

_TRAMS_INDIC = {"TOTAL_PASSED": "passed", "TOTAL_FAILED": "failed",
                "INDETERMINATE": "indeterminate"}


def run_trams(file: Path, anchor: Path | None) -> Outcome:
    from trams.signing.verify import VerifyContext, verify_file

    ctx = VerifyContext.build(trust=[anchor] if anchor else [], offline=True, policy="any")
    started = time.perf_counter()
    report = verify_file(file, ctx)
    seconds = time.perf_counter() - started
    if report.verdict == "ERROR":
        return Outcome("error", seconds, [report.error.text("en") if report.error else "?"])
    found = [(s.field_name, s.indication, s.sub_indication) for s in report.signatures]
    found += [(d.field_name, d.indication, d.sub_indication) for d in report.doc_timestamps]
    details = [f"{name}: {ind}" + (f"/{sub}" if sub else "") for name, ind, sub in found]
    details += [f"warning: {w.text('en')}" for w in report.warnings]
    return Outcome(worst([_TRAMS_INDIC[ind] for _n, ind, _s in found]), seconds, details)


# --- pyHanko as it comes ---------------------------------------------------------------

def run_pyhanko(file: Path, anchor: Path | None) -> Outcome:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import (
        SignatureCoverageLevel,
        validate_pdf_signature,
        validate_pdf_timestamp,
    )
    from pyhanko_certvalidator import ValidationContext

    roots = []
    if anchor is not None:
        from asn1crypto import pem, x509

        roots = [x509.Certificate.load(der) for _t, _h, der in
                 pem.unarmor(anchor.read_bytes(), multiple=True)]
    started = time.perf_counter()
    outcomes, details = [], []
    try:
        with file.open("rb") as fh:
            reader = PdfFileReader(fh)
            for sig in reader.embedded_signatures:
                vc = ValidationContext(trust_roots=roots, allow_fetching=False)
                try:
                    if sig.sig_object_type == "/DocTimeStamp":
                        st = validate_pdf_timestamp(sig, validation_context=vc)
                        modified_badly = False
                    else:
                        st = validate_pdf_signature(sig, signer_validation_context=vc,
                                                    ts_validation_context=vc)
                        modified_badly = (st.modification_level is not None
                                          and st.docmdp_ok is False)
                except Exception as exc:  # noqa: BLE001 - pyHanko's verdict is the refusal
                    outcomes.append("failed")
                    details.append(f"{sig.field_name}: {type(exc).__name__}: {exc}"[:160])
                    continue
                partial = st.coverage not in (SignatureCoverageLevel.ENTIRE_FILE,
                                              SignatureCoverageLevel.ENTIRE_REVISION)
                if not st.intact or not st.valid or modified_badly or partial or st.revoked:
                    out = "failed"
                elif st.bottom_line:
                    out = "passed"
                else:
                    out = "indeterminate"
                outcomes.append(out)
                details.append(f"{sig.field_name}: {out} ({st.summary()})")
    except Exception as exc:  # noqa: BLE001 - unreadable for pyHanko
        return Outcome("error", time.perf_counter() - started,
                       [f"{type(exc).__name__}: {exc}"[:160]])
    return Outcome(worst(outcomes), time.perf_counter() - started, details)


def _pyhanko_job(file: str, anchor: str | None, timeout: int) -> dict:
    import logging

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    out = _with_alarm(timeout, lambda: run_pyhanko(Path(file), Path(anchor) if anchor
                                                   else None))
    return asdict(out)


# --- poppler pdfsig ------------------------------------------------------------------

_PDFSIG_FAILED = ("Signature is Invalid", "Digest Mismatch", "corrupted data",
                  "Unrecognized Signature")


def run_pdfsig(file: Path, anchor: Path | None, timeout: int) -> Outcome:
    del anchor  # pdfsig trusts its NSS database only
    exe = shutil.which("pdfsig")
    started = time.perf_counter()
    if exe is None:
        return Outcome("error", 0.0, ["pdfsig not installed (poppler-utils)"])
    try:
        run = subprocess.run([exe, str(file)], capture_output=True, text=True,
                             timeout=timeout, errors="replace")
    except subprocess.TimeoutExpired:
        return Outcome("error", time.perf_counter() - started, [f"timeout after {timeout} s"])
    seconds = time.perf_counter() - started
    if "does not contain any signatures" in run.stdout:
        return Outcome("nosig", seconds)
    blocks = run.stdout.split("Signature #")[1:]
    if not blocks:
        return Outcome("error", seconds, [(run.stderr or run.stdout).strip()[:160]])
    outcomes = []
    for block in blocks:
        valid = re.search(r"Signature Validation: (.*)", block)
        cert = re.search(r"Certificate Validation: (.*)", block)
        text = valid.group(1) if valid else "?"
        if any(s in text for s in _PDFSIG_FAILED):
            outcomes.append("failed")
        elif "Signature is Valid" in text and cert and "Certificate is Trusted" in cert.group(1):
            outcomes.append("passed")
        else:
            outcomes.append("indeterminate")
    return Outcome(worst(outcomes), seconds, [b.split("\n", 1)[0] + ": " + o
                                              for b, o in zip(blocks, outcomes, strict=True)])


# --- scoring -------------------------------------------------------------------------

def hit(row: Row, out: Outcome, robust_seconds: float) -> bool:
    cls = row.expected_class
    if cls == "VALID":
        return out.outcome in ("passed", "indeterminate")
    if cls == "INVALID":
        return out.outcome != "passed"
    if cls == "INDETERMINATE":
        return out.outcome == "indeterminate"
    if cls == "NO-SIGNATURE":
        return out.outcome == "nosig"
    if cls == "UNREADABLE-BY-DESIGN":
        return out.outcome in ("error", "nosig") and not any(
            "timeout" in d or "unexpected problem" in d for d in out.details)
    if cls == "ROBUSTNESS":
        return out.seconds <= robust_seconds and not any("timeout" in d for d in out.details)
    raise ValueError(f"unknown expected value {row.expected!r} for {row.path}")


def table(title: str, groups: dict[str, list[int]], results, rows, tools, robust) -> list[str]:
    width = max(len(g) for g in groups) + 2
    lines = [f"\n{title}", f"{'':{width}}{'files':>6}" + "".join(f"{t:>10}" for t in tools)]
    for name in sorted(groups):
        idx = groups[name]
        cells = "".join(
            f"{sum(hit(rows[i], results[t][i], robust) for i in idx):>7}/{len(idx):<2}"
            for t in tools)
        lines.append(f"{name:{width}}{len(idx):>6}{cells}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=os.environ.get("TRAMS_CORPUS"),
                        help="corpus folder (default: $TRAMS_CORPUS)")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--only", default=None, help="regex on the file path")
    parser.add_argument("--timeout", type=int, default=60, help="seconds per file and tool")
    parser.add_argument("--robust-seconds", type=float, default=10.0,
                        help="ROBUSTNESS rows: a report within this time (upstream: 3 s on "
                             "a workstation; this machine is shared)")
    parser.add_argument("--json", type=Path, help="write every outcome to this file")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print every file's outcome per verifier")
    args = parser.parse_args()
    if args.corpus is None:
        parser.error("give the corpus folder with --corpus or TRAMS_CORPUS")
    corpus = Path(args.corpus)
    tools = [t for t in args.tools.split(",") if t]
    rows = read_corpus(corpus)
    if args.only:
        rows = [r for r in rows if re.search(args.only, r.path)]
    import logging

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)

    jobs = []
    for row in rows:
        anchor = corpus / "signatures" / row.trust if row.trust else None
        if anchor is not None and not anchor.exists():
            anchor = corpus / row.trust
        jobs.append((corpus / row.path, anchor))
    results: dict[str, list[Outcome]] = {t: [] for t in tools}
    if "pyhanko" in tools:  # first, in a fresh interpreter that never imports TRAMS
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(1) as pool:
            results["pyhanko"] = [Outcome(**d) for d in pool.starmap(
                _pyhanko_job, [(str(f), str(a) if a else None, args.timeout)
                               for f, a in jobs])]
    for file, anchor in jobs:
        if "trams" in tools:
            results["trams"].append(_with_alarm(args.timeout,
                                                lambda f=file, a=anchor: run_trams(f, a)))
        if "pdfsig" in tools:
            results["pdfsig"].append(run_pdfsig(file, anchor, args.timeout))
    totals = {t: sum(o.seconds for o in results[t]) for t in tools}
    for i, row in enumerate(rows):
        if args.verbose:
            print(f"{row.path}  [{row.expected}]", flush=True)
            for tool in tools:
                out = results[tool][i]
                mark = "ok  " if hit(row, out, args.robust_seconds) else "MISS"
                print(f"   {mark} {tool:8} {out.outcome:13} {out.seconds:6.2f}s "
                      + "; ".join(out.details)[:300], flush=True)

    by_expected: dict[str, list[int]] = defaultdict(list)
    by_tag: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_expected[row.expected_class].append(i)
        for tag in row.tags:
            by_tag[tag].append(i)
    lines = [f"corpus: {len(rows)} signature files; offline; TRAMS policy 'any'; "
             "cell = files rated as upstream / files"]
    lines += table("by expected outcome", by_expected, results, rows, tools,
                   args.robust_seconds)
    lines += table("by category tag (a file counts under each of its tags)", by_tag,
                   results, rows, tools, args.robust_seconds)
    accept = [i for i, r in enumerate(rows) if r.expected_class in ACCEPTANCE]
    invalid = [i for i, r in enumerate(rows) if r.expected_class == "INVALID"]
    lines.append("\nINVALID rows reported failed (stricter than 'not passed': without trust "
                 "anchors most rows come out indeterminate for every verifier):")
    lines.append("   " + "   ".join(
        f"{t} {sum(results[t][i].outcome == 'failed' for i in invalid)}/{len(invalid)}"
        for t in tools))
    lines.append("")
    for tool in tools:
        overall = sum(hit(rows[i], results[tool][i], args.robust_seconds)
                      for i in range(len(rows)))
        acc = sum(hit(rows[i], results[tool][i], args.robust_seconds) for i in accept)
        lines.append(f"{tool:8} overall {overall}/{len(rows)}; acceptance rows {acc}/"
                     f"{len(accept)}; {totals[tool]:.1f} s in total")
    print("\n".join(lines))

    misses = [i for i in accept if "trams" in tools
              and not hit(rows[i], results["trams"][i], args.robust_seconds)]
    if "trams" in tools:
        print(f"\nTRAMS misses on acceptance rows: {len(misses)}")
        for i in misses:
            out = results["trams"][i]
            print(f"  {rows[i].path} [{rows[i].expected}] -> {out.outcome}: "
                  + "; ".join(out.details)[:300])
    if args.json:
        args.json.write_text(json.dumps(
            [{"path": r.path, "expected": r.expected, "category": r.category,
              **{t: {**asdict(results[t][i]),
                     "hit": hit(r, results[t][i], args.robust_seconds)} for t in tools}}
             for i, r in enumerate(rows)], indent=1, ensure_ascii=False), encoding="utf-8")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
