"""The comment widget's script: what it must never contain, and its size budget."""

import gzip
import re
from pathlib import Path

import pytest
from django.test import Client

STATIC = Path(__file__).resolve().parents[2] / "discussion" / "static" / "stammtisch"
SCRIPT = STATIC / "embed.js"

# Every way a script can turn a string into markup. The widget builds elements and
# appends text nodes instead; readers' text must never be parsed as HTML.
MARKUP_SINKS = ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "createContextualFragment"]


@pytest.mark.parametrize("sink", MARKUP_SINKS)
def test_the_widget_never_parses_strings_as_markup(sink: str) -> None:
    source = SCRIPT.read_text(encoding="utf-8")
    lines = [number for number, line in enumerate(source.splitlines(), 1) if sink.lower() in line.lower()]
    assert lines == [], f"{SCRIPT.name} uses {sink} on line(s) {lines}"


def test_the_widget_does_not_evaluate_strings_as_code() -> None:
    source = SCRIPT.read_text(encoding="utf-8")
    assert re.search(r"\beval\s*\(|new\s+Function\s*\(|setTimeout\(\s*['\"]", source) is None


def test_the_widget_stays_small() -> None:
    raw = SCRIPT.read_bytes() + (STATIC / "embed.css").read_bytes()
    # The budget grew with the DSA's notice form, the reader's decisions panel, the
    # registration's consent box, the editors' picks and the moderators' tools.
    assert len(raw) < 72_000, len(raw)
    assert len(gzip.compress(raw, compresslevel=9)) < 19_500


def test_the_widget_is_served_as_a_static_file(client: Client) -> None:
    for name, content_type in (("embed.js", "text/javascript"), ("embed.css", "text/css")):
        response = client.get(f"/static/stammtisch/{name}")
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith(content_type), response["Content-Type"]
