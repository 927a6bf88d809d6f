import itertools

import numpy as np
import pytest
from sklearn.metrics import f1_score

from moderation.classifier.data import Dataset, load_coldstart
from moderation.classifier.evaluate import (
    DEFAULT_MAX_OFFENSIVE_PUBLISHED,
    DEFAULT_MIN_REJECT_PRECISION,
    automatic_share_by_prevalence,
    binary_metrics,
    calibration_metrics,
    choose_fine_minimums,
    estimate_prevalence,
    fine_predictions,
    flag_rates,
    germeval_f1,
    leave_one_source_out,
    recommend_thresholds,
    tradeoff,
)


def test_germeval_f1_is_the_harmonic_mean_of_macro_precision_and_recall() -> None:
    y_true = [1, 1, 0, 0, 0, 0]
    y_pred = [1, 0, 0, 0, 0, 1]
    # macro precision (0.5 + 0.75) / 2, macro recall (0.5 + 0.75) / 2
    assert germeval_f1(y_true, y_pred) == pytest.approx(0.625)


def test_thresholds_keep_published_comments_clean_and_rejections_precise() -> None:
    rng = np.random.default_rng(1)
    labels = rng.random(5000) < 0.3
    scores = np.clip(np.where(labels, rng.normal(0.75, 0.18, 5000), rng.normal(0.25, 0.18, 5000)), 0, 1)
    result = recommend_thresholds(labels.astype(int), scores)
    published = scores < result["publish_below"]
    rejected = scores >= result["reject_above"]
    assert labels[published].mean() <= DEFAULT_MAX_OFFENSIVE_PUBLISHED
    assert labels[rejected].mean() >= DEFAULT_MIN_REJECT_PRECISION
    assert result["publish_below"] <= result["reject_above"]
    assert result["automatic_share"] == pytest.approx(published.mean() + rejected.mean(), abs=1e-4)
    # not needlessly strict: most acceptable comments still publish themselves
    assert result["published_share"] > 0.5


def scored_sample(rng: np.random.Generator, n: int, prevalence: float) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.random(n) < prevalence
    scores = np.clip(np.where(labels, rng.normal(0.72, 0.15, n), rng.normal(0.28, 0.15, n)), 0, 0.9999)
    return labels.astype(int), scores


def test_thresholds_for_a_site_with_fewer_offensive_comments_hold_on_such_a_site() -> None:
    # Thresholds chosen on ten samples of GermEval's mix, weighted to a site where
    # 10 % of comments are offensive, applied to a large sample of that site's; under
    # strict rules, so that neither mix publishes up to the cap; the reject rule
    # weighted to the site's mix too.
    rules = {"max_offensive_published": 0.02, "min_reject_precision": 0.95, "reject_at_labelled_mix": False}
    rng = np.random.default_rng(2)
    site_labels, site_scores = scored_sample(rng, 200_000, 0.10)
    offensive_published, rejected_precision = [], []
    for _ in range(10):
        labels, scores = scored_sample(rng, 20_000, 0.34)
        at_34 = recommend_thresholds(labels, scores, **rules)
        at_10 = recommend_thresholds(labels, scores, prevalence=0.10, **rules)
        published = site_scores < at_10["publish_below"]
        rejected = site_scores >= at_10["reject_above"]
        offensive_published.append(site_labels[published].mean())
        rejected_precision.append(site_labels[rejected].mean())
        assert at_10["automatic_share"] == pytest.approx(published.mean() + rejected.mean(), abs=0.02)
        # such a site publishes more by itself, under a higher threshold
        assert at_10["publish_below"] > at_34["publish_below"]
        assert at_10["automatic_share"] > at_34["automatic_share"]
    assert np.mean(offensive_published) <= 0.02
    assert np.mean(rejected_precision) >= 0.95
    assert max(offensive_published) <= 0.022
    assert min(rejected_precision) >= 0.93


