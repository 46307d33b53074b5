"""`trams cluster worker`: a Dask worker for the OCR cluster, on a machine checked first.

The worker is Dask's own (``dask worker``, run by this Python as a child process): TRAMS
checks the machine with the doctor's OCR checks (Tesseract, the configured language data,
osd) and refuses to join without them, then starts it with one thread per process
(Tesseract single-threaded, ``OMP_THREAD_LIMIT=1``: one page per core) and, for a
``tls://`` scheduler, the [cluster] TLS files.

Dask's worker stops when its scheduler goes away (and gives up after 30 s when it cannot
reach one); :func:`serve_worker` starts it again, so the workers come back with their
scheduler without anyone at the worker machines. docs/cluster.md.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from trams.app.doctor import cluster_address_check, ocr_checks
from trams.scanning.stage import cluster_module

from trams.config import TramsConfig
from trams.doctor import Check, exit_code
from trams.errors import ConfigError, ExitCode
from trams.i18n import _

RESTART_PAUSE = 2.0  # seconds between a worker's end and its next start
# The workers' environment: Tesseract single-threaded (one page per core); Dask without the
# statistical profiling of every task (the dashboard's profile page) and with its memory and
# system monitors at 1 s and 2 s instead of 0.1 s and 0.5 s. Measured idle, per worker
# process and its nanny: 2.6 % of a core with Dask's defaults, 1.9 % with these
# (docs/cluster.md); profiling also costs a few per cent of each page's own CPU.
WORKER_ENVIRONMENT = {
    "OMP_THREAD_LIMIT": "1",
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
    "DASK_DISTRIBUTED__WORKER__MEMORY__MONITOR_INTERVAL": "1s",
    "DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL": "2s",
}
STOP_TIMEOUT = 30.0  # a worker asked to stop, before it is killed


@dataclass(frozen=True)
class WorkerOptions:
    """None keeps trams.toml's value (or the default)."""

    scheduler: str | None = None  # default: [cluster] scheduler
    nworkers: int | None = None  # worker processes; default: this machine's cores
    name: str | None = None  # default: the host name (several processes: NAME-0, ...)
    languages: str | None = None  # default: [ocr] languages


@dataclass(frozen=True)
class WorkerLaunch:
    """The checks made, and the `dask worker` command to run when they passed."""

    checks: tuple[Check, ...]
    address: str = ""
    argv: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> ExitCode:
        return exit_code(list(self.checks))

    @property
    def ready(self) -> bool:
        return self.exit_code == ExitCode.OK and bool(self.argv)

    def to_dict(self) -> dict[str, Any]:
        return {"ready": self.ready, "exit_code": int(self.exit_code),
                "checks": [c.to_dict() for c in self.checks], "command": list(self.argv)}


def prepare_worker(config: TramsConfig, options: WorkerOptions) -> WorkerLaunch:
    """Check this machine for OCR and the scheduler's address; when it passes, the command
    that makes it a worker of the cluster (ConfigError: no valid scheduler address)."""
    config = config.with_cluster(options.scheduler)
    address = config.cluster.scheduler
    if address is None:
        raise ConfigError(_("no scheduler address: give one, or set [cluster] scheduler"),
                          path=config.source,
                          hint=_("For example: trams cluster worker tcp://10.0.0.5:8786"))
    if options.languages:
        config = config.model_copy(update={"ocr": config.ocr.model_copy(
            update={"languages": options.languages})})
    module = cluster_module("cluster_client")
    checks = (*ocr_checks(config), cluster_address_check(config.cluster, module))
    if exit_code(list(checks)) != ExitCode.OK:
        return WorkerLaunch(checks, address)
    nworkers = options.nworkers or os.cpu_count() or 1
    argv = cluster_module("cluster_worker").worker_command(
        address, nworkers=nworkers, name=options.name or socket.gethostname(),
        cluster=config.cluster)
    env = {**os.environ, **WORKER_ENVIRONMENT}
    return WorkerLaunch(checks, address, tuple(argv), env)


def serve_worker(launch: WorkerLaunch, *, notify: Callable[[str], None]) -> ExitCode:
    """Run the worker until this process is stopped (Ctrl-C, or SIGTERM turned into
    KeyboardInterrupt by the caller): it is started again whenever it ends on its own,
    ``RESTART_PAUSE`` seconds later. The worker dies with this process (Linux)."""
    assert launch.ready
    module = cluster_module("cluster_worker")
    while True:
        notify(_("Joining the cluster at {address} ({command})", address=launch.address,
                 command=" ".join(launch.argv[4:])))
        proc = subprocess.Popen(list(launch.argv), env=launch.env, stdin=subprocess.DEVNULL,
                                preexec_fn=module.die_with_parent)
        try:
            code = proc.wait()
            notify(_("The worker stopped (exit code {code}): its scheduler is gone or cannot "
                     "be reached. Starting it again in {seconds} s; Ctrl-C stops.",
                     code=code, seconds=round(RESTART_PAUSE)))
            time.sleep(RESTART_PAUSE)
        except KeyboardInterrupt:
            _stop(proc)
            return ExitCode.INTERRUPTED


def _stop(proc: subprocess.Popen) -> None:
    """Ask the worker to stop (it finishes nothing more; its tasks go to other workers),
    then kill it if it does not."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
