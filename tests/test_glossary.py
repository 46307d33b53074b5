"""No English inside Vietnamese: every Vietnamese message uses the terms of docs/glossary.md
and holds no English word or raw identifier, and the messages built at run time from
identifiers (a key's role, a profile, an ETSI indication, a run's stages) read the same."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"

# What is typed or read as it is inside a Vietnamese sentence (docs/glossary.md, "What stays
# as it is"): removed before looking for English.
AS_IT_IS = re.compile("|".join((
    r"\{[^{}]*\}",                                   # {placeholder}
    r"`[^`]*`",                                      # `a command`
    r"(?m:^\s*trams\b.*$)",                           # a command line of its own
    r"(?<![\w-])--?[A-Za-z][\w-]*(=\S*)?",           # --an-option, -o
    r"\[[a-z_]+(\.[a-z_{}]+)*\](\s+[a-z_]+\b(\s*=\s*\S+)?)?",  # [inbox] min_dpi = 200
    r"\b[a-z]+(_[a-z0-9]+)+\b(\s*=\s*\S+)?",         # accept_low_dpi = true
    r"\b[a-z_]+\.[a-z_]+\b",                          # ocr.languages, trams.toml
    r"'[^'\s][^']*'",                                 # 'a quoted value'
    r'"[^"\s][^"]*"',                                 # "issued"
    r"\S*/\S*",                                       # paths: inbox/.done/, PDF/A
    r"\S+\.(pdf|txt|json|toml|csv|p12|pfx|pem|so|tif|png|jpg|html|sqlite|jsonl)\b",
    r"\.[a-z]+\b",                                    # .reason.txt, .done
)))
# Words of English, and identifiers, that a Vietnamese message must not hold (checked as
# whole ASCII words, case-insensitive; Vietnamese words without diacritics such as "an",
# "do", "in", "to", "tin", "con", "ban" are not in this list).
ENGLISH = set("""
the and of with for from into onto is are was were be been not this that these those it its
file files page pages document documents record records signature signatures sign signed
signing unsigned leader agency officer desk issued dossier copy attachment selected review
error errors warning warnings failed fail passed pass skipped archived unchanged none key keys
seal scan scans scanned folder folders inbox archive verified verify valid invalid missing
unknown ok warn found written read cannot run profile level role policy verdict status check
result results should must will can please step done skip timestamp certificate setting
settings total_passed total_failed indeterminate discover ocr_wait move moving waiting
finding archiving verifying yes
""".split())
# Names of standards, formats and programs, kept as they are (ASCII words that are neither
# Vietnamese nor in ENGLISH need no listing; these are listed because ENGLISH has them).
KEPT = {"PDF", "OCR"}


def strip_kept(text: str) -> str:
    """``text`` without what stays as it is; a placeholder leaves an X (a word)."""
    return AS_IT_IS.sub(lambda m: " X " if m.group().startswith("{") else " ", text)


def english_words(text: str) -> list[str]:
    """The English words and raw identifiers of ``text`` outside what stays as it is."""
    words = re.findall(r"[\w']+", strip_kept(text))
    return [w for w in words if w.isascii() and w not in KEPT and w.lower() in ENGLISH]


def catalogue() -> list[tuple[str, str, str]]:
    """(file, msgid, msgstr) of every Vietnamese message (each English form of a plural)."""
    found = []
    for po in sorted((ROOT / "trams" / "locale" / "vi").glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale="vi"):
                if not message.id or not message.string:
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                text = message.string if isinstance(message.string, str) \
                    else message.string[0]
                found += [(po.name, msgid, text) for msgid in ids]
    return found


def checked_terms() -> list[tuple[str, re.Pattern[str], tuple[str, ...]]]:
    """The first table of docs/glossary.md: (English, its pattern, Vietnamese renderings)."""
    text = GLOSSARY.read_text(encoding="utf-8")
    table = text.split("## Terms (checked in every message)")[1].split("\n## ")[0]
    terms = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or cells[0] in ("English", "") or set(cells[0]) <= {"-"}:
            continue
        english = [re.sub(r"\(.*?\)", "", e).strip() for e in cells[0].split(",")]
        vietnamese = tuple(v.strip() for v in re.sub(r"\(.*?\)", "", cells[1]).split(","))
        words = "|".join(re.escape(e).replace(r"\ ", r"\s+") for e in english if e)
        # "record" the verb ("does not record a resolution", "the journal records X") is
        # not the noun
        pattern = re.compile(rf"\b({words})(s|es)?\b(?!\s+(a|an|the|its|one|no|what|X|"
                             rf"document|{{\d}})\b)", re.IGNORECASE)
        terms.append((cells[0], pattern, vietnamese))
    return terms


def test_the_glossary_table_is_read() -> None:
    terms = {english: vi for english, _p, vi in checked_terms()}
    assert len(terms) >= 25
    assert terms["leader"][0] == "người có thẩm quyền"
    assert terms["inbox"] == ("thư mục đầu vào",)


def test_no_english_inside_vietnamese_messages() -> None:
    messages = catalogue()
    assert len(messages) > 500
    bad = [f"{po}: {english_words(text)} in {text!r}" for po, _id, text in messages
           if english_words(text)]
    assert not bad, "English inside Vietnamese:\n" + "\n".join(bad)


def test_every_message_uses_the_glossary_terms() -> None:
    terms = checked_terms()
    bad = []
    for po, msgid, text in catalogue():
        if msgid.isupper():  # a metavar (FILE, FOLDER), written in capitals
            continue
        english, vietnamese = strip_kept(msgid), text.lower()
        for term, pattern, renderings in terms:
            if pattern.search(english) and not any(r.lower() in vietnamese
                                                   for r in renderings):
                bad.append(f"{po}: '{term}' is not {' / '.join(renderings)} in: {msgid!r} "
                           f"-> {text!r}")
    assert not bad, "glossary terms not used:\n" + "\n".join(bad)


def never_words() -> list[str]:
    """The renderings the glossary's notes rule out: never "hộp thư", never "chứng chỉ"..."""
    text = GLOSSARY.read_text(encoding="utf-8")
    return [w for group in re.findall(r'never ((?:"[^"]+"(?:, )?)+)', text)
            for w in re.findall(r'"([^"]+)"', group)]


