"""Writes to articles: importing article files, and the article API's creates and updates."""

import hashlib
import logging
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from articles.importer import ArticleFormatError, detect_language, parse_article, slug_for_title
from articles.models import SECTION_MAX_LENGTH, Article
from articles.selectors import article_get

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportOutcome:
    path: Path
    outcome: str  # "created", "updated", "unchanged" or "failed"
    article: Article | None = None
    error: str = ""


def _article_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.is_file() and p.suffix == ".txt")
        else:
            yield path


def section_clean(section: str) -> str:
    """A section as stored: spaces collapsed; raises ValueError when it is too long
    or holds a control character."""
    section = " ".join(section.split())
    if len(section) > SECTION_MAX_LENGTH:
        raise ValueError(f"a section has at most {SECTION_MAX_LENGTH} characters")
    if any(unicodedata.category(char) == "Cc" for char in section):
        raise ValueError("a section holds no control characters")
    return section


def article_import_file(*, path: Path, section: str | None = None) -> ImportOutcome:
    """Create or update one article from a file; idempotent, keyed by the slug of its title.

    A malformed file changes nothing and comes back as outcome "failed" with the
    parser's message (file and line). Re-importing an unchanged file is a no-op.
    The file format carries no section: ``section`` (cleaned by ``section_clean``)
    sets it; without it a new article has none and an existing one keeps its own.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        return ImportOutcome(path, "failed", error=f"{path}: cannot read: {exc.strerror}")
    try:
        parsed = parse_article(data, str(path))
    except ArticleFormatError as exc:
        return ImportOutcome(path, "failed", error=str(exc))

    sha256 = hashlib.sha256(data).hexdigest()
    fields = {
        "title": parsed.title,
        "teaser": parsed.teaser,
        "body": [block.as_dict() for block in parsed.body],
        "language": parsed.language,
        "source_file": path.name,
        "source_sha256": sha256,
    }
    if section is not None:
        fields["section"] = section
    with transaction.atomic():
        article, created = Article.objects.select_for_update().get_or_create(
            slug=slug_for_title(parsed.title), defaults=fields
        )
        if created:
            return ImportOutcome(path, "created", article)
        if article.source_sha256 == sha256 and (section is None or article.section == section):
            return ImportOutcome(path, "unchanged", article)
        for name, value in fields.items():
            setattr(article, name, value)
        article.save(update_fields=[*fields, "updated_at"])
    return ImportOutcome(path, "updated", article)


def articles_import(*, paths: Iterable[Path], section: str | None = None) -> list[ImportOutcome]:
    """Import every ``.txt`` file under the given files and folders, each on its own,
    into ``section`` when one is given."""
    outcomes = [article_import_file(path=path, section=section) for path in _article_files(paths)]
    for outcome in outcomes:
        if outcome.outcome == "failed":
            logger.warning("article import failed: %s", outcome.error)
    return outcomes


# --- Articles from the newsroom's system (the article API) -------------------

WRITABLE_FIELDS = (
    "title",
    "teaser",
    "body",
    "language",
    "section",
    "url",
    "published_at",
    "comment_mode",
    "comments_close_after_days",
)


def _language_of(fields: dict[str, Any]) -> str:
    blocks = " ".join(block["text"] for block in fields.get("body", []))
    return detect_language(f"{fields['title']} {fields.get('teaser', '')} {blocks}")


def _article_set(article: Article, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(article, name, value)
    article.save(update_fields=[*fields, "updated_at"])


def article_put(*, slug: str, fields: dict[str, Any]) -> tuple[Article, bool]:
    """Create the article with this slug, or update it: the given fields (of
    ``WRITABLE_FIELDS``, with ``title``; checked by the caller) are set, the others
    keep their value, so a system that sends an article again does not reopen a
    discussion a moderator closed. A new article's language, when not given, is told
    from its text. Returns the article and whether it was created."""
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(slug=slug).first()
        if article is None:
            defaults = {"language": _language_of(fields), **fields}
            article, created = Article.objects.get_or_create(slug=slug, defaults=defaults)
            if created:
                return article, True
        _article_set(article, fields)
    return article, False


def article_update(*, slug: str, fields: dict[str, Any]) -> Article:
    """Change some fields of an existing article (NotFound without one)."""
    with transaction.atomic():
        article = article_get(slug=slug, for_update=True)
        _article_set(article, fields)
    return article
