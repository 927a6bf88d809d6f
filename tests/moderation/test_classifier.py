import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from scipy import sparse
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from moderation.classifier import explanation as rules
from moderation.classifier.data import DataFormatError, load_coldstart, load_germeval
from moderation.classifier.estimator import ToxicityClassifier, nb_log_count_ratio
from moderation.classifier.model import at_common_mix, build_pipeline, fit
from moderation.classifier.normalize import normalize_text
from moderation.classifier.persist import ModelFileError, load_model, save_model, sha256_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small_model(coldstart_trained):
    return coldstart_trained[0]


def test_coldstart_corpus_is_large_balanced_and_bilingual() -> None:
    data = load_coldstart()
    assert len(data) >= 500
    assert 0.3 < sum(data.labels) / len(data) < 0.5
    assert set(data.fine) == {"ABUSE", "INSULT", "PROFANITY", "OTHER"}


def test_normalisation_of_twitter_artefacts() -> None:
    text = "@user1 Sooooo ein Quatsch!|LBR|Siehe https://example.org/x &amp; mehr"
    assert normalize_text(text) == "@user soo ein quatsch! siehe url & mehr"


@pytest.mark.parametrize("suffix", [".npz", ".skops"])
def test_saved_model_loads_with_identical_scores(small_model, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"model{suffix}"
    sha256 = save_model(small_model, path)
    loaded = load_model(path, sha256=sha256)
    texts = ["Danke für den Artikel.", "Du Vollidiot!", "You absolute moron."]
    np.testing.assert_allclose(loaded.score(texts), small_model.score(texts))
    assert loaded.fine_labels == small_model.fine_labels
    assert loaded.analyze(texts[1]).details() == small_model.analyze(texts[1]).details()


@pytest.mark.parametrize("suffix", [".npz", ".skops"])
def test_a_tampered_file_is_refused(small_model, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"model{suffix}"
    sha256 = save_model(small_model, path)
    with path.open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(path, sha256=sha256)


def test_an_array_file_with_pickled_objects_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    with path.open("wb") as handle:
        np.savez(handle, header=np.array([{"format": "x"}], dtype=object))
    with pytest.raises(ModelFileError, match="not a readable model file"):
        load_model(path, sha256=sha256_of(path))


def test_an_array_file_of_another_format_is_refused(small_model, tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    header = np.frombuffer(b'{"format": "something-else", "version": 1}', dtype=np.uint8)
    with path.open("wb") as handle:
        np.savez(handle, header=header)
    with pytest.raises(ModelFileError, match="unknown format"):
        load_model(path, sha256=sha256_of(path))


def test_a_file_with_untrusted_types_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.skops"
    sio.dump({"pipelines": {"de": Pipeline([("run", FunctionTransformer(np.save))])}}, path)
    with pytest.raises(ModelFileError, match=r"untrusted types: numpy\.save"):
        load_model(path, sha256=sha256_of(path))


def test_explanation_names_the_insulting_words(small_model) -> None:
    explanation = small_model.explain("Du bist ein Vollidiot!!")
    assert explanation, "an insult must be explained"
    assert all(item.weight > 0 for item in explanation)
    assert explanation == sorted(explanation, key=lambda item: -item.weight)
    # character n-grams are added up onto whole words, without punctuation
    assert explanation[0].feature == "vollidiot"
    assert {item.kind for item in explanation} == {"word"}


def test_the_words_contributions_add_up_to_the_log_odds(small_model, monkeypatch) -> None:
    # With every word shown, the phrases (split at the commas) hold all of the score.
    monkeypatch.setattr(rules, "MIN_WEIGHT", -math.inf)
    monkeypatch.setattr(rules, "STOP_WORDS", frozenset())
    text = "Halt die Fresse, du Idiot, und lies den Artikel"
    lean = small_model.lean["de"]
    indices, values = lean.features(normalize_text(text))
    slope = lean.classifier.calibration_[0]
    total = float((values * lean.coef[indices] * slope).sum())
    explained = small_model.explain(text, top=100)
    assert {item.feature for item in explained} == {"halt die fresse", "du idiot", "und lies den artikel"}
    assert sum(item.weight for item in explained) == pytest.approx(total)


def test_fine_scores_split_the_offensive_score(small_model) -> None:
    analysis = small_model.analyze("Du bist ein dummer Idiot, halt endlich die Fresse.")
    assert analysis.language == "de"
    assert set(analysis.fine) == {"ABUSE", "INSULT", "PROFANITY"}
    assert sum(analysis.fine.values()) == pytest.approx(analysis.score)
    assert max(analysis.fine, key=analysis.fine.get) == "INSULT"
    details = analysis.details()
    assert set(details) == {"explanation", "fine_scores", "language"}


TEXTS = [
    "Danke für den Artikel.",
    "Du bist ein dummer Idiot, halt endlich die Fresse.",
    "@user1 Sooooo ein Quatsch!|LBR|Siehe https://example.org/x &amp; mehr 😡😡",
    "You absolute moron, nobody asked you.",
    "!!!",
    "x",
    "Merkel-Regime, Volksverräter!! #Lügenpresse",
    "Ein sehr langer Kommentar " * 40,
]


def test_lean_scorer_gives_the_pipeline_scores(small_model) -> None:
    reference = small_model.pipeline_score(TEXTS)
    assert len(set(small_model.languages_of(TEXTS))) == 2  # both pipelines are compared
    np.testing.assert_allclose(small_model.score(TEXTS), reference, rtol=0, atol=1e-9)
    one_by_one = np.array([small_model.score_one(text) for text in TEXTS])
    np.testing.assert_allclose(one_by_one, reference, rtol=0, atol=1e-9)
    analyzed = np.array([small_model.analyze(text).score for text in TEXTS])
    np.testing.assert_allclose(analyzed, reference, rtol=0, atol=1e-9)


def test_lean_feature_matrix_equals_the_pipeline_features(small_model) -> None:
    for language in small_model.languages:
        texts = [
            text
            for text, lang in zip(TEXTS, small_model.languages_of(TEXTS), strict=True)
            if lang == language
        ]
        reference = small_model.pipelines[language][:-1].transform(texts)
        lean = small_model.lean[language].matrix([normalize_text(text) for text in texts])
        assert abs(lean - reference).max() < 1e-12


def test_lean_fine_scores_match_the_batch_path(small_model) -> None:
    _, joint = small_model.fine_scores(TEXTS)
    for row, text in enumerate(TEXTS):
        fine = small_model.analyze(text).fine
        expected = [fine.get(label, 0.0) for label in small_model.fine_labels]
        np.testing.assert_allclose(expected, joint[row], atol=1e-9)


def test_calibration_makes_probabilities_mean_something(coldstart_trained) -> None:
    from moderation.classifier.evaluate import calibrated_scores, calibration_metrics
    from moderation.classifier.model import fit_calibrations

    _, out_of_fold = coldstart_trained
    labels = load_coldstart().labels
    raw = 1 / (1 + np.exp(-out_of_fold.decisions))
    calibrations = fit_calibrations(out_of_fold.decisions, labels, out_of_fold.languages)
    assert set(calibrations) == {"de", "en"}
    scores = calibrated_scores(out_of_fold, calibrations)
    after, before = calibration_metrics(labels, scores), calibration_metrics(labels, raw)
    assert after["brier"] <= before["brier"] + 1e-9
    assert after["ece"] < 0.08
    assert abs(scores.mean() - np.mean(labels)) < 0.02
    # reliability: the observed share of offensive comments rises with the score
    observed = [observed for _, observed, count in after["reliability"] if count >= 20]
    assert observed[0] < 0.2 and observed[-1] > 0.8


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


def test_emoji_variants_and_symbol_runs_are_normalised() -> None:
    assert normalize_text("Merkel 👎🏽👎🏽👎🏽 ⚓️ Was?!!!!!! 😂😂😂😂") == "merkel 👎👎 ⚓ was?!! 😂😂"


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Du bist ein 1d10t", "du bist ein idiot"),
        ("So ein Schw4chk0pf!", "so ein schwachkopf!"),
        ("Du A$$loch", "du assloch"),
        ("Du bist ein i d i o t", "du bist ein idiot"),
        ("I-d-i-o-t, du", "idiot, du"),
        ("Du V.o.l.l.i.d.i.o.t", "du vollidiot"),
        # digits that are digits, abbreviations and short letter runs stay
        ("Covid19, G20, MP3 und H2O", "covid19, g20, mp3 und h2o"),
        (
            "Wir sind 1 Team, z. B. in 3 Tagen, u. a. mit A B C",
            "wir sind 1 team, z. b. in 3 tagen, u. a. mit a b c",
        ),
    ],
)
def test_spellings_meant_to_slip_past_a_filter_are_read_as_words(text: str, normalised: str) -> None:
    assert normalize_text(text) == normalised


def test_a_disguised_insult_scores_as_the_plain_one(small_model) -> None:
    plain = small_model.score(["Du bist ein Idiot"])[0]
    assert small_model.score(["Du bist ein 1d10t", "Du bist ein I d i o t"]) == pytest.approx([plain, plain])


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Danke für den Artikel, sehr gut geschrieben.", "de"),
        ("Gerne! Echt gutes Buch - erschien in Graz 2007", "de"),
        ("Vollidiot!", "de"),  # no evidence either way: German first
        ("Thanks for the article, really well written.", "en"),
        ("@user happy birthday faggot", "en"),
        ("sometime i wish i wasn't colored", "en"),
    ],
)
def test_language_guess(text: str, language: str) -> None:
    from moderation.classifier.language import detect_language

    assert detect_language(normalize_text(text)) == language


