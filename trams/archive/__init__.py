"""The archive: record folders as BagIt bags, crash-safe and immutable, with a state
database and a hash-chained journal. See :mod:`trams.archive.store` for the guarantees and
:mod:`trams.archive.layout` for the folder layout and version names.

Public API::

    with Archive.open(root, layout="{agency_code}/{year}/{file_code}/",
                      agency_code="H42", writer=True) as archive:
        done = archive.add_document(record, document, pdf, source_hash=..., page_count=3,
                                    signatures=[SignatureRecord, ...],
                                    quality=QualityReport | None, sidecar_text=None)
        archive.is_done(source_hash); archive.record_status(source_hash, stage=..., status=...)
        report = archive.check(deep=False, verifier=None)   # CheckReport, report.ok
        rows = archive.stats(by="month")

Finding and reporting (read only, see docs/search.md): :func:`trams.archive.search.search`
and :func:`~trams.archive.search.show`, :func:`trams.archive.report.report`; the search
index (:mod:`trams.archive.index`, kept up to date by every add, rebuilt by
:func:`~trams.archive.index.reindex`); :func:`trams.archive.rebuild.rebuild` makes a lost
or damaged state database again from the bags.
"""

from trams.archive.check import CheckReport, Problem
from trams.archive.layout import DEFAULT_LAYOUT, Layout
from trams.archive.records import ArchivedDocument, Verifier
from trams.archive.stats import COLUMNS as STATS_COLUMNS
from trams.archive.store import Archive

__all__ = ["Archive", "ArchivedDocument", "CheckReport", "DEFAULT_LAYOUT", "Layout", "Problem",
           "STATS_COLUMNS", "Verifier"]
