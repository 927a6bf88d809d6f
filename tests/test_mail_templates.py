"""Plain-text mails are no HTML: every .txt template renders what it is given as it
is ("Krieg & Frieden", not "Krieg &amp; Frieden")."""

from pathlib import Path

from django.conf import settings

APPS = ("accounts", "articles", "discussion", "moderation", "web")


def test_every_plain_text_template_turns_html_escaping_off() -> None:
    templates = [path for app in APPS for path in (settings.BASE_DIR / app / "templates").rglob("*.txt")]
    assert templates
    escaping = [str(path) for path in templates if "{% autoescape off %}" not in Path(path).read_text()]
    assert escaping == []
