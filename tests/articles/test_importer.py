from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.importer import ArticleFormatError, parse_article, slug_for_title
from articles.models import Article

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_b458770177457fa4.txt"
SEED_TITLE = "Russland und USA wollen Militärkontakte fortsetzen"
# The project's shared material, next to the clone for developers and CI, absent elsewhere.
SHARED_SEED = ROOT.parent / "shared" / "seeds" / SEED.name
DEMO = ROOT / "seeds" / "003_library-reopens.txt"

VALID = (
    "Titel\n\nTitel\nVorspann.\n\nErster Absatz.\n\nZwischentitel\n\nZweiter Absatz.\n\n\u00a0\n\nKommentare"
)


def test_the_real_seed_article_is_read_exactly() -> None:
    parsed = parse_article(SEED.read_bytes(), str(SEED))
    assert parsed.title == "Russland und USA wollen Militärkontakte fortsetzen"
    assert parsed.teaser == (
        "Patruschew sprach von einem konstruktiven Gespräch ohne Vorwürfen von Seiten der Amerikaner."
    )
    assert parsed.language == "de"
    kinds = [block.type for block in parsed.body]
    assert kinds == ["paragraph"] * 3 + ["subheading"] + ["paragraph"] * 4
    assert parsed.body[3].text == "Einladung nach Moskau"
    assert parsed.body[0].text.startswith("Der Nationale Sicherheitsberater von US-Präsident Donald Trump")
    assert parsed.body[-1].text.endswith("Dann war er allerdings zurückgerudert.")
    assert all("Kommentare" not in block.text and block.text.strip() for block in parsed.body)


@pytest.mark.skipif(
    not SHARED_SEED.is_file(), reason=f"the shared material is absent: no {SHARED_SEED} to compare with"
)
def test_the_seed_article_in_seeds_is_the_shared_one_unchanged() -> None:
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_a_demo_article_is_english() -> None:
    parsed = parse_article(DEMO.read_bytes(), str(DEMO))
    assert parsed.language == "en"
    assert parsed.title.startswith("Millbrook")
    assert [b.type for b in parsed.body].count("subheading") == 1


def test_german_slug_transliterates_umlauts() -> None:
    assert slug_for_title("Russland und USA wollen Militärkontakte fortsetzen") == (
        "russland-und-usa-wollen-militaerkontakte-fortsetzen"
    )
    assert slug_for_title("Millbrook's Straße: 100 % mehr!") == "millbrooks-strasse-100-mehr"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "expected the title"),
        ("Titel\nNicht leer\nTitel\nVorspann.\n\nAbsatz.\n\nKommentare", 2, "empty line after the title"),
        ("Titel\n\nAnderer Titel\nVorspann.\n\nAbsatz.\n\nKommentare", 3, "expected the title repeated"),
        ("Titel\n\nTitel\n\n\nAbsatz.\n\nKommentare", 4, "expected the teaser"),
        ("Titel\n\nTitel\nVorspann.\n\nAbsatz.\n\nNoch ein Absatz.", 8, "missing the final 'Kommentare'"),
        ("Titel\n\nTitel\nVorspann.\n\nKurz\n\nKommentare", 5, "no body paragraph"),
        ("Titel\n\nTitel\nVorspann.\n\nAbsatz mit \x07 Klingel.\n\nKommentare", 6, "control character"),
    ],
)
def test_malformed_files_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ArticleFormatError) as error:
        parse_article(text.encode(), "kaputt.txt")
    assert error.value.line == line
    assert str(error.value).startswith(f"kaputt.txt:{line}: ")
    assert message in str(error.value)


def test_invalid_utf8_names_the_line() -> None:
    data = VALID.encode().replace(b"Zweiter", b"Zw\xffeiter")
    with pytest.raises(ArticleFormatError, match=r"^x.txt:10: is not valid UTF-8"):
        parse_article(data, "x.txt")


@pytest.mark.django_db
def test_import_command_is_idempotent_and_updates(tmp_path: Path) -> None:
    source = tmp_path / "artikel.txt"
    source.write_text(VALID, encoding="utf-8")
    call_command("import_articles", str(source), str(SEED))
    call_command("import_articles", str(source), str(SEED))
    assert Article.objects.count() == 2
    article = Article.objects.get(slug="titel")
    assert article.body == [
        {"type": "paragraph", "text": "Erster Absatz."},
        {"type": "subheading", "text": "Zwischentitel"},
        {"type": "paragraph", "text": "Zweiter Absatz."},
    ]
    source.write_text(VALID.replace("Vorspann.", "Neuer Vorspann."), encoding="utf-8")
    call_command("import_articles", str(source))
    article.refresh_from_db()
    assert article.teaser == "Neuer Vorspann."
    assert Article.objects.count() == 2


@pytest.mark.django_db
def test_a_malformed_file_imports_nothing_but_the_others_import(tmp_path: Path, capsys) -> None:
    (tmp_path / "a_gut.txt").write_text(VALID, encoding="utf-8")
    (tmp_path / "b_kaputt.txt").write_text(
        VALID.replace("\nTitel\nVorspann", "\nAnders\nVorspann"), encoding="utf-8"
    )
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_articles", str(tmp_path))
    assert list(Article.objects.values_list("slug", flat=True)) == ["titel"]
    assert "b_kaputt.txt:3: expected the title repeated" in capsys.readouterr().err


@pytest.mark.django_db
def test_default_import_reads_every_demo_article() -> None:
    call_command("import_articles")
    languages = set(Article.objects.values_list("language", flat=True))
    assert Article.objects.count() >= 3
    assert languages == {"de", "en"}


@pytest.mark.django_db
def test_default_import_includes_the_real_seed_article() -> None:
    call_command("import_articles")
    assert Article.objects.filter(title=SEED_TITLE).exists()


@pytest.mark.django_db
def test_the_same_article_in_two_folders_is_imported_once(tmp_path: Path) -> None:
    (tmp_path / SEED.name).write_bytes(SEED.read_bytes())
    call_command("import_articles", str(ROOT / "seeds"), str(tmp_path))
    assert Article.objects.filter(title=SEED_TITLE).count() == 1
