"""BagIt (RFC 8493) tag files of a record folder, written crash-safely.

The payload files are linked into ``data/`` by the archive; this module rewrites the tag
files around them: ``bagit.txt`` (once), ``manifest-sha256.txt``, ``bag-info.txt`` (with
Payload-Oxum) and ``tagmanifest-sha256.txt``. All new contents are first written to
temporary files (``.trams-tmp-*``) in the record folder and fsynced; only then are they
renamed over the old ones, and the folder fsynced. A crash before the renames leaves the old
tag files; a crash between renames leaves a mix that the archive's recovery rewrites (the
manifest is the merge of the old one and the transaction's files, so rewriting is idempotent).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import date
from pathlib import Path

from trams import __version__
from trams.archive.layout import PAYLOAD_DIR
from trams.faults import disk_full, fault
from trams.fs import TMP_PREFIX, fsync_dir

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
BAG_INFO = "bag-info.txt"
TAG_FILES = ("bagit.txt", BAG_INFO, MANIFEST, TAGMANIFEST)


def _encode(name: str) -> str:
    # RFC 8493 2.1.3: CR, LF and % are percent-encoded (names with % are refused earlier).
    return name.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _decode(name: str) -> str:
    return name.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def read_manifest(path: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of a manifest file; empty if it does not exist."""
    entries: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return entries
    for line in text.splitlines():
        if line.strip():
            digest, _sep, name = line.partition(" ")
            entries[_decode(name.lstrip(" *"))] = digest.lower()
    return entries


def manifest_bytes(entries: dict[str, str]) -> bytes:
    return "".join(f"{entries[name]}  {_encode(name)}\n" for name in sorted(entries)).encode()


def _temp(folder: Path, data: bytes) -> Path:
    disk_full("tags.write")
    fd, name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".txt", dir=folder)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    return Path(name)


def bag_info_bytes(folder: Path, entries: dict[str, str], *, external_id: str,
                   organization: str) -> bytes:
    total = sum((folder / name).stat().st_size for name in entries)
    lines = [
        f"Bag-Software-Agent: trams {__version__}",
        f"Bagging-Date: {date.today().isoformat()}",
        f"External-Identifier: {external_id}",
        f"Payload-Oxum: {total}.{len(entries)}",
        f"Source-Organization: {organization}",
    ]
    return ("\n".join(line for line in lines if not line.endswith(": ")) + "\n").encode()


def write_tags(folder: Path, entries: dict[str, str], *, external_id: str,
               organization: str) -> None:
    """Make ``folder`` a complete bag whose manifest is exactly ``entries``."""
    bagit_txt = folder / "bagit.txt"
    temps: list[Path] = []
    try:
        if not bagit_txt.exists():
            tmp = _temp(folder, BAGIT_TXT)
            temps.append(tmp)
            fault("tags.bagit_txt")
            os.replace(tmp, bagit_txt)
            temps.remove(tmp)
        manifest = manifest_bytes(entries)
        info = bag_info_bytes(folder, entries, external_id=external_id, organization=organization)
        tags = {"bagit.txt": BAGIT_TXT, BAG_INFO: info, MANIFEST: manifest}
        tagmanifest = manifest_bytes({k: hashlib.sha256(v).hexdigest() for k, v in tags.items()})
        plan = [(MANIFEST, manifest, "tags.manifest_renamed"),
                (BAG_INFO, info, "tags.baginfo_renamed"),
                (TAGMANIFEST, tagmanifest, "tags.tagmanifest_renamed")]
        staged = []
        for name, data, point in plan:
            tmp = _temp(folder, data)
            temps.append(tmp)
            staged.append((tmp, name, point))
        fault("tags.manifest_tmp")
        for tmp, name, point in staged:
            os.replace(tmp, folder / name)
            temps.remove(tmp)
            fault(point)
        fsync_dir(folder)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)


def payload_name(file_name: str) -> str:
    return f"{PAYLOAD_DIR}/{file_name}"
