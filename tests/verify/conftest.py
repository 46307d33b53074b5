"""Fixtures: the demo PKI served for the session, and signed PDFs made with pyHanko."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from support import pdfmaker as pm

PAST = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # the "expired" signer was valid then


@pytest.fixture(scope="session")
def docs(pki, tmp_path_factory) -> dict[str, Path]:
    """Every test document, made once per session."""
    folder = tmp_path_factory.mktemp("docs")
    made: dict[str, bytes] = {}
    for level in pm.LEVELS:
        made[f"dual-{level}"] = pm.dual(pki, level)
    base = made["dual-B-LT"]
    made["tampered"] = pm.flip_signed_byte(base)
    made["added-page"] = pm.add_page(base)
    made["changed-content"] = pm.change_content(base)
    made["added-annotation"] = pm.add_annotation(base)
    made["revoked"] = pm.dual(pki, "B-T", leader="revoked")
    made["untrusted-root"] = pm.dual(pki, "B-T", leader="rogue-signer")
    made["rogue-tsa"] = pm.dual(pki, "B-T", leader_tsa="rogue-tsa")
    made["ecdsa"] = pm.dual(pki, "B-T", leader="leader-ec")
    made["agency-only"] = pm.sign(pm.one_page_pdf(), pki, "agency", field="Agency")
    made["leader-only"] = pm.sign(pm.one_page_pdf(), pki, "leader", field="Leader")
    agency_first = pm.sign(pm.one_page_pdf(), pki, "agency", field="Leader")
    made["agency-first"] = pm.sign(agency_first, pki, "leader", field="Agency")
    made["expired-no-ts"] = pm.sign(pm.one_page_pdf(), pki, "expired", field="Leader",
                                    level="B-B", at=PAST)
    made["expired-lta"] = pm.sign(pm.one_page_pdf(), pki, "expired", field="Leader",
                                  level="B-LTA", at=PAST)
    made["encrypted"] = pm.sign(pm.encrypted(pm.one_page_pdf()), pki, "leader",
                                field="Leader")
    made["not-a-pdf"] = b"%PDF-1.7\nthis is not a PDF at all\n"
    paths = {}
    for name, data in made.items():
        paths[name] = folder / f"{name}.pdf"
        paths[name].write_bytes(data)
    return paths
