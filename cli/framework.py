"""The CLI framework's own words in the user's language, and help without Python types.

typer vendors click without gettext: its help strings ("Usage:", "[OPTIONS]", "[required]",
"[default: 60]", "<int range>", "[x>=1]") and its usage errors ("No such option: --x") are
plain English f-strings. The help formatter installed here rewrites them (types become
metavars such as PATH or N, ranges become words, boilerplate is looked up in
``trams/locale/vi/click.po``), and :func:`translate_error` does the same for the few
usage-error messages click builds. Presentation only: nothing here decides anything.
"""

from __future__ import annotations

import re

from typer._click import core, formatting

from trams.i18n import N_, catalogue

# typer's type labels (between < >) -> the metavar shown
TYPE_METAVARS = {
    "path": N_("PATH"), "file": N_("FILE"), "directory": N_("FOLDER"), "dir": N_("FOLDER"),
    "int": N_("N"), "int range": N_("N"), "float": N_("NUMBER"), "float range": N_("NUMBER"),
    "str": N_("TEXT"), "text": N_("TEXT"), "datetime": N_("TIME"), "bool": N_("YES|NO"),
}
USAGE_WORDS = (N_("[OPTIONS]"), N_("COMMAND [ARGS]..."), N_("[ARGS]..."), N_("COMMAND"))
N_("Possible options:")
EXTRA = {"required": N_("required"), "default": N_("default: {default}"),
         "env var": N_("env var: {var}")}
RANGES = (
    (re.compile(r"^(?P<min>-?[\d.]+)<=x<=(?P<max>-?[\d.]+)$"), N_("{min} to {max}")),
    (re.compile(r"^x>=(?P<min>-?[\d.]+)$"), N_("at least {min}")),
    (re.compile(r"^x<=(?P<max>-?[\d.]+)$"), N_("at most {max}")),
)
# click's usage errors, as it words them -> our msgids (click.po)
ERRORS = (
    (re.compile(r"^No such option: (?P<name>\S+)(?P<rest>.*)$", re.S),
     N_("No such option: {name}")),
    (re.compile(r"^No such command '(?P<name>[^']*)'\.$"), N_("No such command: {name}")),
    (re.compile(r"^Missing argument '(?P<name>[^']*)'\.(?P<rest>.*)$", re.S),
     N_("Missing argument {name}.")),
    (re.compile(r"^Missing option '(?P<name>[^']*)'\.(?P<rest>.*)$", re.S),
     N_("Missing option {name}.")),
    (re.compile(r"^Option '(?P<name>[^']*)' requires an argument\.$"),
     N_("Option {name} requires a value.")),
    (re.compile(r"^Got unexpected extra arguments? \((?P<args>.*)\)$"),
     N_("Unexpected extra argument(s): {args}")),
    (re.compile(r"^Invalid value for (?P<name>[^:]+): (?P<message>.*)$", re.S),
     N_("Invalid value for {name}: {message}")),
)


class Words:
    """Look-ups in one language's catalogue (English: the msgids themselves)."""

    def __init__(self, lang: str):
        self.table = catalogue(lang) if lang != "en" else {}

    def __call__(self, text: str, **params: object) -> str:
        out = self.table.get(text, text)
        return out.format(**params) if params else out

    def term(self, text: str, *, argument: bool) -> str:
        """The left column: an option keeps its flags and metavar; an argument is shown as
        its name or metavar alone, in capitals (``INPUTS...``); a command as it is."""
        if argument:
            return self.metavars(text.split(" ")[0]).upper()
        return self.metavars(text)

    def metavars(self, text: str) -> str:
        """``<int range>`` -> ``N``, ``{inputs}`` -> ``INPUTS``, ``list[...]`` unwrapped."""
        def name(match: re.Match[str]) -> str:
            label = match.group(1)
            inner = re.fullmatch(r"list\[(.*)\]", label)
            label = inner.group(1) if inner else label
            key = label.lower()
            return self(TYPE_METAVARS[key]) if key in TYPE_METAVARS else label.upper()

        text = re.sub(r"<([^<>]+)>", name, text)
        return re.sub(r"\{(\w+)\}", lambda m: m.group(1).upper(), text)

    def usage(self, args: str) -> str:
        args = args.replace(" []", "")  # a hidden argument kept for old command lines
        for word in USAGE_WORDS:
            args = args.replace(word, self(word))
        return self.metavars(args)

    def extra(self, help_text: str) -> str:
        """The ``[default: 60; 10<=x<=100; required]`` tail of an option's help."""
        def bracket(match: re.Match[str]) -> str:
            parts = []
            for item in match.group(1).split("; "):
                parts.append(self._extra_item(item))
            return "[" + "; ".join(parts) + "]"

        return re.sub(r"\[((?:required|default: |env var: |-?[\d.]+<=x|x[<>]=)[^\]]*)\]",
                      bracket, help_text)

    def _extra_item(self, item: str) -> str:
        if item == "required":
            return self(EXTRA["required"])
        if item.startswith("default: "):
            return self(EXTRA["default"], default=item.removeprefix("default: "))
        if item.startswith("env var: "):
            return self(EXTRA["env var"], var=item.removeprefix("env var: "))
        for pattern, message in RANGES:
            found = pattern.match(item)
            if found:
                return self(message, **found.groupdict())
        return item


def install_help_formatter(lang: str) -> None:
    """Make click's help formatter speak ``lang`` and show metavars instead of types."""
    words = Words(lang)

    class TramsFormatter(formatting.HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, words.usage(args),
                                prefix if prefix is not None else words("Usage:") + " ")

        current_heading = ""

        def write_heading(self, heading: str) -> None:
            self.current_heading = heading
            super().write_heading(words(heading))

        def write_dl(self, rows, *args, **kwargs) -> None:  # noqa: ANN001
            argument = self.current_heading == "Arguments"
            super().write_dl([(words.term(term, argument=argument), words.extra(words(text)))
                              for term, text in rows], *args, **kwargs)

    core.Context.formatter_class = TramsFormatter


def translate_error(message: str, lang: str) -> str:
    """A click usage error in ``lang`` (unknown wordings are left as click wrote them)."""
    words = Words(lang)
    for pattern, msgid in ERRORS:
        found = pattern.match(message)
        if found:
            params = {k: v for k, v in found.groupdict().items() if k != "rest"}
            rest = (found.groupdict().get("rest") or "").replace(
                "(Possible options:", "(" + words("Possible options:"))
            return words(msgid, **params) + rest
    return message


__all__ = ["Words", "install_help_formatter", "translate_error"]
