import copy
from pathlib import Path

import numpy as np
import pytest

from moderation.classifier.context import context_hits, context_tokens
from moderation.classifier.normalize import normalize_text
from moderation.classifier.persist import load_model, save_model


def tokens(text: str) -> list[str]:
    return context_tokens(normalize_text(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Du bist ein Idiot", "ctx:you+insult"),
        ("Ihr seid doch alle Trottel!", "ctx:you+insult"),
        ("You are an idiot", "ctx:you+insult"),
        ("Die Regierung ist ein Haufen Idioten", "ctx:public+insult"),
        ("Die Bundesregierung besteht aus Idioten.", "ctx:public+insult"),
        ("Es ist falsch, Menschen als Idioten zu bezeichnen", "ctx:distanced+insult"),
        ("Er ist kein Idiot.", "ctx:distanced+insult"),
        ("Wer Idiot sagt, hat keine Argumente.", "ctx:distanced+insult"),
        ("Er schrieb „Idiot“ unter den Artikel.", "ctx:quoted+insult"),
        ('Er schrieb "Idiot" unter den Artikel.', "ctx:quoted+insult"),
    ],
)
def test_a_hit_is_marked_with_its_context(text: str, expected: str) -> None:
    assert expected in tokens(text)


def test_contexts_are_decided_per_sentence() -> None:
    found = tokens(
        "Du hast den Artikel nicht gelesen. Die Regierung sind Idioten. Der Minister ist ein Trottel!"
    )
    assert found.count("ctx:public+insult") == 2
    assert not any(token.startswith(("ctx:you+", "ctx:distanced+")) for token in found)


def test_an_insult_without_context_has_only_the_length_token() -> None:
    assert tokens("Was für ein Idiot.") == ["ctx:words<10"]


def test_a_comment_without_an_offensive_hit_has_no_context_tokens() -> None:
    assert tokens("Die Regierung hat du weißt schon was beschlossen.") == []
    assert tokens("Niemand mag Politiker.") == []  # "politiker" is a target word, no offence


def test_a_quotation_mark_pair_covers_only_its_inside() -> None:
    found = tokens("Er sagte „Guten Tag“, dann: Idiot.")
    assert "ctx:quoted+insult" not in found


@pytest.mark.parametrize(
    ("words", "bucket"),
    [
        (1, "ctx:words<10"),
        (9, "ctx:words<10"),
        (10, "ctx:words<30"),
        (79, "ctx:words<80"),
        (80, "ctx:words>=80"),
    ],
)
def test_the_length_bucket_counts_words(words: int, bucket: str) -> None:
    assert tokens(" ".join(["Idiot"] + ["Wort"] * (words - 1))) == [bucket]


def test_each_context_token_knows_its_hit() -> None:
    text = normalize_text("Danke. Du Idiot!")
    hits = {hit.token: hit.starts for hit in context_hits(text)}
    assert hits == {"ctx:you+insult": (text.index("idiot"),), "ctx:words<10": (text.index("idiot"),)}


def test_the_default_model_has_a_context_block_the_lean_scorer_reads(coldstart_trained) -> None:
    model = coldstart_trained[0]
    for language in model.languages:
        names = [name for name, _ in model.pipelines[language].named_steps["features"].transformer_list]
        assert names == ["word", "char", "lexicon", "context"]
    lean = model.lean["de"]
    block = next(block for block in lean.blocks if block.name == "context")
    indices, _ = lean.features(normalize_text("Du bist ein dummer Idiot, halt endlich die Fresse."))
    assert block.offset + block.vocabulary["ctx:you+insult"] in indices.tolist()


def explained_with_only(model, token: str, text: str) -> dict[str, float]:
    """The explanation of ``text`` by a copy of the German scorer whose only non-zero
    weight is the context token's."""
    lean = copy.copy(model.lean["de"])
    block = next(block for block in lean.blocks if block.name == "context")
    lean.coef = np.zeros_like(lean.coef)
    lean.coef[block.offset + block.vocabulary[token]] = 1.0
    normalised = normalize_text(text)
    indices, values = lean.features(normalised)
    return {item.feature: item.weight for item in lean.explain(normalised, indices, values, top=20)}


def test_a_context_token_is_explained_by_the_word_of_its_hit(coldstart_trained) -> None:
    model = coldstart_trained[0]
    slope = float(model.lean["de"].classifier.calibration_[0])
    explained = explained_with_only(model, "ctx:you+insult", "Du bist ein Idiot")
    assert explained == pytest.approx({"idiot": slope})


def test_the_length_token_is_shared_by_the_words_of_the_hits(coldstart_trained) -> None:
    model = coldstart_trained[0]
    slope = float(model.lean["de"].classifier.calibration_[0])
    explained = explained_with_only(model, "ctx:words<10", "Du Idiot. Danke für nichts, Trottel")
    assert explained == pytest.approx({"idiot": slope / 2, "trottel": slope / 2})


@pytest.mark.parametrize("suffix", [".npz", ".skops"])
def test_a_saved_model_keeps_its_context_block(coldstart_trained, tmp_path: Path, suffix: str) -> None:
    model = coldstart_trained[0]
    path = tmp_path / f"model{suffix}"
    loaded = load_model(path, sha256=save_model(model, path))
    assert loaded.params["context"] is True
    vocabularies = [
        dict(pipeline.named_steps["features"].transformer_list)["context"].vocabulary_
        for pipeline in loaded.pipelines.values()
    ]
    assert vocabularies == [
        dict(pipeline.named_steps["features"].transformer_list)["context"].vocabulary_
        for pipeline in model.pipelines.values()
    ]
    texts = ["Du bist ein Idiot", "Die Regierung ist ein Haufen Idioten", "Danke für den Artikel."]
    np.testing.assert_allclose(loaded.score(texts), model.score(texts), rtol=0, atol=1e-12)