def test_german_weighs_its_character_ngrams_and_english_does_not(small_model) -> None:
    weights = {
        language: small_model.pipelines[language].named_steps["features"].transformer_weights
        for language in small_model.languages
    }
    assert weights == {"de": {"char": 1.5}, "en": None}
    assert small_model.lean["de"].blocks[1].weight == 1.5


def test_english_averages_ten_fine_heads_and_german_fits_one(small_model) -> None:
    bags = {language: small_model.classifier(language).fine_bags for language in small_model.languages}
    assert bags == {"de": 1, "en": 10}


def test_bagged_fine_head_is_the_average_of_heads_on_subsamples() -> None:
    """Each head sees half of each fine label's texts; the averaged head is one linear
    function with a row per label, deterministic for the same data."""
    random = np.random.default_rng(1)
    dense = random.random((80, 6))
    dense[20:35, 0] += 2.0  # the hate texts share feature 0
    features = sparse.csr_matrix(dense)
    labels = np.ones(80, dtype=int)
    labels[:20] = 0
    fine = np.array(["neither"] * 20 + ["hate"] * 15 + ["offensive"] * 45, dtype=object)
    one = ToxicityClassifier().fit(features, labels, fine=fine)
    bagged = ToxicityClassifier(fine_bags=5).fit(features, labels, fine=fine)
    again = ToxicityClassifier(fine_bags=5).fit(features, labels, fine=fine)
    assert bagged.fine_labels_ == one.fine_labels_ == ["hate", "offensive"]
    assert bagged.fine_coef_.shape == one.fine_coef_.shape == (2, 6)
    np.testing.assert_array_equal(bagged.fine_coef_, again.fine_coef_)
    assert not np.allclose(bagged.fine_coef_, one.fine_coef_)
    np.testing.assert_allclose(bagged.fine_coef_.sum(axis=0), 0, atol=1e-6)
    assert bagged.fine_coef_[0, 0] > 0  # feature 0 speaks for hate
    np.testing.assert_array_equal(bagged.coef_, one.coef_)  # the coarse model is untouched


