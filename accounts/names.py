"""What makes two display names the same name, for readers looking at the thread.

Pure functions, no Django: used by the model (the unique key it stores), the
services (taken and reserved names) and the migration that introduced the key.
"""

import unicodedata

from confusable_homoglyphs import confusables

_SPACE = " "

# Unicode's default-ignorable code points: shown as nothing at all (soft hyphen,
# zero-width spaces and joiners, fillers, variation selectors, tag characters) or
# only turning the direction text runs in (U+200E/F, U+202A–E, U+2066–9, U+061C).
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)


def hidden_character(name: str) -> str | None:
    """The first character of the name a reader cannot see: a default-ignorable
    code point or any other format character (Unicode category Cf), as "U+200B";
    None if there is none. "alice\u00ad" and "\u202ebob" look like "alice" and
    "bob" (or reversed), so a name must not hold them."""
    for char in name:
        code = ord(char)
        if unicodedata.category(char) == "Cf" or any(lo <= code <= hi for lo, hi in _DEFAULT_IGNORABLE):
            return f"U+{code:04X}"
    return None


def display_name_key(name: str) -> str | None:
    """The form under which display names are unique: NFKC, case-folded (NFKC again,
    since folding can undo it), invisible format characters (zero-width spaces and
    joiners, direction marks) dropped and runs of white space made one space. So
    "Redaktion", "REDAKTION", "Ｒｅｄａｋｔｉｏｎ" and "Redak\u200btion" share a key.
    None for an empty name: readers without a display name do not collide."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    key = _SPACE.join(text.split())
    return key or None


def display_name_skeleton(name: str) -> str:
    """The letters and digits of the key alone, for comparing with reserved names:
    "R.e.d.a.k.t.i.o.n" and "Red Aktion" are "redaktion"."""
    return "".join(char for char in display_name_key(name) or "" if char.isalnum())


def mixes_lookalike_scripts(name: str) -> bool:
    """Whether the name mixes scripts and one of its letters looks like a letter of
    another script in it ("Mаria" with a Cyrillic "а", Unicode's confusables data):
    the way to pass for "Maria" past the unique key. Names in one script ("Мария",
    "Σωκράτης") and Latin with accents ("Zoë", "Paul-Émile") are fine."""
    return bool(confusables.is_dangerous(unicodedata.normalize("NFKC", name)))
