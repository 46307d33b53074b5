"""The page worker: load -> ink? -> deskew -> OCR -> orientation -> blank? -> quality -> encode.

Runs in a pool process. It gets a small task (file, page index, options, where to write)
and returns a small record; the page image itself is written once, by ``encode_page``,
into the batch's work folder and never travels back.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import math
import os
import signal
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageOps
from trams.scanning.cleanup import (
    ink_mask,
    ink_share,
    line_height,
    measure_skew,
    rotate_fine,
    turn_upright,
    worth_turning,
)
from trams.scanning.engine import OcrEngine, worker_engine
from trams.scanning.ingest import load_page
from trams.scanning.limits import below_minimum, low_dpi_error
from trams.scanning.ocr_image import is_negative, ocr_view, to_page
from trams.scanning.options import ScanOptions
from trams.scanning.process_memory import (
    M_MMAP_THRESHOLD,
    PAGE_MMAP_THRESHOLD,
    mallopt,
    release_memory,
)
from trams.scanning.quality import page_quality
from trams.scanning.reading_order import reading_order

from trams.errors import DependencyError, InputError, OcrError, StorageError, TramsError
from trams.fs import storage_error
from trams.i18n import _, set_language
from trams.models import Line, RecognizedPage, SourcePage, Word
from trams.pdf.images import encode_page

log = logging.getLogger(__name__)
_ERRORS = {cls.__name__: cls for cls in (InputError, OcrError, DependencyError, StorageError,
                                          TramsError)}
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)  # writing the page failed: the whole run


@dataclass(frozen=True)
class PageError:
    """A TramsError flattened to plain values (exceptions with keyword arguments do not
    survive pickling intact)."""

    kind: str
    message: str
    path: str | None
    hint: str | None
    code: str | None = None  # the error's machine code (docs/codes.md); None: the class's

    @classmethod
    def of(cls, exc: TramsError) -> PageError:
        kind = type(exc).__name__ if type(exc).__name__ in _ERRORS else "TramsError"
        return cls(kind, exc.message, str(exc.path) if exc.path else None, exc.hint, exc.code)

    def rebuild(self) -> TramsError:
        return _ERRORS[self.kind](self.message, path=self.path, hint=self.hint,
                                  code=self.code)


@dataclass(frozen=True)
class LogLine:
    """A warning or log record of a worker process, carried home with its page and logged
    there (:func:`relog`), so that it reaches the run's log and events once, as the main
    process's own do."""

    level: int
    logger: str
    message: str


@dataclass(frozen=True)
class PageOutcome:
    source: SourcePage
    page: RecognizedPage | None = None
    error: PageError | None = None
    logs: tuple[LogLine, ...] = ()


_IN_POOL = False  # set by init_worker: this process is a worker of the local pool


class _Collector(logging.Handler):
    def __init__(self, lines: list[LogLine]):
        super().__init__(logging.WARNING)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(LogLine(record.levelno, record.name, record.getMessage()))


@contextmanager
def _collected() -> Iterator[list[LogLine]]:
    """Warnings and log records (WARNING and up) raised meanwhile, as :class:`LogLine`."""
    lines: list[LogLine] = []
    handler = _Collector(lines)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            for category in (ResourceWarning, DeprecationWarning, PendingDeprecationWarning):
                warnings.simplefilter("ignore", category)  # a developer's, not a clerk's
            yield lines
    finally:
        root.removeHandler(handler)
        lines.extend(LogLine(logging.WARNING, "py.warnings", warnings.formatwarning(
            w.message, w.category, w.filename, w.lineno, w.line)) for w in caught)


def relog(outcome: PageOutcome) -> None:
    """Log, in this process, what a worker process collected while doing ``outcome``."""
    for line in outcome.logs:
        logging.getLogger(line.logger).log(line.level, "%s", line.message)


