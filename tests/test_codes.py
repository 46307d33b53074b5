"""Machine codes: every code the source gives an error, warning, note or event is listed in
docs/codes.md, is snake_case, and is a literal (never made from a message)."""

from __future__ import annotations

from support.codes import CODE_RE, computed_codes, documented_codes, source_codes

from trams.errors import InputError, Notice, TramsError, notice_dict


def test_every_code_in_the_source_is_documented() -> None:
    used, documented = source_codes(), documented_codes()
    missing = {code: where[0] for code, where in used.items() if code not in documented}
    assert not missing, f"codes missing from docs/codes.md: {missing}"
    unused = [code for code, row in documented.items()
              if code not in used and "retired" not in row]
    assert not unused, f"docs/codes.md lists codes nothing gives (mark them retired): {unused}"


def test_codes_are_snake_case_literals() -> None:
    assert len(source_codes()) > 150  # the scan does find them
    bad = [code for code in [*source_codes(), *documented_codes()] if not CODE_RE.match(code)]
    assert not bad, bad
    assert computed_codes() == []


def test_an_error_carries_its_code_in_every_shape() -> None:
    default = InputError("x", path="/a/b.tif")
    assert default.code == "input_unusable" and default.to_dict()["code"] == "input_unusable"
    precise = InputError("y", code="dpi_too_low")
    assert precise.to_dict()["code"] == "dpi_too_low"
    assert type(precise).code == "input_unusable"  # the class default is not changed
    assert TramsError("z").to_dict()["code"] == "internal_error"
    import pickle  # errors cross process boundaries (OCR workers)

    assert pickle.loads(pickle.dumps(precise)).code == "dpi_too_low"
    warning = Notice("a sentence", "signer_title_differs", hint="do this")
    assert warning == "a sentence" and pickle.loads(pickle.dumps(warning)).code == \
        "signer_title_differs"
    assert notice_dict(warning) == {"code": "signer_title_differs", "message": "a sentence",
                                    "hint": "do this"}
    assert notice_dict("plain") == {"code": "warning", "message": "plain"}


def test_verification_notes_have_codes() -> None:
    import trams.signing.verify  # noqa: F401 - registers the notes of every verify module
    from trams.signing import (
        algorithms,
        verify_changes,
        verify_collect,
        verify_policy,
        verify_repair,
        verify_sig,
        verify_ts,
    )
    from trams.signing.notecodes import NOTE_CODES
    from trams.signing.verify_model import Note

    msgids = [value for module in (algorithms, verify_changes, verify_collect, verify_policy,
                                   verify_repair, verify_sig, verify_ts, trams.signing.verify)
              for name, value in vars(module).items()
              if name.isupper() and isinstance(value, str) and name[:2] in
              ("E_", "W_", "P_", "F_") or name in ("APPENDED", "OTHER_CHANGE")]
    assert len(msgids) > 40
    assert all(m in NOTE_CODES for m in msgids), [m for m in msgids if m not in NOTE_CODES]
    note = Note.of(verify_sig.P_HASH)
    assert note.to_dict()["code"] == "signed_bytes_changed"
    assert note.to_dict()["message_id"] == verify_sig.P_HASH