def test_no_message_uses_what_the_glossary_rules_out() -> None:
    never = never_words()
    assert {"hộp thư", "chứng chỉ", "cần xem xét"} <= set(never)
    bad = [f"{po}: {word!r} in {text!r}" for po, _id, text in catalogue()
           for word in never if word in text.lower()]
    # "văn bản" is a document, never a page's text ("phần chữ", "lớp chữ")
    bad += [f"{po}: 'văn bản' for text in {text!r}" for po, msgid, text in catalogue()
            if re.search(r"\btexts?\b", strip_kept(msgid), re.I)
            and not re.search(r"\bdocuments?\b|nothing was signed", msgid, re.I)
            and "văn bản" in text.lower()]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("text", [
    "Nhập mật khẩu của khóa leader:", "chữ ký agency", "loại issued", "khóa selected",
    "TOTAL_PASSED (hợp lệ)", "Thời gian: 3.0 s (discover 0.1 s, ocr_wait 21.0 s)",
    "Sửa hoặc bỏ key đó"])
def test_the_check_catches_the_known_bad_strings(text: str) -> None:
    assert english_words(text), text


@pytest.mark.parametrize("text", [
    "Quét lại ở 300 dpi, hoặc đặt accept_low_dpi = true trong mục [inbox] của trams.toml.",
    "Chạy `trams archive check` để tìm nguyên nhân.", "Dùng --accept-low-dpi.",
    "loại chữ ký \"issued\": người có thẩm quyền, rồi cơ quan", "tệp {path} (PDF/A-2b)",
    "do tệp quá lớn, in tờ bìa để an toàn"])
def test_the_check_lets_through_what_stays_as_it_is(text: str) -> None:
    assert not english_words(text), english_words(text)


# --- messages built from identifiers, rendered in Vietnamese ---------------------------------

def _vietnamese():  # noqa: ANN202
    from trams.i18n import using_language

    return using_language("vi")


@pytest.mark.parametrize("role", ["leader", "agency", "officer", None])  # None: keys list
@pytest.mark.parametrize("kind", ["pkcs12", "pkcs11"])
def test_the_prompt_for_a_key_secret_names_the_role_in_vietnamese(role: str | None,
                                                                  kind: str) -> None:
    from trams.signing.keys import secret_label

    from trams.config import KeySourceConfig
    from trams.i18n import _

    source = KeySourceConfig(kind=kind, path=Path("k.p12"), module=Path("m.so"))
    with _vietnamese():
        prompt = _("Enter the {what}", what=secret_label(source, role))
        refused = _("no {what} given and no terminal to ask for it",
                    what=secret_label(source, role))
    assert not english_words(prompt) and not english_words(refused), (prompt, refused)
    assert prompt.startswith("Nhập ") and ("mật khẩu" in prompt or "mã PIN" in prompt)


@pytest.mark.parametrize(("profile", "role"), [("copy", "leader"), ("attachment", "officer"),
                                               ("issued", "officer"), ("dossier", "leader")])
def test_a_profile_without_the_role_is_refused_in_vietnamese(profile: str, role: str) -> None:
    from trams.signing.batch import TsaSpec
    from trams.signing.sign import build_specs

    from trams.config import TramsConfig
    from trams.errors import ConfigError

    with _vietnamese(), pytest.raises(ConfigError) as caught:
        build_specs(TramsConfig(), profile=profile, level="B-B", roles=[role],
                    tsa=TsaSpec(urls=()), sources={})
    assert not english_words(caught.value.one_line()), caught.value.one_line()


def test_a_missing_key_source_is_reported_by_doctor_in_vietnamese() -> None:
    from trams.signing.doctor import check_key_source

    from trams.config import TramsConfig

    with _vietnamese():
        (check,) = check_key_source(TramsConfig(), "leader", batch=None, fetchers=None,
                                    known=[])
    assert not english_words(check.message), check.message
    assert "người có thẩm quyền" in check.message


