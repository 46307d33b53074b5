"""`trams doctor`: check the set-up trams.toml describes and say what to fix.

The checks live in the libraries (trams.doctor: configuration and folders; trams.scanning:
Tesseract and its language data; trams.signing.doctor: trust roots, keys, certificates,
TSA, OCSP/CRL; trams.scanning.cluster_client: the OCR cluster of [cluster]); this runs them in
order. The exit code is that of the first failing check: 3 configuration, 6 Tesseract, 7
key, 8 certificate, 9 network, 15 storage, 16 cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trams.scanning import ScanOptions, check_engine, tesseract
from trams.scanning.stage import cluster_module
from trams.signing.doctor import check_signing

from trams.config import ClusterConfig, TramsConfig
from trams.doctor import Check, Status, check_agency, check_config, check_folders, exit_code
from trams.errors import DependencyError, ExitCode, TramsError
from trams.i18n import _


@dataclass(frozen=True)
class DoctorReport:
    checks: tuple[Check, ...]

    @property
    def exit_code(self) -> ExitCode:
        return exit_code(list(self.checks))

    def counts(self) -> dict[Status, int]:
        return {status: sum(1 for c in self.checks if c.status is status) for status in Status}

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.exit_code == ExitCode.OK, "exit_code": int(self.exit_code),
                "checks": [c.to_dict() for c in self.checks]}


def ocr_checks(config: TramsConfig) -> list[Check]:
    """Tesseract present and recent enough; the configured languages (and osd) installed."""
    try:
        version = tesseract.version()
    except DependencyError as exc:
        return [Check.from_error("tesseract", exc)]
    checks = [Check.ok("tesseract", _("Tesseract {version}",
                                      version=".".join(map(str, version))))]
    options = ScanOptions.from_trams_config(config)
    try:
        check_engine(options)
    except DependencyError as exc:
        checks.append(Check.from_error("ocr.languages", exc))
    else:
        wanted = [lang for lang in options.languages.split("+") if lang]
        if options.rotate_pages:
            wanted.append("osd")
        checks.append(Check.ok("ocr.languages", _("language data installed: {languages}",
                                                  languages=", ".join(wanted))))
    return checks


def cluster_address_check(cluster: ClusterConfig, module) -> Check:  # noqa: ANN001
    """Page images cross the network in clear when the scheduler is tcp:// elsewhere."""
    address = cluster.scheduler or ""
    if cluster.tls:
        missing = [str(p) for p in (cluster.tls_ca_file, cluster.tls_cert, cluster.tls_key)
                   if p is not None and not p.is_file()]
        if missing:
            return Check.fail("cluster.security", _("the TLS file {path} does not exist",
                                                    path=missing[0]),
                              _("Correct the tls_* files of [cluster] (docs/cluster.md)."))
        return Check.ok("cluster.security", _("{address}: TLS, page images encrypted",
                                              address=address))
    if module.is_loopback(address):
        return Check.ok("cluster.security", _("{address}: plain tcp, on this machine only",
                                              address=address))
    return Check.warn("cluster.security",
                      _("{address}: plain tcp on the network: page images travel "
                        "unencrypted and anyone who reaches the port can use the cluster",
                        address=address),
                      _("Use Dask's TLS: a tls:// address with tls_ca_file, tls_cert and "
                        "tls_key in [cluster] (docs/cluster.md), or keep the cluster on a "
                        "closed network."))


