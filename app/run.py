"""`trams run`: the nightly batch, from the inbox to the signed archive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trams.app.secrets import SecretPrompter, profile_secrets, refuse_prompt
from trams.app.stages import build_stages

from trams.config import TramsConfig
from trams.errors import TramsError
from trams.pipeline import RunSummary, Stages, refused_run, run_batch
from trams.pipeline.events import Sink


@dataclass(frozen=True)
class RunOptions:
    """What the command line may override for one run (None: trams.toml decides)."""

    inbox: Path | None = None  # default: [inbox] path
    dry_run: bool = False  # plan and report; open no key, write nothing
    jobs: int | None = None  # OCR worker processes
    move_done: bool | None = None  # default: [inbox] move_done
    # --cluster: a Dask scheduler's address, or "local" (default: [cluster] scheduler)
    cluster: str | None = None


def run(config: TramsConfig, options: RunOptions = RunOptions(), *,
        prompter: SecretPrompter = refuse_prompt, sinks: Sequence[Sink] = ()) -> RunSummary:
    """OCR, PDF/A, signatures, verification and the archive for every new document of the
    inbox; resumable. Never raises for one document; ``summary.exit_code`` says how it
    went. ``sinks`` receive the run's events (progress bars, JSON lines)."""
    def stages() -> Stages:  # inside the run: a missing secret is reported like the rest
        secrets = {} if options.dry_run else profile_secrets(config, prompter)
        return build_stages(config.with_cluster(options.cluster), secrets=secrets,
                            jobs=options.jobs)

    return run_batch(config, stages, inputs=[options.inbox] if options.inbox else None,
                     dry_run=options.dry_run, move_done=options.move_done, sinks=sinks)


def refused(error: TramsError, options: RunOptions = RunOptions(), *,
            sinks: Sequence[Sink] = ()) -> RunSummary:
    """The report of a run that could not start because its configuration could not be
    loaded (the archive is unknown, so no log file): the same events and summary as any
    run, with ``aborted`` set, so a cron job's JSON never goes missing."""
    return refused_run(error, inbox=options.inbox, dry_run=options.dry_run, sinks=sinks)
