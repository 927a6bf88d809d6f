"""Plain-text mails are no HTML: every .txt template renders what it is given as it
is ("Krieg & Frieden", not "Krieg &amp; Frieden")."""

from django.conf import settings


def test_every_plain_text_template_turns_html_escaping_off() -> None:
    templates = list(settings.BASE_DIR.glob("*/templates/**/*.txt"))
    assert templates
    escaping = [str(path) for path in templates if "{% autoescape off %}" not in path.read_text()]
    assert escaping == []
