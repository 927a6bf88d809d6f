"""Numbers as the admin shows them, in the language of the page."""

from django.utils.formats import number_format


def percent_number(share: float) -> str:
    """A share 0–1 as the number of a whole percentage ("7"), for texts that write
    the percent sign themselves."""
    return number_format(round(share * 100), 0)


def percent(share: float | None) -> str:
    """A model's score or another share 0–1 as a whole percentage: "7 %"; "–" for none."""
    if share is None:
        return "–"
    return f"{percent_number(share)} %"