def init_worker(lang: str | None, parent: int | None = None) -> None:
    """Pool initializer: one thread per Tesseract, messages in the batch's language, and
    death with the parent: after a ``kill -9`` of the run, a worker would otherwise wait
    forever on the task queue (its siblings hold the queue's write end open)."""
    global _IN_POOL
    _IN_POOL = True
    # A worker's records and warnings go home with each page (PageOutcome.logs) and the run
    # logs them once: no handler of its own writes to the run's stderr (a worker started
    # by fork would hold copies of the run's). The NullHandler keeps Python's last-resort
    # handler quiet.
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    root.addHandler(logging.NullHandler())
    os.environ["OMP_THREAD_LIMIT"] = "1"
    set_language(lang)
    # Ctrl-C and SIGTERM are the run's to handle: it stops the pool and reports; a worker
    # ignores Ctrl-C (sent to the whole terminal group) and dies quietly on SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # A page's big buffers (its pixels, copies, masks: 9 MB each for an A4 grey page at 300
    # dpi) get mappings of their own, given back to the system when freed. glibc's default
    # threshold for that grows to the largest buffer freed so far, after which they came
    # from the heap and stayed: 113-114 MB at each page's peak on the reference pages, 104-105
    # with this. Smaller buffers stay on the heap: at 1 MB, the skew measure's arrays were
    # mapped and zeroed afresh too (10 times the page faults, 15 % slower).
    mallopt(M_MMAP_THRESHOLD, PAGE_MMAP_THRESHOLD)
    _die_with_parent(parent)


def _die_with_parent(parent: int | None) -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:  # the parent died before prctl
        os._exit(1)


NO_INK = 1e-4  # share of a page: under it there is nothing to read
# An orientation OSD is this sure of is taken even when reading the turned page is no
# better (a script the configured language cannot read: both readings are poor).
OSD_TRUSTED = 5.0


def _has_words(lines: tuple[Line, ...], options: ScanOptions) -> bool:
    """At least two words read with confidence (noise on a blank back gives none)."""
    sure = [w for line in lines for w in line.words
            if w.confidence >= options.low_confidence and len(w.text) > 1]
    return len(sure) >= 2


def _mean_confidence(lines: tuple[Line, ...]) -> float:
    confs = [w.confidence for line in lines for w in line.words]
    return sum(confs) / len(confs) if confs else 0.0


def _straighten(image: Image.Image, dpi: float, options: ScanOptions,
                skew: float | None = None, negative: bool = False):
    """(the page turned straight, the skew found); ``skew``: already measured, else measured
    here. A skew that moves a text line by less than :data:`~.cleanup.MIN_DRIFT_INCHES`
    across the page is left alone: turning by a few hundredths of a degree resamples every
    pixel and blurs the text for nothing."""
    if not options.deskew:
        skew = 0.0
    elif skew is None:
        skew = measure_skew(ImageOps.invert(image.convert("L")) if negative else image, dpi)
    if not worth_turning(skew, image.width, dpi):
        return image, skew
    return rotate_fine(image, -skew), skew


@dataclass(frozen=True)
class _Layout:
    """What the page's ink mask tells: measured once, before Tesseract runs, so the mask
    (an A4 page at 300 dpi: 9 MB) is not held while Tesseract reads."""

    skew: float | None  # None: not measured (deskew off)
    line_height: float | None  # text line height in page pixels; None: unknown


def _layout(mask, dpi_xy: tuple[float, float], options: ScanOptions) -> _Layout:
    dpi = min(dpi_xy)
    skew = measure_skew(None, dpi, mask=mask) if options.deskew else None
    # (non-square pixels, a fax mode at 200 dpi or less, are read as they are)
    square = abs(dpi_xy[0] - dpi_xy[1]) <= 0.01 * max(dpi_xy)
    return _Layout(skew, line_height(mask, skew or 0.0, dpi) if square else None)


def _looks_turned(lines: tuple[Line, ...], options: ScanOptions) -> bool:
    """Text read upside down gives few words at low confidence; text read sideways (which
    Tesseract may turn by itself) gives word boxes taller than wide."""
    words = [w for line in lines for w in line.words]
    if len(words) < 5 or _mean_confidence(lines) < options.review_mean_confidence:
        return True
    long_words = [w for w in words if len(w.text) >= 3]
    tall = sum(1 for w in long_words if (w.box[3] - w.box[1]) > (w.box[2] - w.box[0]))
    return bool(long_words) and tall / len(long_words) > 0.5