def test_by_default_the_reject_threshold_keeps_its_precision_at_the_labelled_mix() -> None:
    labels, scores = scored_sample(np.random.default_rng(5), 20_000, 0.34)
    own = recommend_thresholds(labels, scores)
    site = recommend_thresholds(labels, scores, prevalence=0.10)
    strict = recommend_thresholds(labels, scores, prevalence=0.10, reject_at_labelled_mix=False)
    assert site["reject_above"] == own["reject_above"] < strict["reject_above"]
    # what such a site can expect is reported at its mix: lower than the rule's 90 %
    rejected = scores >= site["reject_above"]
    weights = np.where(labels == 1, 0.10 / labels.mean(), 0.90 / (1 - labels.mean()))
    expected = np.average(labels[rejected], weights=weights[rejected])
    assert site["precision_of_rejected"] == pytest.approx(expected, abs=1e-4)
    assert site["precision_of_rejected"] < DEFAULT_MIN_REJECT_PRECISION <= own["precision_of_rejected"]


def test_the_automatic_share_is_reported_for_each_site_mix() -> None:
    labels, scores = scored_sample(np.random.default_rng(3), 5000, 0.34)
    sites = automatic_share_by_prevalence(labels, scores)
    assert [site["prevalence"] for site in sites] == [percent / 100 for percent in range(1, 51)]
    published = [site["published_share"] for site in sites]
    rejected = [site["rejected_share"] for site in sites]
    # 5 %, 10 %, 20 % offensive: the more offensive comments, the fewer publish themselves
    assert published[4] > published[9] > published[19]
    assert rejected[4] < rejected[9] < rejected[19]
    assert all(site["offensive_among_published"] <= DEFAULT_MAX_OFFENSIVE_PUBLISHED for site in sites)
    # where no more are offensive than the rule allows among the published, the rule
    # alone would publish all: capped at 0.5
    capped = [site for site in sites if site["prevalence"] <= DEFAULT_MAX_OFFENSIVE_PUBLISHED]
    assert capped and all(site["publish_below"] == 0.5 for site in capped)
    assert all(site["publish_below"] <= 0.5 for site in sites)


@pytest.mark.parametrize("prevalence", [0.03, 0.08, 0.2])
def test_a_sites_mix_is_read_off_the_share_its_model_flags(prevalence: float) -> None:
    rng = np.random.default_rng(4)
    rates = flag_rates(*scored_sample(rng, 20_000, 0.34))
    site_labels, site_scores = scored_sample(rng, 20_000, prevalence)
    flagged = float((site_scores >= rates["cut"]).mean())
    assert estimate_prevalence(flagged, rates) == pytest.approx(site_labels.mean(), abs=0.01)
    # the flagged share alone would be far off where false flags dominate
    if prevalence < 0.1:
        assert abs(flagged - prevalence) > 0.02


def test_thresholds_of_one_class_data_and_no_mix_to_weight() -> None:
    labels, scores = np.zeros(100, dtype=int), np.linspace(0, 0.99, 100)
    assert recommend_thresholds(labels, scores)["publish_below"] == 0.5  # all acceptable: the cap
    with pytest.raises(ValueError, match="both classes"):
        recommend_thresholds(labels, scores, prevalence=0.1)


def test_thresholds_on_hopeless_scores_hold_everything() -> None:
    labels = np.array([0, 1] * 50)
    scores = np.full(100, 0.5)
    result = recommend_thresholds(labels, scores)
    assert result["published_share"] == 0
    assert result["rejected_share"] == 0
    assert result["held_share"] == 1


def test_fine_predictions_choose_within_the_evaluated_scheme() -> None:
    labels = ["ABUSE", "INSULT", "hate", "offensive"]
    given = np.array([[0.1, 0.2, 0.6, 0.1], [0.1, 0.2, 0.1, 0.6], [0.5, 0.3, 0.1, 0.1]])
    scores = np.array([0.9, 0.9, 0.2])
    germeval = fine_predictions(scores, given, labels, ["INSULT", "ABUSE", "OTHER"])
    assert germeval == ["INSULT", "INSULT", "OTHER"]
    assert fine_predictions(scores, given, labels, ["hate", "neither"]) == ["hate", "hate", "neither"]


