"""Parser for the plain-text article format of ``seeds/``.

The format, line by line::

    Title
    <empty>
    Title                      (repeated)
    Teaser
    <empty>
    Paragraph …                (blocks separated by empty lines)
    Short line without period  (a subheading)
    \u00a0                      (a line holding only a non-breaking space: ignored)
    Kommentare                 (end of the article; the discussion starts here)

Pure Python, no Django: text in, a ``ParsedArticle`` out, or an
``ArticleFormatError`` naming the file and the line.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

END_MARKERS = frozenset({"Kommentare", "Comments"})
TITLE_MAX_LENGTH = 300
SUBHEADING_MAX_LENGTH = 80
# A block ending in one of these is a sentence, hence a paragraph.
_SENTENCE_END = tuple(".!?:;…\"'“”»«)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

_GERMAN_WORDS = frozenset(
    """der die das und ist nicht ein eine einen mit von den dem zu auf für sich auch bei nach wie
    wir sie er es hat haben wird werden sei habe im am zum zur aus über noch nur""".split()
)
_ENGLISH_WORDS = frozenset(
    """the and is not a an with of to on for it its also at after as we they he she has have
    will would be was were from about only this that which""".split()
)


class ArticleFormatError(ValueError):
    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Block:
    type: str  # "paragraph" or "subheading"
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type, "text": self.text}


@dataclass(frozen=True)
class ParsedArticle:
    title: str
    teaser: str
    body: list[Block] = field(default_factory=list)
    language: str = "de"


def detect_language(text: str) -> str:
    """'de' or 'en', by counting frequent function words; German wins ties."""
    words = re.findall(r"[a-zäöüß]+", text.lower())
    german = sum(word in _GERMAN_WORDS for word in words)
    english = sum(word in _ENGLISH_WORDS for word in words)
    return "en" if english > german else "de"


def _decode(data: bytes, source: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ArticleFormatError(source, line, "is not valid UTF-8") from None
    return text.removeprefix("\ufeff")


def _is_subheading(lines: list[str]) -> bool:
    text = lines[0]
    return len(lines) == 1 and len(text) <= SUBHEADING_MAX_LENGTH and not text.endswith(_SENTENCE_END)


def parse_article(data: bytes, source: str) -> ParsedArticle:
    text = _decode(data, source)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    for number, line in enumerate(lines, start=1):
        if _CONTROL.search(line):
            raise ArticleFormatError(source, number, "contains a control character")

    def line_at(number: int) -> str:
        return lines[number - 1].strip() if number <= len(lines) else ""

    title = line_at(1)
    if not title:
        raise ArticleFormatError(source, 1, "expected the title, found an empty line")
    if len(title) > TITLE_MAX_LENGTH:
        raise ArticleFormatError(source, 1, f"the title is longer than {TITLE_MAX_LENGTH} characters")
    if len(lines) < 2 or line_at(2):
        raise ArticleFormatError(source, 2, "expected an empty line after the title")
    if line_at(3) != title:
        raise ArticleFormatError(source, 3, f"expected the title repeated ({title!r}), found {line_at(3)!r}")
    teaser = line_at(4)
    if not teaser or teaser in END_MARKERS:
        raise ArticleFormatError(source, 4, "expected the teaser, found an empty line")

    blocks: list[Block] = []
    current: list[str] = []

    def close_block() -> None:
        if current:
            kind = "subheading" if _is_subheading(current) else "paragraph"
            blocks.append(Block(kind, " ".join(current)))
            current.clear()

    # str.strip() also removes U+00A0, so the non-breaking-space line counts as empty.
    for number in range(5, len(lines) + 1):
        line = line_at(number)
        if line in END_MARKERS:
            close_block()
            break
        if line:
            current.append(line)
        else:
            close_block()
    else:
        raise ArticleFormatError(
            source, len(lines), "missing the final 'Kommentare' line that ends the article"
        )

    if not any(block.type == "paragraph" for block in blocks):
        raise ArticleFormatError(source, 5, "the article has no body paragraph")
    body_text = " ".join([title, teaser, *(block.text for block in blocks)])
    return ParsedArticle(title=title, teaser=teaser, body=blocks, language=detect_language(body_text))


def parse_article_file(path: Path) -> ParsedArticle:
    return parse_article(path.read_bytes(), str(path))


_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)


def slug_for_title(title: str, max_length: int = 200) -> str:
    """URL slug with German transliteration (Militärkontakte → militaerkontakte)."""
    ascii_text = (
        unicodedata.normalize("NFKD", title.translate(_TRANSLITERATION)).encode("ascii", "ignore").decode()
    )
    slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"['’]", "", ascii_text.lower())).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "article"
