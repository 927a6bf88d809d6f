"""Numbers as the admin shows them, in the language of the page."""

from django.utils.formats import number_format


def percent(share: float | None) -> str:
    """A model's score or another share 0–1 as a whole percentage: "7 %"; "–" for none."""
    if share is None:
        return "–"
    return f"{number_format(round(share * 100), 0)} %"