@pytest.mark.parametrize("verdict", ["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE", "ERROR"])
def test_verification_verdicts_read_in_vietnamese(verdict: str) -> None:
    from rich.console import Console
    from trams.cli.verify_text import print_report
    from trams.signing.verify_model import FileReport, Note, PolicyResult
    from trams.signing.verify_policy import F_NOT_PASSED

    policy = PolicyResult("vn-dual", verdict == "TOTAL_PASSED", findings=(
        Note.of(F_NOT_PASSED, field="Chu-ky-1", indication="TOTAL_FAILED"),))
    out = io.StringIO()
    print_report(Console(file=out, width=200), FileReport("hs-01.pdf", 1, "ab", verdict,
                                                          policy=policy), "vi")
    text = out.getvalue()
    assert not english_words(text), text
    assert "không hợp lệ" in text  # the finding's indication, by its name


def test_the_run_summary_reads_in_vietnamese() -> None:
    from rich.console import Console
    from trams.cli.run_render import describe, print_summary

    from trams.errors import InputError, Notice
    from trams.models import DocumentStatus
    from trams.pipeline.events import DocumentOutcome, RunSummary

    summary = RunSummary(run_id="r1", inbox="/srv/hs", archive="/srv/kho")
    summary.documents += [
        DocumentOutcome("hs-01", DocumentStatus.ARCHIVED, 2, "h1", path="/srv/kho/a.pdf",
                        record="H42.01.2026.hs-01", ocr_verdict="review",
                        verification="TOTAL_PASSED"),
        DocumentOutcome("hs-02", DocumentStatus.FAILED, 1, "h2", error=InputError(
            "trang 1 được quét ở 150 dpi", path="/srv/hs/hs-02/trang1.jpg",
            code="dpi_too_low"))]
    summary.timings.update(discover=0.1, ocr_wait=21.0, sign=0.5, verify=0.2, archive=0.1)
    summary.wall_seconds = 22.0
    out = io.StringIO()
    with _vietnamese():
        print_summary(summary, Console(file=out, width=200))
        warning = describe("warning", {"document": "hs-01", **_notice_dict(Notice(
            "mã hồ sơ sẽ là 'H42 01'", "record_code_awkward"))})
    text = out.getvalue()
    assert not english_words(text), text
    assert "chờ nhận dạng" in text or "nhận dạng" in text
    assert not english_words(warning), warning


def _notice_dict(notice):  # noqa: ANN001, ANN202
    from trams.errors import notice_dict

    return notice_dict(notice)


# --- the configuration templates --------------------------------------------------------------

# lower-case Vietnamese letters: "SAO LỤC" in an English line is a quoted term
VIETNAMESE = re.compile("[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]")


def comment_pairs(path: Path) -> list[tuple[str, str]]:
    """(English, Vietnamese) of a bilingual TOML file's comments: a block of English lines
    and the Vietnamese block after it, or the two halves of "English / Vietnamese"."""
    pairs: list[tuple[str, str]] = []
    blocks: list[tuple[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[1] if "#" in line else ""
        if not text.startswith(" ") or not text.strip() or text.strip().startswith("---"):
            continue  # "#jobs = 2": a setting to uncomment, not a comment
        text = text.strip()
        halves = text.split(" / ", 1)
        if len(halves) == 2 and not VIETNAMESE.search(halves[0]) and \
                VIETNAMESE.search(halves[1]):
            english, vietnamese = text.split(" / ", 1)
            pairs.append((english, vietnamese))
            continue
        if not line.lstrip().startswith("#"):  # a comment after a setting, English only
            blocks.append(("", []))
            continue
        lang = "vi" if VIETNAMESE.search(re.sub(r'"[^"]*"', "", text)) else "en"
        if blocks and blocks[-1][0] == lang:
            blocks[-1][1].append(text)
        else:
            blocks.append((lang, [text]))
    for (lang, lines), (next_lang, next_lines) in zip(blocks, blocks[1:], strict=False):
        if lang == "en" and next_lang == "vi":
            pairs.append((" ".join(lines), " ".join(next_lines)))
    return pairs


@pytest.mark.parametrize("path", [ROOT / "trams" / "templates" / "trams.toml",
                                  ROOT / "samples" / "trams.toml"],
                         ids=["template", "samples"])
def test_the_configuration_templates_use_the_glossary(path: Path) -> None:
    pairs = comment_pairs(path)
    assert len(pairs) > 10
    terms = checked_terms()
    bad = [f"English in {vi!r}: {english_words(vi)}" for _en, vi in pairs if english_words(vi)]
    for english, vietnamese in pairs:
        stripped = strip_kept(english)
        bad += [f"'{term}' is not {' / '.join(renderings)} in {vietnamese!r}"
                for term, pattern, renderings in terms
                if pattern.search(stripped)
                and not any(r.lower() in vietnamese.lower() for r in renderings)]
    assert not bad, "\n".join(bad)
