"""`trams run` without the terminal: the batch from inbox to archive.

Public API::

    from trams.pipeline import Stages, Verdict, run_batch, RunSummary

    summary = run_batch(config, Stages(recognizer=..., open_signer=..., verifier=...),
                        inputs=None, dry_run=False, move_done=None, sinks=[callback])
    summary.exit_code, summary.to_dict()

The stages are the scanning and signing capabilities (the protocols of
:mod:`trams.pipeline.stages`), wired by ``trams.app.stages``;
this package composes them with trams.pdf and trams.archive and
owns the run's bookkeeping: content hashes, metadata, inbox moves, events and the summary.
See :mod:`trams.pipeline.engine` for the order of work and the failure rules.
"""

from trams.pipeline.engine import run_batch
from trams.pipeline.events import DocumentOutcome, JsonLog, MovedInput, RunSummary, refused_run
from trams.pipeline.plan import source_hash
from trams.pipeline.stages import Recognizer, Signed, Signer, Stages, Verdict, Verifier

__all__ = ["DocumentOutcome", "JsonLog", "MovedInput", "Recognizer", "RunSummary", "Signed",
           "Signer", "Stages", "Verdict", "Verifier", "refused_run", "run_batch",
           "source_hash"]
