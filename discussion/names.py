"""What makes two display names the same name, for readers looking at the thread.

Pure functions, no Django: used by the model (the unique key it stores), the
services (taken and reserved names) and the migration that introduced the key.
"""

import unicodedata

from confusable_homoglyphs import confusables

_SPACE = " "


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
