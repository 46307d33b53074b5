"""kill -9 at many points of archiving, then a re-run: nothing lost, nothing twice.

How the kill points were chosen: one before and one after every durable step of an add
(state row, each staged file, a half-written PDF copy, the staging fsync, the 'staged'
commit, the first and last hard link, every tag-file temporary and rename, a half-written
and a complete journal line, the 'done' commit, the staging removal), on the first document
(a new record: bagit.txt and record.json are created) and on later ones (an existing bag is
updated: "@N" kills at the N-th time a point is reached). Crashes *during recovery* and
during a no-op re-run have their own points. A child killed with SIGKILL exits with -9,
which proves the point was reached. Randomized kills add the instants between the points.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

import pytest
from support.archive import WORKER, assert_archive_complete, make_spec, run_worker

from trams.faults import POINTS

# (kill point for the first run, kill point for the second run or None)
SCENARIOS = [
    ("add.row_inserted", None),
    ("add.row_inserted@3", None),
    ("stage.pdf_partial", None),
    ("stage.pdf_partial@2", None),
    ("stage.pdf_written", None),
    ("stage.json_written", None),
    ("stage.sidecar_written", None),
    ("stage.record_json_written", None),
    ("stage.record_json_written@2", None),  # second record
    ("stage.done", None),
    ("state.staged", None),
    ("state.staged@2", None),
    ("link.first", None),
    ("link.first@4", None),
    ("link.all", None),
    ("tags.bagit_txt", None),
    ("tags.manifest_tmp", None),
    ("tags.manifest_tmp@2", None),
    ("tags.manifest_renamed", None),
    ("tags.manifest_renamed@2", None),
    ("tags.baginfo_renamed", None),
    ("tags.tagmanifest_renamed", None),
    ("tags.tagmanifest_renamed@3", None),
    ("journal.partial_line", None),
    ("journal.partial_line@2", None),
    ("journal.appended", None),
    ("journal.appended@4", None),
    ("state.done", None),
    ("state.done@2", None),
    ("staging.removed", None),
    ("index.update", None),
    ("index.update@3", None),
    ("index.tantivy_committed@2", None),
    # a crash during the recovery of an earlier crash
    ("state.staged@2", "recover.rolled_forward_links"),
    ("tags.manifest_renamed", "recover.journal_appended"),
    ("link.all@2", "recover.journal_appended"),
]


def test_scenarios_cover_every_fault_point() -> None:
    used = {p.split("@")[0] for pair in SCENARIOS for p in pair if p}
    used.add("duplicate.journaled")  # test_kill_during_noop_rerun
    assert used == set(POINTS)
    assert len({a for a, _ in SCENARIOS}) >= 20


@pytest.mark.slow
@pytest.mark.parametrize(("first", "second"), SCENARIOS, ids=[
    f"{a}+{b}" if b else a for a, b in SCENARIOS])
def test_kill_then_rerun(tmp_path, first: str, second: str | None) -> None:
    spec = make_spec(tmp_path, tmp_path / "archive")
    assert run_worker(spec, first) == -9, "the kill point was not reached"
    if second:
        assert run_worker(spec, second) == -9, "the recovery kill point was not reached"
    assert run_worker(spec) == 0
    assert_archive_complete(spec)


@pytest.mark.slow
def test_kill_during_noop_rerun(tmp_path) -> None:
    spec = make_spec(tmp_path, tmp_path / "archive", n_records=1, per_record=2)
    assert run_worker(spec) == 0
    # the worker skips done inputs; make it call add_document again with the same content
    import json

    data = json.loads(spec.read_text())
    for i, doc in enumerate(data["docs"]):
        doc["source"] = f"other-source-{i}"  # same PDF bytes, another input
    spec2 = tmp_path / "spec2.json"
    spec2.write_text(json.dumps(data))
    assert run_worker(spec2, "duplicate.journaled@2") == -9
    assert run_worker(spec2) == 0
    assert_archive_complete(spec)


@pytest.mark.slow
def test_random_sigkill(tmp_path) -> None:
    """Kills at random instants between the fault points: each round waits for a random
    number of documents to be archived, then kills a random few milliseconds later, so the
    first round always cuts a run short; the rerun completes the archive."""
    seed = int(os.environ.get("TRAMS_TEST_SEED", "20261130"))
    rng = random.Random(seed)
    spec = make_spec(tmp_path, tmp_path / "archive", n_records=3, per_record=4)
    journal = tmp_path / "archive" / ".trams" / "journal.jsonl"
    total = 12
    kills = 0
    for _round in range(6):
        before = _lines(journal)
        target = before + rng.randrange(0, 3)
        proc = subprocess.Popen([sys.executable, str(WORKER), str(spec)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None and _lines(journal) < min(target, total - 2):
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.02))
        proc.kill()
        kills += proc.wait() == -9
    assert kills >= 1, f"no run was cut short (seed {seed})"
    assert run_worker(spec) == 0
    assert_archive_complete(spec)


def _lines(path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0
