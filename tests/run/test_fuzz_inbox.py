"""Fuzz harness: hostile inboxes through `trams run`, killed at random, rerun to the end.

Each seed makes an inbox (tests/support/hostile.py: good documents among truncated and
malformed files of every accepted format, decompression bombs, symbolic links out of the
inbox, FIFOs, odd names) and a trams.toml for the demo PKI, then:

1. sometimes ``.failed`` (or ``.done``) is first a link out of the inbox: the run must
   refuse to start (exit 3) and move nothing; the link is then removed;
2. ``kills`` runs, each killed with SIGKILL a random moment after a random event (the
   main process only, which its OCR workers must not outlive, or the whole process
   group), each going on from where the last one stopped. A run that gets to its
   ``run_finished`` event before that moment is killed there, while it writes its
   summary and stops its workers (a fast run would otherwise end before its kill, and
   the seed would kill nothing);
3. a rerun to the end (exit 0 or 5), then one more that has nothing left to do (exit 0).

After every run: no process of it is left, nothing was written outside the inbox and the
archive (a snapshot of the test folder, and the runs' TMPDIR stays empty), and every
stderr line is a JSON event (a killed run's last line may be cut). At the end: every
good document is archived exactly once (the ``sourceSha256`` of the archive's bags, which
are the truth), no bad entry is, each bad entry sits in ``.failed`` beside its reason
file, ``trams archive check --deep`` is clean, and the folder the links aim at is as it
was.

CI runs two small seeded inboxes. A longer soak, on demand::

    TRAMS_SOAK=20 .venv/bin/python -m pytest -p no:xdist -s tests/run/test_fuzz_inbox.py

runs 20 larger inboxes with more kills (seeds from TRAMS_SOAK_SEED, default 1000; a
failing seed is replayed with TRAMS_SOAK=1 TRAMS_SOAK_SEED=<seed>). Each inbox prints
its figures (inputs, kills, runs, documents archived, lost) and the session a total.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support.hostile import HostileInbox, make_inbox, snapshot
from support.runs import write_run_config

SOAK = int(os.environ.get("TRAMS_SOAK", "0") or 0)
SOAK_SEED = int(os.environ.get("TRAMS_SOAK_SEED", "1000") or 1000)
# CI: two seeded inboxes; soak: TRAMS_SOAK inboxes, larger, killed more often
SEEDS = list(range(SOAK_SEED, SOAK_SEED + SOAK)) if SOAK else [20261130, 20261201]
GOODS, BADS, KILLS = (5, 26, 4) if SOAK else (3, 14, 2)
# events every run with work left emits (None: the n-th event, whatever it is)
KILL_AFTER = ("page_done", "document_archived", None, None)


@dataclass
class Figures:
    inboxes: int = 0
    inputs: int = 0
    kills: int = 0
    ended_before_kill: int = 0
    runs: int = 0
    archived: int = 0
    lost: int = 0
    linger: list[float] = field(default_factory=list)

    def line(self) -> str:
        slowest = max(self.linger, default=0.0)
        return (f"{self.inboxes} inbox(es), {self.inputs} inputs, {self.runs} runs, "
                f"{self.kills} SIGKILLs ({self.ended_before_kill} runs ended first), "
                f"{self.archived} documents archived, {self.lost} lost; processes gone "
                f"within {slowest:.1f} s of a kill")


TOTAL = Figures()


@pytest.fixture(scope="module", autouse=True)
def _print_total():
    yield
    if TOTAL.inboxes:
        print(f"\nfuzz harness total: {TOTAL.line()}")


def _group_members(pgid: int) -> list[str]:
    """Live (not zombie) processes of a process group, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(f"{entry} {stat[stat.index('(') + 1:stat.rindex(')')]}")
    return found


def _wait_group_gone(pgid: int, figures: Figures, *, limit: float = 60.0) -> None:
    start = time.monotonic()
    while (left := _group_members(pgid)) and time.monotonic() - start < limit:
        time.sleep(0.1)
    assert not left, f"processes left behind by the run: {left}"
    figures.linger.append(time.monotonic() - start)


def _json_lines(stderr: str, *, cut: bool) -> list[dict]:
    lines = stderr.splitlines()
    if cut and lines and not stderr.endswith("\n"):
        lines = lines[:-1]  # the kill may cut the last line short
    events = []
    for line in lines:
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON line on stderr: {line!r}") from None
    return events


