"""Character error rate (CER) scoring, shared by the tests and the benchmarks."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np


def levenshtein(a: str, b: str) -> int:
    """Edit distance on characters; one numpy row per character of ``a``."""
    if not a or not b:
        return len(a) or len(b)
    bcodes = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    ramp = np.arange(len(b) + 1)
    prev = ramp.copy()
    for i, ch in enumerate(a, start=1):
        cur = np.empty_like(prev)
        cur[0] = i
        cur[1:] = np.minimum(prev[1:] + 1, prev[:-1] + (bcodes != ord(ch)))
        # insertions: cur[j] = min(cur[j], cur[j-1] + 1), a running minimum on cur - j
        prev = np.minimum.accumulate(cur - ramp) + ramp
    return int(prev[-1])


def _normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def cer(recognized: str, truth: str) -> float:
    """Character error rate, whitespace-normalized (runs of spaces/newlines = one space)."""
    r, t = _normalize(recognized), _normalize(truth)
    return levenshtein(r, t) / max(1, len(t))


def best_cer(recognized: str, page_stem: Path) -> float:
    """Against gt.txt or gt_rows.txt, whichever fits better."""
    scores = []
    for suffix in (".gt.txt", ".gt_rows.txt"):
        gt = page_stem.with_name(page_stem.name + suffix)
        scores.append(cer(recognized, gt.read_text(encoding="utf-8")))
    return min(scores)
