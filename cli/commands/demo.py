"""`trams demo`: the whole chain on the bundled samples, with the demo PKI."""

from __future__ import annotations

from pathlib import Path

import typer
from trams.cli.commands.common import FORMAT_HELP, JSON_HELP
from trams.cli.render import error_console, out_console, print_json

from trams.i18n import _

# start-up: every `trams` call loads all command modules (cli/root.py), so the app layer
# and heavy renderers are imported inside the command functions, not here.


def register(app: typer.Typer) -> None:
    @app.command(help=_(
        "Run the whole chain on the bundled sample scans: OCR, PDF/A, leader and agency "
        "signatures (demo PKI served on 127.0.0.1), archive, verification. Safe to re-run. "
        "With --serve: keep the demo PKI running and write a trial site (trams.toml, demo "
        "keys, inbox, archive) into the --output folder, to try TRAMS on your own scans."))
    def demo(
        out: Path | None = typer.Option(None, "--output", "-o", help=_(
            "Folder for the demo PKI and archive (default: trams-demo; with --serve: "
            "trams-trial).")),
        jobs: int = typer.Option(0, "--jobs", "-j", help=_(
            "Worker processes (0: all cores).")),
        serve: bool = typer.Option(False, "--serve", help=_(
            "Serve the demo TSA, OCSP and CRL on 127.0.0.1 until Ctrl-C and write a trial "
            "site whose trams.toml passes `trams doctor`.")),
        port: int = typer.Option(8080, "--port", min=1, max=65535, help=_(
            "Port of the demo PKI with --serve.")),
        fmt: str | None = typer.Option(None, "--format", metavar="text|json",
                                       help=_(FORMAT_HELP)),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
    ) -> int:
        from trams.cli.commands.common import output_format

        as_json = output_format(fmt, as_json, ("text", "json")) == "json"
        if serve:
            return _serve(out or Path("trams-trial"), port, as_json=as_json)
        from trams.app.demo import DemoOptions
        from trams.app.demo import demo as run_demo
        from trams.cli.commands.run import sink_for
        from trams.cli.run_render import print_summary

        summary = run_demo(DemoOptions(out=out or Path("trams-demo"), jobs=jobs or None),
                           sinks=[sink_for("text" if as_json else "auto", error_console())])
        if as_json:
            print_json(summary.to_dict(), kind="demo")
        else:
            print_summary(summary, out_console())
        return int(summary.exit_code)


def _serve(folder: Path, port: int, *, as_json: bool) -> int:
    """Serve until Ctrl-C or SIGTERM; the site's paths and next steps on stdout."""
    import signal
    import threading

    from trams.app.demo import ServeOptions, serve_trial_site

    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_a: stop.set())
    try:
        with serve_trial_site(ServeOptions(folder=folder, port=port)) as site:
            if as_json:
                print_json(site.to_dict(), kind="demo-serve")
            else:
                out = out_console()
                out.print(_("Trial site ready in {folder} (demo PKI on {url}, DEMO ONLY).",
                            folder=site.folder, url=site.url), markup=False)
                if not site.config_written:
                    out.print(_("{config} was edited: it was kept as it is.",
                                config=site.config), markup=False)
                out.print(_("In another terminal:\n  trams --config {config} doctor\n"
                            "  copy scans (a folder per document) into {inbox}\n"
                            "  trams --config {config} run\nPress Ctrl-C here to stop.",
                            config=site.config, inbox=site.folder / "inbox"), markup=False)
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0
