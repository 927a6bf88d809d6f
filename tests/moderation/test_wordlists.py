import pytest

from moderation.policy.wordlists import compile_terms, find_hits

TERMS = compile_terms(
    [
        ("anal", "banned"),
        ("arschloch", "banned"),
        ("idiot*", "banned"),
        ("Vollpfosten", "suspect"),
        ("halt die fresse", "banned"),
        ("Lügenpresse", "suspect"),
        ("Schlampe", "banned"),
    ]
)


def matched(text: str) -> list[str]:
    return [hit.term for hit in find_hits(text, TERMS)]


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Du bist ein Arschloch.", "arschloch"),
        ("du ARSCHLOCH", "arschloch"),
        ("A.r.s.c.h.l.o.c.h", "arschloch"),
        ("Ars.ch.loch", "arschloch"),
        ("a r s c h l o c h", "arschloch"),
        ("Arschhhloooch!", "arschloch"),
        ("4rschl0ch", "arschloch"),
        ("Was für ein Idiot", "idiot*"),
        ("Ihr Idioten!", "idiot*"),
        ("1d10t", "idiot*"),
        ("Iiiiidiot", "idiot*"),
        ("I-d-i-o-t", "idiot*"),
        ("So ein Vollpfosten", "Vollpfosten"),
        ("Halt die Fresse!", "halt die fresse"),
        ("Luegenpresse", "Lügenpresse"),
        ("LÜGENPRESSE!!!", "Lügenpresse"),
        ("Schl@mpe", "Schlampe"),
    ],
)
def test_variants_and_obfuscations_are_found(text: str, term: str) -> None:
    assert term in matched(text)


@pytest.mark.parametrize(
    "text",
    [
        "Eine gründliche Analyse der Lage.",
        "Der Analphabetismus nimmt zu.",
        "Kanal und Banalität",
        "Die Arsch-Bombe im Freibad",
        "Er hielt die Presse für unfair.",
        "Die Schlamperei im Amt ist ein Ärgernis.",
    ],
)
def test_innocent_words_do_not_match(text: str) -> None:
    assert matched(text) == []


def test_the_hit_records_where_and_how_it_was_written() -> None:
    text = "Also wirklich, du A.r.s.c.h.l.o.c.h und Idiot."
    hits = find_hits(text, TERMS)
    assert [(hit.term, hit.kind, hit.matched) for hit in hits] == [
        ("arschloch", "banned", "A.r.s.c.h.l.o.c.h"),
        ("idiot*", "banned", "Idiot"),
    ]
    assert text[hits[0].start : hits[0].end] == "A.r.s.c.h.l.o.c.h"


def test_a_prefix_term_matches_compounds_an_exact_term_does_not() -> None:
    assert matched("idiotensicher") == ["idiot*"]
    assert matched("analytisch") == []


def test_blank_terms_are_ignored() -> None:
    assert compile_terms([("  ", "banned"), ("*", "suspect")]) == []