def unrotate_lines(lines: tuple[Line, ...], angle: float, size: tuple[int, int]
                   ) -> tuple[Line, ...]:
    """Boxes found on a page straightened by ``-angle``, moved back onto the original.

    Each box keeps its size and moves with its centre (a good fit for skews of a few
    degrees), clipped to the page.
    """
    if not angle:
        return lines
    w, h = size
    cx, cy = w / 2, h / 2
    sin, cos = math.sin(math.radians(angle)), math.cos(math.radians(angle))

    def move(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        bx, by = (box[0] + box[2]) / 2 - cx, (box[1] + box[3]) / 2 - cy
        nx, ny = cx + bx * cos + by * sin, cy - bx * sin + by * cos
        hw, hh = (box[2] - box[0]) / 2, (box[3] - box[1]) / 2
        return (max(0, round(nx - hw)), max(0, round(ny - hh)),
                min(w, round(nx + hw)), min(h, round(ny + hh)))

    return tuple(Line(words=tuple(Word(x.text, move(x.box), x.confidence) for x in line.words),
                      box=move(line.box), block=line.block) for line in lines)


def _read(work: Image.Image, dpi: tuple[float, float], options: ScanOptions,
          engine: OcrEngine, negative: bool, lines_px: float | None = None
          ) -> tuple[Line, ...]:
    """OCR of the image handed to Tesseract (:mod:`.ocr_image`), boxes on ``work``;
    ``lines_px``: the height of the page's text lines, when measured."""
    view = ocr_view(work, dpi, drop_red_ink=options.drop_red_ink, negative=negative,
                    line_height=lines_px, read_line_height=options.read_line_height)
    lines = engine.recognize(view.image, dpi=view.dpi, languages=options.languages)
    return reading_order(to_page(lines, view), dpi=min(dpi))


def _orientation(work: Image.Image, dpi: tuple[float, float], options: ScanOptions,
                 engine: OcrEngine, negative: bool):
    view = ocr_view(work, dpi, drop_red_ink=options.drop_red_ink, negative=negative)
    return engine.orientation(view.image, dpi=view.dpi)


class _Original:
    """The page's pixels as decoded. Once a straightened copy stands in for them they are
    let go (an A4 page at 300 dpi: 9 MB grey, 26 MB colour; a worker holds one page) and
    decoded again from the file in the rare case they are needed once more: a page read
    sideways or upside down is turned from them, not from the straightened copy."""

    def __init__(self, image: Image.Image, source: SourcePage, options: ScanOptions):
        self._image: Image.Image | None = image
        self.source, self.options = source, options

    def get(self) -> Image.Image:
        if self._image is None:
            self._image = load_page(self.source, default_dpi=self.options.default_dpi).image
        return self._image

    def release(self) -> None:
        self._image = None


def _clean_and_read(original: _Original, dpi_xy: tuple[float, float], options: ScanOptions,
                    engine: OcrEngine, layout: _Layout, negative: bool = False):
    """Returns (archived image, lines on it, skew found, right-angle turn, problems)."""
    problems: list[str] = []
    dpi = min(dpi_xy)
    work, skew = _straighten(original.get(), dpi, options, layout.skew, negative)
    if work is not original.get() and not options.keep_original_pixels:
        original.release()  # the straightened copy is what is read and kept
    lines_px = layout.line_height
    lines = _read(work, dpi_xy, options, engine, negative, lines_px)
    rotation = 0
    if options.rotate_pages and _looks_turned(lines, options):
        found = _orientation(work, dpi_xy, options, engine, negative)
        if found.rotate and found.confidence >= options.rotate_min_confidence:
            turned = turn_upright(original.get(), found.rotate)
            original.release()
            turned_dpi = dpi_xy if found.rotate == 180 else (dpi_xy[1], dpi_xy[0])
            work2, skew2 = _straighten(turned, dpi, options, None, negative)
            lines2 = _read(work2, turned_dpi, options, engine, negative)
            before, after = _mean_confidence(lines), _mean_confidence(lines2)
            if after >= before or (_looks_turned(lines, options)
                                   and not _looks_turned(lines2, options)) or (
                    found.confidence >= OSD_TRUSTED and after >= 0.8 * before):
                work, skew, lines, rotation = work2, skew2, lines2, found.rotate
                if options.keep_original_pixels:
                    original = _Original(turned, original.source, options)
            else:
                problems.append("orientation_uncertain")
        elif found.rotate:
            problems.append("orientation_uncertain")
    if options.keep_original_pixels:
        # Right-angle turns are lossless and kept; the fine rotation is not applied.
        image = original.get()
        turned_by = skew if worth_turning(skew, image.width, dpi) else 0.0
        return image, unrotate_lines(lines, turned_by, image.size), skew, rotation, problems
    return work, lines, skew, rotation, problems


def process_page(source: SourcePage, dest_stem: Path, options: ScanOptions) -> PageOutcome:
    """Everything done to one page; errors come back as values, never raised.

    The page function of every worker: the process pool of :mod:`.recognize` runs it, and
    so can any other executor (a Dask worker): a small picklable task in (the page's file
    and index, where to write its image, the batch's options), a small picklable
    :class:`PageOutcome` out, the page image written once under ``dest_stem``. The OCR
    engine is made on the first page and kept by the process (one per thread):
    :func:`~.engine.worker_engine`. Memory the page used is given back to the system before
    the next one (:func:`release_memory`). In a worker of the local pool, the page's
    warnings and log records come back in the outcome (:func:`relog`)."""
    # outside the pool (jobs 1), this process's own handlers see what the page logs
    with _collected() if _IN_POOL else nullcontext([]) as logs:
        try:
            outcome = _process_page(source, dest_stem, options)
        finally:
            release_memory()
    return replace(outcome, logs=tuple(logs)) if logs else outcome


def _process_page(source: SourcePage, dest_stem: Path, options: ScanOptions) -> PageOutcome:
    try:
        loaded = load_page(source, default_dpi=options.default_dpi)
        dpi_xy = loaded.dpi
        dpi = min(dpi_xy)
        problems: list[str] = [] if loaded.dpi_from_file else ["dpi_assumed"]
        if below_minimum(dpi, options.min_dpi):
            if not options.accept_low_dpi:
                raise low_dpi_error(source.path, source.index + 1, dpi, options.min_dpi)
            problems.append("low_dpi")
        engine = worker_engine(options.engine, timeout=options.timeout_seconds,
                               workdir=dest_stem.parent)
        original = _Original(loaded.image, source, options)
        del loaded
        negative = is_negative(original.get())  # light text on dark: analysed inverted
        analysed = (ImageOps.invert(original.get().convert("L")) if negative
                    else original.get())
        mask = ink_mask(analysed, dpi)  # shared by the blank test, the skew, the line height
        share = ink_share(analysed, dpi, mask=mask)
        # any ink, margins too (a line at the top edge)
        layout = _layout(mask, dpi_xy, options) if mask.mean() >= NO_INK else None
        del analysed, mask
        skew, rotation, lines = 0.0, 0, ()
        if layout is not None:
            image, lines, skew, rotation, found = _clean_and_read(
                original, dpi_xy, options, engine, layout, negative)
            problems += found
            # What Tesseract freed goes back before the JPEG encoder takes its own buffers:
            # not reused by them, it kept a worker 18 MB larger (164 -> 146 MB at the peak).
            release_memory()
        else:
            image = original.get()
        del original
        # Little ink is not enough to call a page blank: one line of text on a page covers
        # 0.1 %. A page is blank when it has little ink and no word read with confidence.
        blank = 1.0 - share >= options.blank_threshold and not _has_words(lines, options)
        quality = page_quality(lines, dpi=dpi, skew=skew, rotation=rotation, blank=blank,
                               problems=problems, options=options)
        encoded = encode_page(image, dest_stem, lossless=options.lossless,
                              jpeg_quality=options.jpeg_quality)
        # A page turned by 90/270 swaps its resolutions along with its sides.
        xy = dpi_xy if rotation in (0, 180) else (dpi_xy[1], dpi_xy[0])
        page = RecognizedPage(source=source, image=encoded, dpi=xy, lines=lines,
                              quality=quality)
        return PageOutcome(source=source, page=page)
    except TramsError as exc:
        if exc.path is None:
            exc.path = source.path
        return PageOutcome(source=source, error=PageError.of(exc))
    except OSError as exc:
        if exc.errno not in _FULL:
            return _unexpected(source, exc)
        return PageOutcome(source=source, error=PageError.of(storage_error(exc, dest_stem)))
    except MemoryError:
        return PageOutcome(source=source, error=PageError(
            "InputError", _("not enough memory to process page {number}",
                            number=source.index + 1),
            str(source.path), _("Run with fewer --jobs, or scan at a lower resolution."),
            "out_of_memory"))
    except Exception as exc:  # a bug, or a library failing on odd pixels: this page only
        return _unexpected(source, exc)


def _unexpected(source: SourcePage, exc: Exception) -> PageOutcome:
    """A page failed for a reason nobody foresaw: that page's document fails with the
    reason; the traceback goes to the debug log (the run's log file with --verbose),
    never to stderr on its own."""
    log.debug("unexpected error on page %d of %s", source.index + 1, source.path,
              exc_info=True)
    return PageOutcome(source=source, error=PageError(
        "TramsError", _("unexpected error on page {number} ({reason})",
                        number=source.index + 1, reason=f"{type(exc).__name__}: {exc}"),
        str(source.path), _("Please report it, with the output of --verbose.")))
