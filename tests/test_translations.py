"""The German catalogue: every text marked for translation in the code and the
templates is in it and translated, and the compiled catalogue the site loads says the
same as the one people edit (`make messages` rebuilds both)."""

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
APPS = ("config", "web", "articles", "accounts", "discussion", "moderation", "monitoring")
GETTEXT = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy"}
NGETTEXT = {"ngettext", "ngettext_lazy"}


def _unquote(block: str) -> str:
    return "".join(ast.literal_eval(f'"{part}"') for part in re.findall(r'"((?:[^"\\]|\\.)*)"', block))


def catalogue() -> dict[tuple[str, str], tuple[str, str, bool]]:
    """(msgctxt or "", msgid) → (msgstr, plural msgstr or "", fuzzy), read from the .po file."""
    entries: dict[tuple[str, str], tuple[str, str, bool]] = {}
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        fuzzy = "#, fuzzy" in block
        context = re.search(r'^msgctxt ((?:"[^\n]*"\n?)+)', block, re.M)
        ctx = _unquote(context.group(1)) if context else ""
        found = re.search(r'^msgid ((?:"[^\n]*"\n?)+)^msgstr ((?:"[^\n]*"\n?)+)', block, re.M)
        if found:
            entries[ctx, _unquote(found.group(1))] = (_unquote(found.group(2)), "", fuzzy)
        plural = re.search(
            r'^msgid ((?:"[^\n]*"\n?)+)^msgid_plural (?:"[^\n]*"\n?)+^msgstr\[0\] ((?:"[^\n]*"\n?)+)'
            r'^msgstr\[1\] ((?:"[^\n]*"\n?)+)',
            block,
            re.M,
        )
        if plural:
            entries[ctx, _unquote(plural.group(1))] = (
                _unquote(plural.group(2)),
                _unquote(plural.group(3)),
                fuzzy,
            )
    entries.pop(("", ""), None)
    return entries


def marked_in_python() -> set[str]:
    texts = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args):
                    continue
                # The text: the last argument (after a context), the singular of a plural.
                text = node.args[0] if node.func.id in NGETTEXT else node.args[-1]
                if (
                    node.func.id in GETTEXT | NGETTEXT
                    and isinstance(text, ast.Constant)
                    and isinstance(text.value, str)
                ):
                    texts.add(text.value)
    return texts


def marked_in_templates() -> set[str]:
    texts = set()
    for app in APPS:
        for path in (ROOT / app).rglob("templates/**/*.*"):
            source = path.read_text(encoding="utf-8")
            # Django doubles a literal % in a template's text to make its msgid.
            texts |= {
                match[1].replace("%", "%%") for match in re.findall(r'{% translate (["\'])(.*?)\1', source)
            }
            for options, body in re.findall(
                r"{% blocktranslate([^%]*)%}(.*?){% endblocktranslate %}", source, re.S
            ):
                singular = body.split("{% plural %}")[0]
                if "trimmed" in options:
                    singular = " ".join(line.strip() for line in singular.strip().splitlines())
                texts.add(re.sub(r"{{ *(\w+) *}}", r"%(\1)s", singular.replace("%", "%%")))
    return texts


def test_every_marked_text_is_in_the_catalogue_and_translated() -> None:
    entries = catalogue()
    marked = marked_in_python() | marked_in_templates()
    assert marked, "the scan found the marked texts"
    assert sorted(marked - {msgid for _, msgid in entries}) == [], (
        "run `make messages` and translate the new texts"
    )
    untranslated = [msgid for msgid, (msgstr, _, fuzzy) in entries.items() if not msgstr or fuzzy]
    assert untranslated == []


def test_the_compiled_catalogue_is_the_edited_one() -> None:
    with MO.open("rb") as compiled:
        loaded = gettext.GNUTranslations(compiled)
    for (context, msgid), (msgstr, plural, _) in catalogue().items():
        if context:
            shown = loaded.pgettext(context, msgid)
        else:
            shown = loaded.ngettext(msgid, msgid, 1) if plural else loaded.gettext(msgid)
        assert shown == msgstr, "run `make messages` to compile the catalogue"


def test_the_site_speaks_german_by_default_and_english_when_asked() -> None:
    from moderation.dsa.grounds import legal_ground

    assert settings.LANGUAGE_CODE == "de"
    with translation.override("de"):
        assert str(legal_ground("stgb_185").label) == "§ 185 StGB: Beleidigung"
    with translation.override("en"):
        assert str(legal_ground("stgb_185").label) == "§ 185 StGB: insult (Beleidigung)"