class Harness:
    def __init__(self, tmp_path: Path, pki, seed: int, figures: Figures):
        self.rng = random.Random(f"fuzz-{seed}")
        self.seed = seed
        self.tmp = tmp_path
        self.figures = figures
        self.inbox: HostileInbox = make_inbox(tmp_path / "inbox", tmp_path / "outside", seed,
                                              goods=GOODS, bads=BADS)
        self.archive = tmp_path / "archive"
        self.move_done = self.rng.random() < 0.5
        self.cfg = write_run_config(tmp_path, pki, inbox=self.inbox.root,
                                    archive=self.archive, grouping="file")
        self.env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
        (tmp_path / "tmp").mkdir()
        (tmp_path / "harness").mkdir()
        figures.inputs += len(self.inbox.good) + len(self.inbox.bad)
        self.skip = (self.inbox.root, self.archive, tmp_path / "harness")
        self.before = snapshot(tmp_path, skip=self.skip)
        self.count = 0

    def command(self) -> list[str]:
        return [sys.executable, "-m", "trams", "--config", str(self.cfg), "run", "--json",
                "--log-format", "json", *(["--move-done"] if self.move_done else [])]

    def run(self, *, kill: bool) -> tuple[int, list[dict], dict | None]:
        self.count += 1
        self.figures.runs += 1
        out_path = self.tmp / "harness" / f"run{self.count}.json"
        with open(out_path, "w") as out:
            proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.PIPE, text=True, env=self.env,
                                    start_new_session=True)
            stderr = []
            killed = False
            if kill:
                # after the n-th event of a random kind, or of any kind, and a random delay
                event = self.rng.choice(KILL_AFTER)
                count = self.rng.randint(1, 2) if event else self.rng.randint(1, 5)
                seen = 0
                for line in proc.stderr:
                    stderr.append(line)
                    seen += f'"event": "{event}"' in line if event else 1
                    last = '"event": "run_finished"' in line
                    if seen >= count or last:
                        time.sleep(0.0 if last else self.rng.uniform(0.0, 1.5))
                        if self.rng.random() < 0.7:
                            os.kill(proc.pid, signal.SIGKILL)  # the workers must follow
                        else:
                            os.killpg(proc.pid, signal.SIGKILL)
                        killed = True
                        break
            stderr.append(proc.stderr.read())
            proc.stderr.close()
            code = proc.wait(timeout=600)
        _wait_group_gone(proc.pid, self.figures)
        if killed and code == -signal.SIGKILL:
            self.figures.kills += 1
        elif kill:
            self.figures.ended_before_kill += 1
        events = _json_lines("".join(stderr), cut=killed)
        text = out_path.read_text()
        summary = json.loads(text) if text.strip() else None
        self.outside_untouched()
        return code, events, summary

    def outside_untouched(self) -> None:
        assert snapshot(self.tmp, skip=self.skip) == self.before, "written outside the inbox"
        assert not list((self.tmp / "tmp").iterdir()), "left in TMPDIR"

    def link_trap(self) -> None:
        """``.failed`` or ``.done`` a link out of the inbox: refused before any work."""
        folder = self.rng.choice([".failed", ".done"])
        trap = self.tmp / "outside" / "trap"
        trap.mkdir(exist_ok=True)
        self.before = snapshot(self.tmp, skip=self.skip)
        link = self.inbox.root / folder
        os.symlink(trap, link)
        listing = sorted(os.listdir(self.inbox.root))
        code, events, summary = self.run(kill=False)
        assert code == 3, (code, summary)
        assert summary["aborted"]["path"] == str(link)
        assert not list(trap.iterdir())
        assert sorted(os.listdir(self.inbox.root)) == listing
        link.unlink()

    def archived_sources(self) -> list[str]:
        """``sourceSha256`` of every document JSON in the archive's bags."""
        found = []
        for meta in self.archive.rglob("data/*.json"):
            if ".trams" in meta.parts or meta.name.startswith("record"):
                continue
            found.append(json.loads(meta.read_text("utf-8"))["sourceSha256"])
        return found

    def check_end(self, *, count: bool = True) -> None:
        sources = self.archived_sources()
        expected = set(self.inbox.good.values())
        lost = expected - set(sources)
        self.figures.lost += len(lost)
        assert not lost, f"good documents never archived: {lost}"
        assert sorted(sources) == sorted(expected), "archived twice, or a bad input archived"
        if count:
            self.figures.archived += len(sources)
        failed = self.inbox.root / ".failed"
        for name, what in self.inbox.bad.items():
            assert not os.path.lexists(self.inbox.root / name), f"{what} left in the inbox"
            assert os.path.lexists(failed / name), f"{what} not set aside in .failed"
            reason = failed / (name + ".reason.txt")
            assert reason.is_file() and not reason.is_symlink(), f"no reason for {what}"
        for name in self.inbox.good:
            where = self.inbox.root / ".done" if self.move_done else self.inbox.root
            assert (where / name).is_file(), f"good input {name!r} not where it belongs"
        check = subprocess.run([sys.executable, "-m", "trams", "archive", "check", "--deep",
                                "--archive", str(self.archive)], stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, env=self.env, timeout=300)
        assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
        self.outside_untouched()


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_hostile_inbox_killed_at_random_then_rerun(pki, tmp_path, seed) -> None:
    figures = Figures(inboxes=1)
    harness = Harness(tmp_path, pki, seed, figures)
    if harness.rng.random() < 0.5:
        harness.link_trap()
    for _ in range(KILLS):
        harness.run(kill=True)
    code, events, summary = harness.run(kill=False)
    assert code in (0, 5), (code, summary and summary["aborted"])
    assert events[-1]["event"] == "run_finished"
    harness.check_end()
    code, _events, summary = harness.run(kill=False)  # nothing left to do
    assert code == 0, summary
    assert summary["totals"]["archived"]["documents"] == 0 and not summary["moved"]
    harness.check_end(count=False)
    print(f"\nseed {seed}: {figures.line()}")
    for name in ("inboxes", "inputs", "kills", "ended_before_kill", "runs", "archived",
                 "lost"):
        setattr(TOTAL, name, getattr(TOTAL, name) + getattr(figures, name))
    TOTAL.linger += figures.linger
    shutil.rmtree(tmp_path / "harness", ignore_errors=True)
