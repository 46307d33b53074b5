"""`trams cluster worker ADDRESS` (the ``--cluster`` option of run, ocr and doctor:
:mod:`.cluster_option`).

Parse -> :func:`trams.app.cluster.prepare_worker` -> render its checks -> run Dask's worker
(:func:`trams.app.cluster.serve_worker`: again whenever its scheduler went away) until
Ctrl-C or SIGTERM (exit 130). docs/cluster.md.
"""

from __future__ import annotations

import signal
from typing import Annotated

import typer
from trams.cli.commands.cluster_option import scheduler_argument

from trams.i18n import _

# start-up: every `trams` call loads all command modules (cli/root.py), so the app layer,
# the configuration and the renderers are imported inside the command function.


def worker_command(
    ctx: typer.Context,
    scheduler: Annotated[str | None, typer.Argument(  # noqa: UP007
        metavar="ADDRESS", callback=scheduler_argument,
        help=_("The scheduler, tcp://HOST:PORT or tls://HOST:PORT (default: [cluster] "
               "scheduler)."))] = None,
    nworkers: Annotated[int | None, typer.Option(  # noqa: UP007
        "--nworkers", "-n", min=1,
        help=_("Worker processes, one page each at a time (default: the CPU cores)."))
    ] = None,
    name: Annotated[str | None, typer.Option(  # noqa: UP007
        "--name", help=_("Name of the workers in reports (several processes: NAME-0, "
                         "NAME-1, ...; default: the host name)."))] = None,
    ocr_lang: Annotated[str | None, typer.Option(  # noqa: UP007
        "--languages", "-l",
        help=_("Tesseract languages to check, e.g. vie+eng (default: ocr.languages)."))
    ] = None,
) -> int:
    """Check Tesseract and its language data, then join the cluster as a Dask worker."""
    from trams.app.cluster import WorkerOptions, prepare_worker, serve_worker
    from trams.cli.commands.common import config_from
    from trams.cli.commands.doctor import render_text
    from trams.cli.render import error_console

    from trams.config import LOCAL_CLUSTER

    if scheduler == LOCAL_CLUSTER:
        raise typer.BadParameter(_("a worker needs a scheduler address"),
                                 param_hint="ADDRESS")
    launch = prepare_worker(config_from(ctx), WorkerOptions(
        scheduler=scheduler, nworkers=nworkers, name=name, languages=ocr_lang))
    console = error_console()
    if not launch.ready:
        from trams.app.doctor import DoctorReport

        render_text(DoctorReport(launch.checks))
        console.print(_("This machine cannot recognize pages: fix the above, then start the "
                        "worker again."), markup=False, style="bold red")
        return int(launch.exit_code)

    def notify(message: str) -> None:
        console.print(message, markup=False, soft_wrap=True)

    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return int(serve_worker(launch, notify=notify))
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the worker is being stopped
    raise KeyboardInterrupt


def register(app: typer.Typer) -> None:
    group = typer.Typer(help=_("The OCR cluster (Dask): join it as a worker."),
                        no_args_is_help=True)
    app.add_typer(group, name="cluster")
    group.command("worker", help=_(
        "Join the OCR cluster as a Dask worker: Tesseract and the configured language data "
        "are checked first (no join without them); then one single-threaded worker "
        "process per core recognizes pages sent by `trams run --cluster` and `trams ocr "
        "--cluster`, and joins again whenever the scheduler comes back, until Ctrl-C or "
        "SIGTERM. Keys and the archive never leave the machine that runs the batch."))(
        worker_command)
