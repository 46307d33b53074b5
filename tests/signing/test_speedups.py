"""The fast hex-string reader gives exactly what pyHanko's own reader gives."""

from __future__ import annotations

import random
from io import BytesIO

import pytest
from pyhanko.pdf_utils.misc import PdfStreamError
from trams.signing import speedups


def both(data: bytes):
    a, b = BytesIO(data), BytesIO(data)
    try:
        expected = speedups.ORIGINAL(a)
    except PdfStreamError as exc:
        with pytest.raises(type(exc)):
            speedups.read_hex_string_from_stream(b)
        return None
    got = speedups.read_hex_string_from_stream(b)
    assert type(got) is type(expected) and got == expected
    assert a.tell() == b.tell()
    assert a.read() == b.read()
    return got


@pytest.mark.parametrize("data", [
    b"<>", b"<41>", b"<4142 43\n44\r\t45\x00>tail", b"<414>", b"<FEFF00e1>",
    b"<ab%comment\ncd>", b"<zz>", b"<4142", b"<41>" + b"0" * 70000,
])
def test_same_result_as_pyhanko(data):
    both(data)


def test_long_signature_like_strings():
    rnd = random.Random(7)
    for size in (1, 40000, 70001):
        body = "".join(rnd.choice("0123456789abcdefABCDEF \n") for _ in range(size))
        assert both(f"<{body}> /Next".encode()) is not None
