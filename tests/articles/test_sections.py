"""An article's newsroom section: set by the importer, shown and filtered by the API."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "seeds" / "001_stadtrat-radwege.txt"
OTHER = ROOT / "seeds" / "003_library-reopens.txt"


def imported(*args: str) -> None:
    call_command("import_articles", *args, stdout=StringIO(), stderr=StringIO())


def test_the_importer_sets_the_section_it_is_given() -> None:
    imported("--section", "  Lokales ", str(DEMO))
    assert Article.objects.get().section == "Lokales"


def test_without_a_section_a_new_article_has_none_and_an_existing_one_keeps_its_own() -> None:
    imported(str(OTHER))
    assert Article.objects.get().section == ""
    imported("--section", "Kultur", str(OTHER))
    imported(str(OTHER))
    assert Article.objects.get().section == "Kultur"


def test_an_unchanged_file_moves_to_another_section() -> None:
    imported("--section", "Politik", str(DEMO))
    imported("--section", "Wirtschaft", str(DEMO))
    assert Article.objects.get().section == "Wirtschaft"


def test_an_overlong_section_is_refused_before_anything_is_imported() -> None:
    with pytest.raises(CommandError, match="--section: a section has at most 60 characters"):
        imported("--section", "x" * 61, str(DEMO))
    assert not Article.objects.exists()


def test_the_api_returns_the_section(api_client: APIClient) -> None:
    article = ArticleFactory(section="Politik")
    assert api_client.get(f"/api/articles/{article.slug}/").json()["section"] == "Politik"
    assert api_client.get("/api/articles/").json()["results"][0]["section"] == "Politik"


def test_the_api_lists_one_section(api_client: APIClient) -> None:
    ArticleFactory(section="Politik", slug="wahl")
    ArticleFactory(section="Wirtschaft", slug="zinsen")
    ArticleFactory(section="", slug="ohne")

    def slugs(query: str) -> list[str]:
        return [a["slug"] for a in api_client.get(f"/api/articles/{query}").json()["results"]]

    assert slugs("?section=Politik") == ["wahl"]
    assert slugs("?section=") == ["ohne"]
    assert sorted(slugs("")) == ["ohne", "wahl", "zinsen"]


def test_an_overlong_section_in_the_list_query_is_a_400_naming_it(api_client: APIClient) -> None:
    response = api_client.get("/api/articles/?section=" + "x" * 61, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert list(response.json()) == ["section"]
