"""`trams demo`: the whole chain on the bundled samples, with the demo PKI."""

from __future__ import annotations

from pathlib import Path

import typer

from trams.i18n import _


def register(app: typer.Typer) -> None:
    @app.command(help=_(
        "Run the whole chain on the bundled sample scans: OCR, PDF/A, leader and agency "
        "signatures (demo PKI served on 127.0.0.1), archive, verification. Safe to re-run."))
    def demo(
        out: Path = typer.Option(Path("trams-demo"), "--out", "-o",
                                 help=_("Folder for the demo PKI and archive.")),
        jobs: int = typer.Option(0, "--jobs", "-j", help=_("OCR worker processes (0: all cores).")),
        as_json: bool = typer.Option(False, "--json", help=_("Print the summary as JSON.")),
    ) -> int:
        from trams.app.demo import DemoOptions
        from trams.app.demo import demo as run_demo
        from trams.cli.commands.run import sink_for
        from trams.cli.render import error_console, out_console, print_json
        from trams.cli.run_render import print_summary

        summary = run_demo(DemoOptions(out=out, jobs=jobs or None),
                           sinks=[sink_for("text" if as_json else "auto", error_console())])
        if as_json:
            print_json(summary.to_dict(), kind="demo")
        else:
            print_summary(summary, out_console())
        return int(summary.exit_code)
