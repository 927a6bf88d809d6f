"""What moderators are shown of a score: the words and phrases that move it."""

import re

import pytest

from moderation.classifier.explanation import MIN_WEIGHT, STOP_WORDS, explain_words
from moderation.classifier.normalize import normalize_text
from moderation.policy.highlight import highlighted


@pytest.fixture(scope="module")
def small_model(coldstart_trained):
    return coldstart_trained[0]


def shown(text: str, weights: list[float], score: float = 0.9) -> list[tuple[str, float]]:
    items = explain_words(normalize_text(text).split(), weights, score=score, top=8)
    return [(item.feature, round(item.weight, 2)) for item in items]


# --- the rules, on given contributions ------------------------------------------


def test_nothing_is_explained_below_the_floor() -> None:
    assert shown("Du Idiot", [0.5, 3.0], score=0.19) == []
    assert shown("Du Idiot", [0.5, 3.0], score=0.2) == [("idiot", 3.0)]


def test_small_contributions_are_not_shown() -> None:
    assert shown("Sehr schlechter Artikel", [0.1, 0.29, 0.1]) == []


def test_function_words_are_never_shown_alone_or_at_a_phrases_edge() -> None:
    assert shown("Man sollte bei den Verhandlungen", [0.9, 0.8, 0.5, 0.4, 0.1]) == []
    assert shown("Du bist ein Trottel", [1.9, 1.3, 0.4, 2.0]) == [("trottel", 2.0)]


def test_adjacent_words_merge_into_one_phrase_with_their_summed_weight() -> None:
    assert shown("Du dummer Idiot", [0.1, 2.0, 3.0]) == [("dummer idiot", 5.0)]


def test_function_words_between_two_words_join_the_phrase() -> None:
    # "die" weighs nothing itself, but "halt die fresse" is what the moderator reads.
    assert shown("Halt die Fresse", [0.8, -0.1, 2.9]) == [("halt die fresse", 3.6)]


def test_a_function_word_that_lowers_the_score_does_not_join() -> None:
    assert shown("Idiot nicht Trottel", [3.0, -1.0, 2.0]) == [("idiot", 3.0), ("trottel", 2.0)]


def test_punctuation_ends_a_phrase() -> None:
    assert shown("Idiot, Trottel!", [3.0, 2.0]) == [("idiot", 3.0), ("trottel", 2.0)]
    assert shown("Lies das: »Trottel« steht da", [0.0, 0.0, 2.0, 0.0, 0.0]) == [("trottel", 2.0)]


def test_a_repeated_word_is_shown_once_with_both_weights() -> None:
    assert shown("Idiot, Idiot", [2.0, 1.5]) == [("idiot", 3.5)]


def test_the_strongest_come_first_and_top_limits_them() -> None:
    words = normalize_text("Trottel, Idiot, Depp").split()
    items = explain_words(words, [1.0, 3.0, 2.0], score=0.9, top=2)
    assert [item.feature for item in items] == ["idiot", "depp"]
    assert [item.kind for item in items] == ["word", "word"]


# --- with a model fitted on the cold-start corpus -------------------------------


def test_a_civil_comment_at_a_low_score_has_no_explanation(small_model) -> None:
    analysis = small_model.analyze("Danke für den ausführlichen und gut recherchierten Bericht.")
    assert analysis.score < 0.2
    assert analysis.explanation == []


def test_an_insult_is_explained_by_the_insult_and_no_function_word(small_model) -> None:
    analysis = small_model.analyze("Du bist ein Vollidiot!!")
    assert analysis.score > 0.5
    features = [item.feature for item in analysis.explanation]
    assert features[0] == "vollidiot"
    assert not {word for feature in features for word in feature.split()} & STOP_WORDS
    assert all(item.weight >= MIN_WEIGHT for item in analysis.explanation)


def test_an_insulting_phrase_is_one_item(small_model) -> None:
    explanation = small_model.explain("Du bist ein dummer Idiot, halt die Fresse.")
    features = [item.feature for item in explanation]
    assert "dummer idiot" in features
    assert "halt die fresse" in features
    assert {item.kind for item in explanation} == {"phrase"}


def test_the_queue_marks_a_phrase_once() -> None:
    body = "Du bist ein dummer Idiot, halt die Fresse."
    explanation = [
        {"feature": "dummer idiot", "kind": "phrase", "weight": 5.1},
        {"feature": "halt die fresse", "kind": "phrase", "weight": 3.6},
    ]
    assert str(highlighted(body, explanation, [])) == (
        'Du bist ein <mark class="weight" title="model: +5.10">dummer Idiot</mark>, '
        '<mark class="weight" title="model: +3.60">halt die Fresse</mark>.'
    )


def test_the_queue_merges_adjacent_marks_and_leaves_out_function_words_alone() -> None:
    # An explanation stored word by word, before phrases.
    explanation = [
        {"feature": "man", "kind": "word", "weight": 0.8},
        {"feature": "dummer", "kind": "word", "weight": 2.0},
        {"feature": "idiot", "kind": "word", "weight": 3.0},
    ]
    assert str(highlighted("Man ist ein dummer Idiot", explanation, [])) == (
        'Man ist ein <mark class="weight" title="model: +5.00">dummer Idiot</mark>'
    )


def test_a_disguised_word_is_marked_where_it_stands(small_model) -> None:
    body = "Du bist ein I d i o t und ein Schw4chk0pf"
    explanation = [item.as_dict() for item in small_model.explain(body)]
    assert [item["feature"] for item in explanation] == ["idiot und ein schwachkopf"]
    marked = str(highlighted(body, explanation, []))
    assert re.fullmatch(
        r'Du bist ein <mark class="weight" title="model: \+[\d.]+">I d i o t und ein Schw4chk0pf</mark>',
        marked,
    )


def test_a_word_list_hit_inside_a_phrase_wins() -> None:
    body = "halt die Fresse"
    hits = [{"start": 9, "end": 15, "kind": "banned", "term": "fresse"}]
    explanation = [{"feature": "halt die fresse", "kind": "phrase", "weight": 3.6}]
    assert str(highlighted(body, explanation, hits)) == (
        '<mark class="weight" title="model: +3.60">halt die</mark> '
        '<mark class="hit-banned" title="banned term: fresse">Fresse</mark>'
    )