def test_source_intercepts_keep_a_sources_mix_out_of_the_words_weights() -> None:
    """Source A is 80 % offensive, source B 10 %, and every text of A carries a word
    that says nothing about offensiveness within either source. Without source
    columns that word learns A's mix; with them it does not, and the columns are not
    part of the fitted model."""
    random = np.random.default_rng(3)
    size = 400
    source = np.array(["a"] * (size // 2) + ["b"] * (size // 2))
    labels = np.where(source == "a", random.random(size) < 0.8, random.random(size) < 0.1).astype(int)
    insult = np.where(labels == 1, random.random(size) < 0.7, random.random(size) < 0.1)
    features = sparse.csr_matrix(
        np.column_stack([(source == "a"), insult, random.random(size) < 0.5]).astype(float)
    )
    plain = ToxicityClassifier().fit(features, labels)
    with_sources = ToxicityClassifier(source_intercepts=3.0).fit(features, labels, sources=list(source))
    assert with_sources.coef_.shape == plain.coef_.shape == (1, 3)
    assert plain.coef_[0, 0] > 1.0
    assert abs(with_sources.coef_[0, 0]) < plain.coef_[0, 0] / 3
    assert with_sources.coef_[0, 1] > 1.0  # the insult still counts
    # Off, or one source only: the same model as without sources.
    for model in (
        ToxicityClassifier().fit(features, labels, sources=list(source)),
        ToxicityClassifier(source_intercepts=3.0).fit(features, labels, sources=["a"] * size),
    ):
        np.testing.assert_array_equal(model.coef_, plain.coef_)


def test_fit_gives_each_language_the_sources_of_its_texts() -> None:
    """Each language's classifier is the one fitted on that language's texts with their
    own sources, and differs from one fitted without them."""
    data = load_coldstart()
    sources = ["first" if i % 3 else "second" for i in range(len(data.texts))]
    together = fit(data.texts, data.labels, fine=data.fine)
    apart = fit(data.texts, data.labels, fine=data.fine, sources=sources)
    languages = [apart.route(normalize_text(text)) for text in data.texts]
    for language in together.languages:
        rows = [i for i, routed in enumerate(languages) if routed == language]
        alone = build_pipeline(None, language).fit(
            [data.texts[i] for i in rows],
            np.asarray(data.labels)[rows],
            classifier__fine=[data.fine[i] for i in rows],
            classifier__sample_weight=np.ones(len(rows)),
            classifier__sources=[sources[i] for i in rows],
        )
        np.testing.assert_allclose(apart.classifier(language).coef_, alone.named_steps["classifier"].coef_)
        assert not np.allclose(apart.classifier(language).coef_, together.classifier(language).coef_)


def test_nb_ratios_count_the_texts_a_feature_occurs_in() -> None:
    features = sparse.csr_matrix(np.array([[0.9, 0.1], [0.8, 0.0], [0.1, 0.7], [0.0, 0.9]]))
    labels = np.array([1, 1, 0, 0])
    # Feature 0 occurs in both offensive texts and one other, feature 1 the other way round.
    by_texts = nb_log_count_ratio(features, labels, alpha=1.0)
    np.testing.assert_allclose(by_texts, [np.log(3 / 2), np.log(2 / 3)])
    by_values = nb_log_count_ratio(features, labels, alpha=1.0, binary=False)
    np.testing.assert_allclose(by_values, np.log((np.array([2.7, 1.1]) / 3.8) / (np.array([1.1, 2.6]) / 3.7)))


def test_a_model_file_from_before_block_weights_loads_as_trained(tmp_path: Path) -> None:
    """A saved header without ``block_weights``, ``nb_binary``, ``fine_bags`` and ``context`` is a
    model trained without them: it must not be given the new defaults' weights or blocks."""
    data = load_coldstart()
    legacy = fit(
        data.texts,
        data.labels,
        {"block_weights": {}, "nb_binary": False, "fine_bags": {}, "context": False},
        fine=data.fine,
    )
    path = tmp_path / "legacy.npz"
    save_model(legacy, path)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays["header"].tobytes().decode("utf-8"))
    for name in ("block_weights", "nb_binary", "fine_bags", "context"):
        del header["params"][name]
    arrays["header"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    with path.open("wb") as handle:
        np.savez_compressed(handle, **arrays)
    loaded = load_model(path, sha256=sha256_of(path))
    assert all(
        pipeline.named_steps["features"].transformer_weights is None for pipeline in loaded.pipelines.values()
    )
    assert all(
        [name for name, _ in pipeline.named_steps["features"].transformer_list] == ["word", "char", "lexicon"]
        for pipeline in loaded.pipelines.values()
    )
    np.testing.assert_allclose(loaded.score(TEXTS), legacy.score(TEXTS), rtol=0, atol=1e-9)


def test_each_language_is_stated_at_the_reference_languages_mix() -> None:
    # German a quarter offensive, English three quarters (as Davidson's tweets are
    # mostly offensive), French of one class only.
    languages = ["de"] * 4 + ["en"] * 4 + ["fr"] * 2
    labels = [1, 0, 0, 0, 1, 1, 1, 0, 0, 0]
    calibrations = {language: np.array([1.5, 0.2]) for language in ("de", "en", "fr")}
    shifted = at_common_mix(calibrations, labels, languages, None, reference="de")
    np.testing.assert_allclose(shifted["de"], [1.5, 0.2])
    np.testing.assert_allclose(shifted["fr"], [1.5, 0.2])
    # an English text the English calibration calls 75 % offensive (its own mix) is
    # as likely offensive as the German mix says: 25 %
    decision = (math.log(3) - 0.2) / 1.5
    slope, offset = shifted["en"]
    assert 1 / (1 + math.exp(-(slope * decision + offset))) == pytest.approx(0.25)
    # the weights count: English rows weighted so that half of them are offensive
    weighted = at_common_mix(calibrations, labels, languages, [1.0] * 4 + [1, 1, 1, 3] + [1, 1], "de")
    assert weighted["en"][1] == pytest.approx(0.2 + math.log(1 / 3))
