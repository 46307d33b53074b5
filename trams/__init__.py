"""TRAMS: paper records to signed, searchable, archival PDFs (core package).

Import direction: ``trams.cli`` -> ``trams.scanning``, ``trams.signing`` -> ``trams``.
The core never imports the CLI, scanning or signing.
"""

__version__ = "0.1.0"
