"""Cursor pages of DRF list views whose cursors a client cannot turn into a 500.

DRF's CursorPagination decodes its cursor leniently and hands the position to the
database as it came: a position that is not a value of the ordering field fails in
the query. Here the cursor is read strictly and the position is checked against
that field before any query, so every cursor we did not give out is a 400 naming
``cursor``.
"""

import binascii
from base64 import b64decode
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from web.errors import InvalidInput

# Longer than any cursor DRF writes for a position of a date or number.
_MAX_CURSOR_LENGTH = 400


class CheckedCursorPagination(CursorPagination):
    """A CursorPagination that refuses, with a 400 naming ``cursor``, any cursor
    other than one it wrote: bad base64, keys other than offset, direction and
    position (each once), an offset larger than it writes, or a position that
    is not a value the ordering field can hold in the database."""

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> Any:
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        invalid = InvalidInput(
            gettext("This cursor is not one we gave out; start again from the first page."), field="cursor"
        )
        if len(encoded) > _MAX_CURSOR_LENGTH:
            raise invalid
        try:
            querystring = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            pairs = parse_qsl(querystring, keep_blank_values=True, strict_parsing=True)
        except (binascii.Error, ValueError):
            raise invalid from None
        tokens = dict(pairs)
        if len(tokens) != len(pairs) or not set(tokens) <= {"o", "r", "p"}:
            raise invalid
        offset = tokens.get("o", "0")
        # DRF writes offsets up to a page beyond its cutoff and reads them as the cutoff.
        if not (offset.isascii() and offset.isdigit() and int(offset) <= self._largest_offset()):
            raise invalid
        if tokens.get("r", "0") not in {"0", "1"}:
            raise invalid
        position = tokens.get("p")
        if position is not None and not self._is_position(position):
            raise invalid
        return Cursor(
            offset=min(int(offset), self.offset_cutoff),
            reverse=tokens.get("r") == "1",
            position=position,  # type: ignore[arg-type]  # a string, as DRF's own cursors hold; the stubs say int
        )

    def _largest_offset(self) -> int:
        return self.offset_cutoff + (self.max_page_size or self.page_size or 0)

    def _is_position(self, position: str) -> bool:
        """Whether ``position`` is a value the leading ordering field stores, as DRF
        writes it (``str`` of the value)."""
        field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
        try:
            value = field.to_python(position)
            # We write aware times only; a naive one would be read in the server's zone.
            if value is None or (isinstance(value, datetime) and timezone.is_naive(value)):
                return False
            field.run_validators(value)
            # Dates beyond the calendar once moved to UTC, integers beyond the column.
            field.get_db_prep_value(value, connection)
        except (ValidationError, ValueError, OverflowError, TypeError):
            return False
        return True