def cluster_checks(config: TramsConfig) -> list[Check]:
    """The OCR cluster of [cluster], when one is named: the address (TLS or not), the
    scheduler reachable, workers connected (one thread each), and on every worker the same
    TRAMS, Tesseract and the configured language data."""
    cluster = config.cluster
    if not cluster.scheduler:
        return []
    try:
        module = cluster_module("cluster_client")
    except DependencyError as exc:
        return [Check.from_error("cluster", exc)]
    checks = [cluster_address_check(cluster, module)]
    if checks[0].status is Status.FAIL:
        return checks
    try:
        client = module.connect(cluster)
    except TramsError as exc:
        return [*checks, Check.from_error("cluster.scheduler", exc)]
    try:
        checks.append(Check.ok("cluster.scheduler", _("{address} answers",
                                                      address=cluster.scheduler)))
        options = ScanOptions.from_trams_config(config)
        found = module.workers(client)
        answers = module.probe_workers(client, options)
    except TramsError as exc:
        return [*checks, Check.from_error("cluster.scheduler", exc)]
    finally:
        client.close()
    if not found:
        checks.append(Check.warn(
            "cluster.workers", _("no worker is connected to the scheduler"),
            _("Start `trams cluster worker {address}` on each OCR machine; a run waits up to "
              "{seconds} s for one.", address=cluster.scheduler,
              seconds=round(cluster.worker_wait_seconds))))
        return checks
    threads = sum(int(w.get("nthreads", 1)) for w in found.values())
    crowded = sorted(str(w.get("name") or a) for a, w in found.items()
                     if int(w.get("nthreads", 1)) > 1)
    count = _("{workers} worker(s), {threads} thread(s)", workers=len(found), threads=threads)
    if crowded:
        checks.append(Check.warn(
            "cluster.workers", _("{count}; more than one thread in {names}", count=count,
                                 names=", ".join(crowded)),
            _("Start workers with one thread per process (`trams cluster worker` does; "
              "`dask worker --nthreads 1 --nworkers N`): a worker process recognizes one page "
              "at a time.")))
    else:
        checks.append(Check.ok("cluster.workers", count))
    plain = sorted(a for a in found if a.startswith("tcp://") and not module.is_loopback(a))
    if plain:
        checks.append(Check.warn("cluster.security", _(
            "worker {address} is reached over plain tcp on the network: page images travel "
            "to it unencrypted", address=plain[0]),
            _("Use Dask's TLS for the scheduler and the workers (docs/cluster.md), or keep "
              "the cluster on a closed network.")))
    for address, answer in sorted(answers.items()):
        name = answer.get("name", address) if isinstance(answer, dict) else address
        problem = module.probe_problem(address, answer)
        if problem is not None:
            checks.append(Check.from_error(f"cluster.worker.{name}", problem))
        else:
            wanted = [lang for lang in options.languages.split("+") if lang]
            checks.append(Check.ok(f"cluster.worker.{name}", _(
                "TRAMS {trams}, Tesseract {tesseract}, language data: {languages}",
                trams=answer["trams"], tesseract=answer["tesseract"],
                languages=", ".join(wanted + (["osd"] if options.rotate_pages else [])))))
    return checks


def _not_needed_here(check: Check) -> Check:
    """Tesseract on this machine, when the pages go to a cluster: needed only for runs
    with --cluster local."""
    if check.status is not Status.FAIL:
        return check
    return Check.warn(check.name, check.message, _(
        "Not needed while [cluster] recognizes the pages; needed for --cluster local. {hint}",
        hint=check.hint or ""))


def doctor(config_path: Path | None = None, *, cluster: str | None = None) -> DoctorReport:
    """Every check, in order; never prompts, never prints a secret. Secrets come only from
    the environment variables or files trams.toml names. ``cluster``: as --cluster of
    `trams run` (an address, or "local"; None: [cluster])."""
    config_check, config = check_config(config_path)
    checks = [config_check]
    if config is None:
        return DoctorReport(tuple(checks))  # nothing else can be checked without it
    try:
        config = config.with_cluster(cluster)
    except TramsError as exc:
        return DoctorReport((*checks, Check.from_error("cluster", exc)))
    checks.append(check_agency(config))
    local = ocr_checks(config)
    checks += [_not_needed_here(c) for c in local] if config.cluster.scheduler else local
    checks += cluster_checks(config)
    checks += check_folders(config)
    try:
        checks += check_signing(config)
    except TramsError as exc:  # a service of the checks themselves could not start
        checks.append(Check.from_error("signing", exc))
    return DoctorReport(tuple(checks))
