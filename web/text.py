"""What no stored text may hold."""

import re

_FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(text: str) -> bool:
    """Whether the text holds a character no stored text may: a control character other
    than newline, carriage return and tab, or an unpaired surrogate (PostgreSQL refuses
    NUL in text and JSON alike)."""
    return bool(_FORBIDDEN_CONTROL.search(text))
