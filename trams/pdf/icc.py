"""A small ICC version 2 sRGB profile for the PDF/A output intent, built in code.

PDF/A-1 (PDF 1.4) accepts only ICC version 2 profiles; version 2 is valid for PDF/A-2 as
well, so one profile serves every level. Pillow's LittleCMS makes version 4 profiles only,
hence this builder: a matrix/TRC display profile with the IEC 61966-2-1 sRGB primaries
(Bradford-adapted to D50, as ICC requires) and the sRGB tone curve as a 1024-entry table.
Deterministic bytes, no licence question.
"""

from __future__ import annotations

import struct
from functools import cache

DESCRIPTION = "sRGB IEC61966-2.1 (TRAMS)"
COPYRIGHT = "No copyright, use freely"

_WHITE_D50 = (0.9642, 1.0, 0.8249)
_RED = (0.4360747, 0.2225045, 0.0139322)
_GREEN = (0.3850649, 0.7168786, 0.0971045)
_BLUE = (0.1430804, 0.0606169, 0.7141733)


def _s15f16(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _xyz(v: tuple[float, float, float]) -> bytes:
    return b"XYZ " + b"\0" * 4 + b"".join(_s15f16(c) for c in v)


def _curve() -> bytes:
    n = 1024
    values = []
    for i in range(n):
        x = i / (n - 1)
        y = x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4
        values.append(round(y * 65535))
    return b"curv" + b"\0" * 4 + struct.pack(">I", n) + struct.pack(f">{n}H", *values)


def _desc(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\0"
    body = b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_)) + ascii_
    body += struct.pack(">II", 0, 0)  # no Unicode description
    body += struct.pack(">HB", 0, 0) + b"\0" * 67  # no ScriptCode description
    return body


def _text(text: str) -> bytes:
    return b"text" + b"\0" * 4 + text.encode("ascii") + b"\0"


@cache
def srgb_v2_profile() -> bytes:
    curve = _curve()
    tags = [
        (b"desc", _desc(DESCRIPTION)),
        (b"cprt", _text(COPYRIGHT)),
        (b"wtpt", _xyz(_WHITE_D50)),
        (b"rXYZ", _xyz(_RED)),
        (b"gXYZ", _xyz(_GREEN)),
        (b"bXYZ", _xyz(_BLUE)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table = struct.pack(">I", len(tags))
    data = b""
    shared: dict[bytes, int] = {}
    for sig, body in tags:
        if body in shared:  # the three TRC tags share one curve
            table += sig + struct.pack(">II", shared[body], len(body))
            continue
        while (offset + len(data)) % 4:
            data += b"\0"
        where = offset + len(data)
        shared[body] = where
        table += sig + struct.pack(">II", where, len(body))
        data += body
    size = 128 + len(table) + len(data)
    header = struct.pack(">I", size) + b"\0\0\0\0"  # size, preferred CMM: none
    header += bytes([2, 0x10, 0, 0])  # version 2.1.0
    header += b"mntr" + b"RGB " + b"XYZ "
    header += struct.pack(">6H", 2000, 1, 1, 0, 0, 0)  # creation date: fixed
    header += b"acsp" + b"\0" * 4  # platform: none
    header += struct.pack(">I", 0) + b"\0" * 4 + b"\0" * 4  # flags, manufacturer, model
    header += b"\0" * 8  # device attributes
    header += struct.pack(">I", 0)  # rendering intent: perceptual
    header += b"".join(_s15f16(c) for c in _WHITE_D50)  # illuminant
    header += b"\0" * 4  # creator
    header += b"\0" * (128 - len(header))
    assert len(header) == 128
    return header + table + data
