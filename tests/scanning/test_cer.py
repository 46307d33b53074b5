from support.textmetrics import cer, levenshtein


def test_levenshtein_counts_edits() -> None:
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3
    assert levenshtein("Việt", "Viet") == 1
    assert levenshtein("abc", "abc") == 0


def test_cer_ignores_whitespace_layout() -> None:
    assert cer("Quyết  định\nsố 12", "Quyết định số 12") == 0.0
    assert cer("Quyet dinh", "Quyết định") == 3 / 10
