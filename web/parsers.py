"""The API's one request parser: JSON in UTF-8, bounded in size, text a database can store."""

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

from web.errors import body_too_large


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _lazy("The request body is too large.")
    default_code = "too_large"


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _check_strings(data: Any) -> None:
    # Iterative, so that deeply nested input cannot exhaust the stack. Unpaired
    # surrogates ("\ud800") are valid JSON escapes but no database column takes them.
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ParseError(
                    gettext("JSON parse error: the text contains an unpaired surrogate code point.")
                ) from None
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class StrictJSONParser(JSONParser):
    """JSON bodies only: UTF-8 (RFC 8259), at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes
    (413 beyond; Django checks this when the body is read through request.body, the
    parser also when it gets the raw stream), no NaN or Infinity, no unpaired
    surrogates, no nesting deeper than Python's parser goes. Every refusal is a 400
    or a 413."""

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(body_too_large(limit))
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except UnicodeDecodeError:
            raise ParseError(gettext("JSON parse error: the body is not UTF-8.")) from None
        except RecursionError:
            raise ParseError(gettext("JSON parse error: nested too deeply.")) from None
        except ValueError as exc:
            raise ParseError(gettext("JSON parse error: %(problem)s") % {"problem": exc}) from None
        _check_strings(data)
        return data
