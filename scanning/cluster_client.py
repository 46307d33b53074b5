"""The head's side of a cluster's scheduler: reaching it (with the TLS of [cluster]), and
checking the workers connected to it.

:func:`check_cluster` is a batch's check before its pages are sent: every connected worker
runs this TRAMS, and has Tesseract and the batch's language data (:func:`probe_workers`,
answered by :func:`~trams.scanning.cluster_worker.probe_worker`). `trams doctor` reports the
same answers worker by worker (:mod:`trams.app.doctor`), and whether page images would cross
the network in clear (:func:`is_loopback`).

Importing this module imports Dask: it is imported only when a cluster is used
(:func:`trams.scanning.stage.cluster_module`).
"""

from __future__ import annotations

import logging
import socket
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from distributed import Client
from distributed.security import Security
from trams.scanning.cluster_worker import probe_worker
from trams.scanning.options import ScanOptions

from trams import __version__
from trams.config import ClusterConfig
from trams.errors import ClusterError, DependencyError
from trams.i18n import _, get_language

PROBE_TIMEOUT = 60.0  # a worker's Tesseract check (client.run)


def security(cluster: ClusterConfig, *, role: str = "client") -> Security | None:
    """Dask's TLS settings from [cluster] (``role``: client for the head, worker for a
    worker); None for tcp://."""
    if not cluster.tls:
        return None
    return Security(tls_ca_file=str(cluster.tls_ca_file),
                    **{f"tls_{role}_cert": str(cluster.tls_cert),
                       f"tls_{role}_key": str(cluster.tls_key)},
                    require_encryption=True)


def quiet_dask_logging() -> None:
    """Dask's own log lines reach TRAMS's logging (the run's log file and events) only with
    --verbose; otherwise they would print on stderr beside the progress bar or the JSON
    lines. What matters (a scheduler gone, a worker missing) TRAMS reports itself."""
    verbose = logging.getLogger().isEnabledFor(logging.DEBUG)
    for name in ("distributed", "tornado"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = verbose
        if not verbose:
            logger.addHandler(logging.NullHandler())


def unreachable(cluster: ClusterConfig, reason: str) -> ClusterError:
    return ClusterError(
        _("cannot reach the cluster's scheduler at {address} ({reason})",
          address=cluster.scheduler, reason=reason),
        hint=_("Start `dask scheduler` there (docs/cluster.md) and check the firewall and "
               "[cluster] TLS files; or recognize on this machine with --cluster local."))


def connect(cluster: ClusterConfig) -> Client:
    """A client of the cluster's scheduler, or ClusterError naming it and the fix."""
    assert cluster.scheduler is not None
    quiet_dask_logging()
    try:
        return Client(cluster.scheduler, timeout=cluster.connect_timeout_seconds,
                      security=security(cluster), set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, ssl, bad TLS files
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise unreachable(cluster, reason[:300]) from None


def workers(client: Client) -> dict[str, dict[str, Any]]:
    """The scheduler's workers now: address -> its info (name, nthreads, ...)."""
    try:
        info = client.scheduler_info(n_workers=-1)  # Dask >= 2025: all, not the first 5
    except TypeError:
        info = client.scheduler_info()
    return dict(info.get("workers", {}))


def probe_workers(client: Client, options: ScanOptions) -> dict[str, dict[str, Any]]:
    """Every connected worker's :func:`probe_worker` answer, by address (an answer that
    is an exception: a worker that cannot run TRAMS code at all)."""
    if not workers(client):
        return {}
    try:
        return client.run(probe_worker, options.languages, options.rotate_pages,
                          get_language(), on_error="return", wait=True)
    except Exception as exc:  # noqa: BLE001 - the scheduler went away during the probe
        raise ClusterError(_("the cluster's scheduler stopped answering ({reason})",
                             reason=type(exc).__name__),
                           hint=_("Check the scheduler, then run the same command again."),
                           ) from None


def probe_problem(address: str, answer: Any) -> DependencyError | None:
    """Why the worker at ``address`` cannot recognize the batch's pages, or None."""
    if isinstance(answer, BaseException):
        return DependencyError(
            _("cluster worker {worker} cannot run TRAMS ({reason})", worker=address,
              reason=f"{type(answer).__name__}: {answer}"[:300]),
            hint=_("Install TRAMS {version} on that machine, or stop that worker.",
                   version=__version__))
    name = answer.get("name") or address
    if answer.get("trams") != __version__:
        return DependencyError(
            _("cluster worker {worker} runs TRAMS {theirs}, this machine TRAMS {ours}",
              worker=name, theirs=answer.get("trams"), ours=__version__),
            hint=_("Install the same TRAMS version on every cluster worker, or stop that "
                   "worker."))
    if answer.get("problem"):
        return DependencyError(
            _("cluster worker {worker}: {problem}", worker=name,
              problem=str(answer["problem"]).rstrip(".")),
            hint=answer.get("hint") or _("Fix that machine, or stop that worker."))
    return None


def check_cluster(client: Client, options: ScanOptions) -> None:
    """Batch-level check on the cluster: every connected worker has TRAMS (this version),
    Tesseract and the batch's language data; DependencyError naming the first that does
    not. No worker yet is not an error: the batch waits for one (late joiners)."""
    for address, answer in sorted(probe_workers(client, options).items()):
        problem = probe_problem(address, answer)
        if problem is not None:
            raise problem


# --- address safety --------------------------------------------------------------------------
def is_loopback(address: str) -> bool:
    """The address is on this machine only (127.0.0.0/8, ::1, or a name resolving only
    there): page images sent to it never cross a network."""
    host = urlsplit(address).hostname or ""
    try:
        return ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(found) and all(ip_address(a.split("%")[0]).is_loopback for a in found)

