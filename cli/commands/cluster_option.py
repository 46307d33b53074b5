"""The ``--cluster ADDRESS|local`` option of `trams run`, `trams ocr` and `trams doctor`
(docs/cluster.md): an address is checked by the configuration's own rule, so a bad one is a
usage error (exit 2) before anything runs."""

from __future__ import annotations

import typer

from trams.i18n import _

# start-up: every `trams` call builds this option; the configuration's rules load when a
# value is given.


def scheduler_argument(value: str | None) -> str | None:
    """``--cluster``: a scheduler address or ``local``; anything else is a usage error."""
    from trams.config import LOCAL_CLUSTER, scheduler_problem

    if value is None or value == LOCAL_CLUSTER:
        return value
    reason = scheduler_problem(value)
    if reason is not None:
        raise typer.BadParameter(reason)
    return value


def cluster_option() -> object:
    """The ``--cluster`` option, for ``Annotated[str | None, cluster_option()] = None``
    (built when the commands are, in the chosen language)."""
    return typer.Option(
        "--cluster", metavar="ADDRESS|local", callback=scheduler_argument,
        help=_("Recognize the pages on the Dask cluster of this scheduler (tcp://HOST:PORT "
               "or tls://HOST:PORT), or on this machine with local (default: [cluster] "
               "scheduler of trams.toml, else this machine)."))
