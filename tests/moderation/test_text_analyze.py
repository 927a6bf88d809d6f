"""Analysing a text without storing it, as the moderation API and any other caller get it."""

import pytest

from moderation.services import text_analyze
from web.errors import Unavailable

pytestmark = pytest.mark.django_db


def test_without_a_model_the_analysis_is_unavailable() -> None:
    with pytest.raises(Unavailable) as error:
        text_analyze(text="Hallo")
    assert (error.value.status_code, error.value.code) == (503, "no_model")
