"""The API's JSON parser: DRF's, plus refusals for JSON that Python can parse but
nothing downstream can handle."""

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _check_strings(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                # "\ud800" is valid JSON but not valid Unicode text; no database stores it.
                raise ParseError(
                    "JSON parse error - a string holds a lone surrogate (invalid Unicode)."
                ) from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        _check_strings(data)
        return data
