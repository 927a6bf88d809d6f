import re
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from moderation.classifier.data import DataFormatError, load_coldstart, load_germeval
from moderation.classifier.model import fit
from moderation.classifier.normalize import normalize_text
from moderation.classifier.persist import ModelFileError, load_model, save_model, sha256_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small_model():
    data = load_coldstart()
    return fit(data.texts, data.labels)


def test_coldstart_corpus_is_large_balanced_and_bilingual() -> None:
    data = load_coldstart()
    assert len(data) >= 500
    assert 0.3 < sum(data.labels) / len(data) < 0.5
    assert set(data.fine) == {"ABUSE", "INSULT", "PROFANITY", "OTHER"}


def test_normalisation_of_twitter_artefacts() -> None:
    text = "@user1 Sooooo ein Quatsch!|LBR|Siehe https://example.org/x &amp; mehr"
    assert normalize_text(text) == "@user soo ein quatsch! siehe url & mehr"


def test_saved_model_loads_with_identical_scores(small_model, tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    sha256 = save_model(small_model, path)
    loaded = load_model(path, sha256=sha256)
    texts = ["Danke für den Artikel.", "Du Vollidiot!"]
    np.testing.assert_allclose(loaded.score(texts), small_model.score(texts))


def test_a_tampered_file_is_refused(small_model, tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    sha256 = save_model(small_model, path)
    with path.open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(path, sha256=sha256)


def test_a_file_with_untrusted_types_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.skops"
    sio.dump(Pipeline([("run", FunctionTransformer(np.save))]), path)
    with pytest.raises(ModelFileError, match=r"untrusted types: numpy\.save"):
        load_model(path, sha256=sha256_of(path))


def test_explanation_names_the_insulting_words(small_model) -> None:
    explanation = small_model.explain("Du bist ein Vollidiot")
    assert explanation, "an insult must be explained"
    assert all(item.weight > 0 for item in explanation)
    assert explanation == sorted(explanation, key=lambda item: -item.weight)
    assert any("idiot" in item.feature for item in explanation)


def test_germeval_loader_reports_malformed_lines(tmp_path: Path) -> None:
    path = tmp_path / "data.tsv"
    path.write_text("gut\tOTHER\tOTHER\nkaputt\tOFFENSE\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"data.tsv:2: expected 3 tab-separated columns"):
        load_germeval(path)
    path.write_text("text\tOFFENSE\tOTHER\n", encoding="utf-8")
    with pytest.raises(
        DataFormatError, match=r"data.tsv:1: fine label 'OTHER' does not fit coarse 'OFFENSE'"
    ):
        load_germeval(path)


def test_nothing_in_the_project_loads_pickle_or_joblib() -> None:
    pattern = re.compile(r"\b(import pickle|from pickle|pickle\.loads?\(|joblib|cloudpickle|dill)\b")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("config", "articles", "discussion", "moderation")
        for path in (ROOT / folder).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
