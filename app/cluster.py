"""`trams cluster worker`: a Dask worker for the OCR cluster, on a machine checked first.

The worker is Dask's own (``dask worker``, run by this Python): TRAMS only checks the
machine with the doctor's OCR checks (Tesseract, the configured language data, osd) and
refuses to join without them, then starts it with one thread per process (Tesseract
single-threaded, ``OMP_THREAD_LIMIT=1``: one page per core) and, for a ``tls://``
scheduler, the [cluster] TLS files. docs/cluster.md.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Any

from trams.app.doctor import ocr_checks
from trams.scanning.stage import cluster_module

from trams.config import TramsConfig
from trams.doctor import Check, exit_code
from trams.errors import ConfigError, ExitCode
from trams.i18n import _


@dataclass(frozen=True)
class WorkerOptions:
    """None keeps trams.toml's value (or the default)."""

    scheduler: str | None = None  # default: [cluster] scheduler
    nworkers: int | None = None  # worker processes; default: this machine's cores
    name: str | None = None  # default: the host name (workers are NAME-0, NAME-1, ...)
    languages: str | None = None  # default: [ocr] languages


@dataclass(frozen=True)
class WorkerLaunch:
    """The checks made, and the `dask worker` command to run when they passed."""

    checks: tuple[Check, ...]
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
    """Check this machine for OCR; when it passes, the command that makes it a worker of the
    cluster (ConfigError: no valid scheduler address)."""
    config = config.with_cluster(options.scheduler)
    address = config.cluster.scheduler
    if address is None:
        raise ConfigError(_("no scheduler address: give one, or set [cluster] scheduler"),
                          path=config.source,
                          hint=_("For example: trams cluster worker tcp://10.0.0.5:8786"))
    if options.languages:
        config = config.model_copy(update={"ocr": config.ocr.model_copy(
            update={"languages": options.languages})})
    checks = tuple(ocr_checks(config))
    if exit_code(list(checks)) != ExitCode.OK:
        return WorkerLaunch(checks)
    module = cluster_module()
    nworkers = options.nworkers or os.cpu_count() or 1
    argv = module.worker_command(address, nworkers=nworkers,
                                 name=options.name or socket.gethostname(),
                                 cluster=config.cluster)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return WorkerLaunch(checks, tuple(argv), env)
