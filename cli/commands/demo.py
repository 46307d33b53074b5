"""`trams demo`: the whole chain on the bundled samples, with the demo PKI."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from trams.errors import ExitCode
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
    ) -> None:
        from trams.cli.demo_run import run_demo
        from trams.cli.render import error_console, out_console, print_json

        err = error_console()

        def progress(event: str, data: dict) -> None:
            if event == "start":
                err.print(_("Digitizing {documents} documents ({pages} pages)...",
                            documents=data["documents"], pages=data["pages"]))
            elif event == "recognized":
                err.print(_("  recognized {name} ({pages} pages)", **data))
            elif event == "archived":
                err.print(_("  signed and archived {name}: {verdict}", name=data["name"],
                            verdict=data["verdict"]))
            elif event == "skipped":
                err.print(_("  {name} is already archived, skipped", **data))
            elif event == "failed":
                err.print(_("  {name} failed: {error}", **data), style="red")

        summary = run_demo(out, jobs=jobs or None, progress=progress)
        docs = summary["documents"]
        failed = [d for d in docs if d["status"] == "failed" or
                  (d["status"] == "archived" and d["verdict"] != "TOTAL_PASSED")]
        if as_json:
            print_json(summary, kind="demo")
        else:
            console = out_console()
            console.print(_("Archive: {path}", path=summary["archive"]))
            for d in docs:
                console.print(f"  {d['name']}: {d['status']}"
                              + (f" -> {d.get('path')} ({d.get('verdict')})"
                                 if d["status"] == "archived" else ""))
            console.print(_("Done in {seconds} s (stages: {timings}).",
                            seconds=summary["wall_seconds"],
                            timings=json.dumps(summary["timings"])))
        if failed or summary.get("failures"):
            raise typer.Exit(int(ExitCode.PARTIAL))
