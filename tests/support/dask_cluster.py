"""A real Dask cluster for the tests: a scheduler and workers as processes on 127.0.0.1, and
`trams` runs watched event by event (JSON lines on stderr) so a test can act at a moment of
the run (kill a worker, stop the scheduler) without sleeping and hoping."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

START_TIMEOUT = 120.0  # a process start on a loaded 2-core machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], Any], *, timeout: float, what: str,
               every: float = 0.2) -> Any:
    """``condition()``'s first true value, or AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class Proc:
    """A process in a session of its own (killed with its children), its output in a
    log file."""

    def __init__(self, argv: list[str], log: Path, env: dict[str, str] | None = None):
        self.log = log
        self._fh = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._fh,
                                      stderr=subprocess.STDOUT, start_new_session=True,
                                      env={**os.environ, **(env or {})})

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group (the worker's nanny and its worker processes)."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(timeout=30)

    def stop(self) -> None:
        """The end of a test: nothing to keep, so no graceful shutdown to wait for."""
        self.kill()
        self._fh.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def start_scheduler(folder: Path, port: int | None = None) -> tuple[Proc, str]:
    """`dask scheduler` on 127.0.0.1 (``port``: a given one, to restart it there)."""
    port = port or free_port()
    proc = Proc([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                 "--port", str(port), "--no-dashboard"], folder / f"scheduler-{port}.log")
    wait_until(lambda: _accepts(port) or not proc.alive(), timeout=START_TIMEOUT,
               what="the scheduler")
    assert proc.alive(), proc.output()[-2000:]
    return proc, f"tcp://127.0.0.1:{port}"


def start_worker(folder: Path, address: str, name: str, *, nworkers: int = 1,
                 config: Path | None = None) -> Proc:
    """`trams cluster worker ADDRESS --name NAME` (Tesseract checked, then `dask worker`)."""
    argv = [sys.executable, "-m", "trams", *(["--config", str(config)] if config else []),
            "--lang", "en", "cluster", "worker", address, "--nworkers", str(nworkers),
            "--name", name]
    return Proc(argv, folder / f"worker-{name}.log")


def worker_names(address: str) -> set[str]:
    """The names of the workers connected to the scheduler now."""
    from distributed import Client

    with Client(address, timeout=10, set_as_default=False) as client:
        info = client.scheduler_info(n_workers=-1)
    return {str(w["name"]) for w in info["workers"].values()}


def wait_for_workers(address: str, names: set[str], procs: list[Proc] = ()) -> None:
    def ready() -> bool:
        for proc in procs:
            assert proc.alive(), proc.output()[-3000:]
        return names <= worker_names(address)

    wait_until(ready, timeout=START_TIMEOUT, what=f"workers {sorted(names)}", every=0.5)


class WatchedRun:
    """`python -m trams --config CFG ARGS...` with JSON events on stderr, read as they come."""

    def __init__(self, cfg: Path, *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "trams", "--config", str(cfg), *args, "--log-format",
             "json"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._out: list[str] = []
        self._out_reader = threading.Thread(
            target=lambda: self._out.append(self.proc.stdout.read()), daemon=True)
        self._out_reader.start()
        self._seen: list[dict] = []

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            self._new.put(line)
        self._new.put(None)

    def wait_for(self, predicate: Callable[[dict], bool], *, timeout: float,
                 what: str) -> dict:
        """The first event (from the start of the run) that ``predicate`` accepts."""
        for event in self._seen:
            if predicate(event):
                return event
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._new.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; "
                                     f"events so far: {''.join(self.lines)[-3000:]}") from None
            if line is None:
                raise AssertionError(f"the run ended before {what}: "
                                     f"{''.join(self.lines)[-3000:]}")
            event = json.loads(line)
            self._seen.append(event)
            if predicate(event):
                return event

    def finish(self, *, timeout: float = 300) -> tuple[int, dict, list[dict]]:
        """(exit code, the --json summary, every event): every stderr line must be one."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"the run did not end in {timeout:.0f} s: "
                                 f"{''.join(self.lines)[-3000:]}") from None
        self._reader.join(timeout=30)
        self._out_reader.join(timeout=30)
        events = [json.loads(line) for line in self.lines if line.strip()]
        return self.proc.returncode, json.loads("".join(self._out)), events