def test_a_fine_minimum_keeps_a_label_for_confident_texts() -> None:
    labels = ["hate", "offensive"]
    given = np.array([[0.7, 0.3], [0.7, 0.3], [0.4, 0.6]])
    scores = np.array([0.95, 0.7, 0.95])
    truth = ["hate", "offensive", "neither"]
    assert fine_predictions(scores, given, labels, truth) == ["hate", "hate", "offensive"]
    # hate needs P(offensive) * P(hate | offensive) >= 0.6: 0.665 does, 0.49 does not
    minimums = {"hate": 0.6}
    assert fine_predictions(scores, given, labels, truth, minimums=minimums) == [
        "hate",
        "offensive",
        "offensive",
    ]
    # when no label reaches its minimum, the likeliest one is taken
    both = {"hate": 0.9, "offensive": 0.9}
    assert fine_predictions(scores, given, labels, truth, minimums=both) == ["hate", "hate", "offensive"]


def test_fine_minimums_are_chosen_for_the_best_macro_f1() -> None:
    rng = np.random.default_rng(3)
    n = 4000
    truth = np.where(rng.random(n) < 0.1, "hate", "offensive")
    # P(hate | offensive) overstates hate: offensive texts often look like hate
    hate = np.clip(np.where(truth == "hate", rng.normal(0.8, 0.1, n), rng.normal(0.45, 0.2, n)), 0, 1)
    given = np.column_stack([hate, 1 - hate])
    scores = np.full(n, 0.95)
    minimums = choose_fine_minimums(scores, given, ["hate", "offensive"], list(truth))
    assert set(minimums) == {"hate", "offensive"}
    assert minimums["hate"] > 0.5
    plain = fine_predictions(scores, given, ["hate", "offensive"], list(truth))
    tuned = fine_predictions(scores, given, ["hate", "offensive"], list(truth), minimums=minimums)
    assert f1_score(truth, tuned, average="macro") > f1_score(truth, plain, average="macro")


def test_binary_metrics_and_calibration_table() -> None:
    metrics = binary_metrics([0, 0, 1, 1], np.array([0.1, 0.6, 0.4, 0.9]))
    assert metrics == {"n": 4, "macro_f1": 0.5, "germeval_f1": 0.5, "roc_auc": 0.75}
    calibration = calibration_metrics([0, 1], np.array([0.0, 1.0]))
    assert calibration["brier"] == 0
    assert calibration["reliability"] == [[0.0, 0.0, 1], [1.0, 1.0, 1]]


def test_the_tradeoff_weights_the_classes_to_the_sites_mix() -> None:
    # Half offensive; weighted to 10 % offensive each acceptable comment stands for
    # 0.9 / 0.5 / 4 = 45 % of the site's comments and each offensive one for 5 %.
    labels = [0, 1, 0, 1]
    scores = np.array([0.125, 0.25, 0.375, 0.875])
    result = tradeoff(labels, scores, prevalence=0.10)
    assert result["prevalence"] == 0.10
    published = {row["share"]: row for row in result["published"]}
    assert list(published) == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    # 10-40 %: the least-scored comment alone (45 %), acceptable
    assert published[0.1] == {
        "share": 0.1,
        "publish_below": 0.1251,
        "published_share": 0.45,
        "offensive_among_published": 0.0,
    }
    assert published[0.4]["publish_below"] == 0.1251
    # 50 %: with the offensive one at 0.25, 5 of those 50 % are offensive
    assert published[0.5]["publish_below"] == 0.2501
    assert published[0.5]["published_share"] == 0.5
    assert published[0.5]["offensive_among_published"] == 0.1
    # 60-80 %: the three lowest, 95 %, of which 5 offensive
    assert published[0.8]["published_share"] == 0.95
    assert published[0.8]["offensive_among_published"] == pytest.approx(0.05 / 0.95, abs=1e-4)
    # the top 10 % to review: from 0.375 on, 50 % of the comments, half the offensive ones
    assert result["reviewed"][0] == {
        "share": 0.1,
        "review_from": 0.375,
        "reviewed_share": 0.5,
        "offensive_caught": 0.5,
        "offensive_among_reviewed": 0.1,
    }
    # unweighted (the data's own mix) the same thresholds publish other shares
    own = tradeoff(labels, scores, prevalence=0.5)
    assert own["published"][4]["offensive_among_published"] == 0.5
    assert own["reviewed"][0] == {
        "share": 0.1,
        "review_from": 0.875,
        "reviewed_share": 0.25,
        "offensive_caught": 0.5,
        "offensive_among_reviewed": 1.0,
    }


