"""What the run needs of scanning and signing: the stages it composes.

The pipeline is core and imports neither trams.scanning nor trams.signing. These protocols
say what the run calls on them (``trams.app.stages`` wires the real ones, tests give their
own), and :class:`Verdict` is what a verification answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from trams.errors import TramsError
from trams.models import (
    BornDigitalDocument,
    Discovery,
    DocumentFailure,
    DocumentSource,
    RecognizedDocument,
    SignatureRecord,
)


@dataclass(frozen=True)
class Verdict:
    """What the verification of a freshly signed document says."""

    passed: bool
    verdict: str  # ETSI indication of the file (TOTAL_PASSED, ...)
    detail: str = ""  # why it did not pass, one line


class Recognizer(Protocol):
    """Scanning, as the run needs it (``trams.scanning.stage.ScanningRecognizer``)."""

    grouping: str

    def check(self) -> None: ...

    def discover(self, inputs: Sequence[Path]) -> Discovery: ...

    def preflight(self, source: DocumentSource) -> TramsError | None: ...

    def recognize(self, documents: Sequence[DocumentSource], workdir: Path,
                  on_page: Callable[..., None]
                  ) -> Iterator[RecognizedDocument | BornDigitalDocument | DocumentFailure]:
        """``on_page(document)`` per page done; ``on_page(document, worker=NAME)`` for a
        page a cluster worker did (counted per worker in the summary)."""


class Signed(Protocol):
    """A signed document: its signatures, and any warning about the signers."""

    signatures: Sequence[SignatureRecord]
    warnings: Sequence[str]


class Signer(Protocol):
    """Keys opened once for the run (``trams.app.stages``). ``warnings``: certificate
    problems found when the keys were opened and accepted by configuration."""

    warnings: Sequence[str]

    def sign(self, src: Path, dst: Path) -> Signed: ...


class Verifier(Protocol):
    def verify(self, pdf: Path) -> Verdict: ...


@dataclass(frozen=True)
class Stages:
    recognizer: Recognizer
    open_signer: Callable[[], AbstractContextManager[Signer]]
    verifier: Verifier
