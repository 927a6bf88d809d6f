"""Finding comments by their text, for moderators.

On PostgreSQL a query is read as a web search (``websearch_to_tsquery``: words,
"quoted phrases", ``or``, ``-excluded``) against the German full-text
configuration, so "Politikern" finds "Politiker", and matches are ranked. There
is no full-text index: a queue is a small, status-indexed part of all comments,
and the text is matched within it. Elsewhere (SQLite in development) every word
must occur in the text, ignoring case, without stemming.
"""

from typing import TypeVar

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import QuerySet

from discussion.models import Comment

SEARCH_CONFIG = "german"
# Longer queries are cut: a moderator types words, not documents.
QUERY_MAX_LENGTH = 200
C = TypeVar("C", bound=Comment)
# The annotation that orders matches on PostgreSQL, best first.
RANK = "search_rank"


def search_text(text: str) -> str:
    """The part of a query that is searched for; empty for none."""
    return " ".join(text.split())[:QUERY_MAX_LENGTH]


def search_is_ranked(*, text: str, vendor: str) -> bool:
    """Whether ``comments_search`` annotates ``RANK`` for this query and database."""
    return vendor == "postgresql" and bool(search_text(text))


def comments_search(queryset: QuerySet[C], *, text: str) -> QuerySet[C]:
    """The comments of ``queryset`` whose text matches ``text`` (all of it for an
    empty query). Adds no query of its own: the match is part of the queryset's."""
    text = search_text(text)
    if not text:
        return queryset
    vendor = connections[queryset.db].vendor
    if search_is_ranked(text=text, vendor=vendor):
        vector = SearchVector("body", config=SEARCH_CONFIG)
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        return queryset.annotate(search_vector=vector, **{RANK: SearchRank(vector, query)}).filter(
            search_vector=query
        )
    for word in text.split():
        word = word.strip("\"'")
        if word:
            queryset = queryset.filter(body__icontains=word)
    return queryset