def test_the_tradeoff_on_training_data_matches_a_site_with_that_mix() -> None:
    rng = np.random.default_rng(5)
    labels, scores = scored_sample(rng, 40_000, 0.34)
    site_labels, site_scores = scored_sample(rng, 200_000, 0.10)
    weighted = tradeoff(labels, scores, prevalence=0.10)
    for row in weighted["published"]:
        published = site_scores < row["publish_below"]
        assert row["published_share"] == pytest.approx(published.mean(), abs=0.01)
        assert row["offensive_among_published"] == pytest.approx(site_labels[published].mean(), abs=0.005)
    for row in weighted["reviewed"]:
        reviewed = site_scores >= row["review_from"]
        assert row["reviewed_share"] == pytest.approx(reviewed.mean(), abs=0.01)
        assert row["offensive_caught"] == pytest.approx(
            site_labels[reviewed].sum() / site_labels.sum(), abs=0.01
        )
    # publishing more lets more offensive comments through; reviewing more catches more
    published = weighted["published"]
    for lower, higher in itertools.pairwise(published):
        assert lower["publish_below"] < higher["publish_below"]
        assert lower["published_share"] >= lower["share"]
        assert lower["offensive_among_published"] <= higher["offensive_among_published"]
    caught = [row["offensive_caught"] for row in weighted["reviewed"]]
    assert caught == sorted(caught) and caught[0] < caught[-1]


def test_the_tradeoff_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="both classes"):
        tradeoff([0, 0, 0], np.array([0.1, 0.2, 0.3]))


def test_leave_one_source_out_tests_each_source_on_a_model_trained_without_it() -> None:
    corpus = load_coldstart()
    sources = ["forum", "newspaper", "coldstart"]
    parts = [
        Dataset(
            name=name,
            texts=corpus.texts[number::3],
            labels=corpus.labels[number::3],
            fine=corpus.fine[number::3],
            origins=[name] * len(corpus.texts[number::3]),
        )
        for number, name in enumerate(sources)
    ]
    civil = Dataset(name="civil", texts=["Danke für den Artikel."] * 5, labels=[0] * 5, fine=["OTHER"] * 5)
    civil.origins = ["civil"] * 5
    dataset = parts[0].extend(parts[1]).extend(parts[2]).extend(civil)
    progress: list[tuple[int, int]] = []
    result = leave_one_source_out(dataset, progress=lambda done, total: progress.append((done, total)))
    # the cold-start corpus is not tested on, nor a source of one class
    assert list(result) == ["forum", "newspaper"]
    assert progress == [(1, 2), (2, 2)]
    for name in ("forum", "newspaper"):
        n = len(dataset.subset(name))
        assert result[name]["n"] == n
        assert result[name]["n_train"] == len(dataset) - n
        # the same kind of comments as in training: well ranked
        assert result[name]["roc_auc"] > 0.8
        assert 0.5 < result[name]["macro_f1"] <= 1
