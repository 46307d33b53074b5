"""The progress display on a real terminal (a pseudo-terminal of 80 and 160 columns):
as wide as the terminal, nothing wider, and columns that hold still as the rate appears."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import pytest
from support.runs import sample_inbox, write_run_config

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def _run_on_a_terminal(cfg, columns: int) -> str:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns)}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "trams", "--lang", "en", "--config",
                             str(cfg), "run"], stdin=slave, stdout=slave, stderr=slave,
                            env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=300) == 0
    return b"".join(chunks).decode("utf-8", errors="replace")


@pytest.mark.slow
@pytest.mark.parametrize("columns", [80, 160])
def test_progress_bar_uses_the_terminal_width_and_holds_still(pki, tmp_path, columns) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("02-cong-van",))  # two pages
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    output = _run_on_a_terminal(cfg, columns)
    frames = [ANSI.sub("", f) for f in re.split(r"\r\n|\r|\n", output)]
    bars = [f for f in frames if re.match(r"^(documents|pages)\s+[━╸╺ ]", f)]
    assert bars, output[-2000:]
    for frame in bars:
        assert len(frame.rstrip()) <= columns, (columns, frame)
    widest = max(len(re.sub(r"[^━╸╺]", "", f)) for f in bars)
    assert widest >= columns - 80  # the bar takes what the fixed columns leave
    # the page counter stays in its column while the rate appears and changes
    for column in (r"\d+/\d+", r"\d:\d\d:\d\d"):
        positions = {m.start() for f in bars if f.startswith("pages")
                     for m in [re.search(column, f)] if m}
        assert len(positions) == 1, (column, positions)
