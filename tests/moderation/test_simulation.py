import csv
import re
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from moderation.modelops.simulation import Simulation, _checkpoint, base_data, mean_simulation

# Words no base text has: the base model cannot tell the site's two kinds of comment
# apart, its moderators' decisions can.
SITE_WORDS = {0: "Tulpenwolkenheft", 1: "Quarkbrotfreund"}


def lines(output: str) -> dict[str, str]:
    return dict(re.findall(r"^([\w.\-]+): (.*)$", output, flags=re.MULTILINE))


@pytest.fixture
def site(settings, tmp_path: Path) -> Path:
    """60 comments, every third one offensive (its made-up word calls someone a
    name), and no public data: the cold-start corpus is the base."""
    settings.DATA_DIR = tmp_path
    settings.DATASETS_DIR = tmp_path / "no-public-data"
    path = tmp_path / "site.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for number in range(60):
            offensive = int(number % 3 == 0)
            writer.writerow([f"Kommentar {number} zum Thema: {SITE_WORDS[offensive]}", offensive])
    return path


def simulate(*args: str) -> str:
    out = StringIO()
    call_command("simulate_site", *args, stdout=out)
    return out.getvalue()


def test_simulation_prints_the_learning_curve_and_writes_a_report(site: Path, tmp_path: Path) -> None:
    # checkpoint 0, the base data alone, is added to the ones asked for
    output = simulate(
        "--format", "csv", str(site), "--checkpoints", "20,40", "--window", "20", "--decision-weight", "3"
    )
    assert re.search(r"simulate \[#+\.*\] \d+/\d+ .*checkpoint 20: fold 3/3 done", output)
    assert re.search(r"simulate \[#{24}\] (\d+)/\1 .*done", output)
    values = lines(output)
    assert values["simulate.base"] == "coldstart"
    assert values["simulate.decision_weight"] == "3"
    for decided in (0, 20, 40):
        assert values[f"simulate.after_{decided}.window"] == "20"
        assert 0 <= float(values[f"simulate.after_{decided}.automatic_share"]) <= 1
    # every model scores the same 20 comments after the last checkpoint: the base model
    # cannot rank them, 20 decisions teach the retrained one
    base = float(values["simulate.after_0.roc_auc"])
    assert base < 0.7
    assert float(values["simulate.after_20.roc_auc"]) == float(values["simulate.after_40.roc_auc"]) == 1
    assert float(values["simulate.gain.roc_auc"]) == pytest.approx(1 - base)
    page = Path(values["report"])
    assert page.parent.parent == tmp_path / "reports"
    assert page.parent.name.startswith("simulation-")
    assert (page.parent / "learning_curve.png").stat().st_size > 1000
    assert "<td>40</td>" in page.read_text(encoding="utf-8")


def test_shares_are_counted_at_the_mix_asked_for() -> None:
    """A window with 2 offensive comments in 8, counted for a site with 10 % offensive:
    each offensive comment weighs 0.4, each other one 1.2."""
    labels = np.array([1, 1, 0, 0, 0, 0, 0, 0])
    scores = np.array([0.9, 0.1, 0.05, 0.1, 0.2, 0.3, 0.4, 0.95])
    thresholds = {"publish_below": 0.15, "reject_above": 0.8}
    own = _checkpoint(0, labels, scores, thresholds)
    assert (own.published_share, own.rejected_share, own.automatic_share) == (0.375, 0.25, 0.625)
    assert (own.offensive_among_published, own.offensive_among_rejected) == (0.3333, 0.5)
    site = _checkpoint(0, labels, scores, thresholds, prevalence=0.1)
    assert (site.published_share, site.rejected_share, site.automatic_share) == (0.35, 0.2, 0.55)
    assert (site.offensive_among_published, site.offensive_among_rejected) == (0.1429, 0.25)
    assert site.roc_auc == own.roc_auc


def test_the_attainable_share_is_what_the_ranking_allows_under_the_rules() -> None:
    """300 civil comments scored below 0.3 and 100 offensive ones from 0.7: thresholds
    chosen on other comments (publish below 0.1, reject from 0.95) decide 104 + 17 of
    them; chosen on these scores, the rules publish every civil one and reject every
    offensive one."""
    labels = np.array([0] * 300 + [1] * 100)
    scores = np.concatenate([np.linspace(0.0, 0.29, 300), np.linspace(0.7, 1.0, 100)])
    point = _checkpoint(500, labels, scores, {"publish_below": 0.1, "reject_above": 0.95})
    assert (point.published_share, point.rejected_share) == (0.26, 0.0425)
    assert point.attainable_share == 1.0
    assert point.offensive_among_published == 0


def test_simulation_at_a_news_sites_mix(site: Path) -> None:
    output = simulate(
        "--format", "csv", str(site), "--checkpoints", "0,20,40", "--window", "20", "--prevalence", "0.1"
    )
    values = lines(output)
    assert values["simulate.prevalence"] == "0.1"
    # The decisions rank the site's comments perfectly: at 10 % offensive the thresholds
    # they recommend publish every civil comment of the window (90 % at that mix) and no
    # offensive one; its 14 offensive decisions are too few to reject from (20 needed).
    assert values["simulate.after_40.published_share"] == "0.9"
    assert values["simulate.after_40.offensive_among_published"] == "0"
    assert values["simulate.after_40.rejected_share"] == "0"
    with pytest.raises(CommandError, match=r"--prevalence 1\.5"):
        simulate("--format", "csv", str(site), "--prevalence", "1.5")


def test_the_mean_of_several_orders_is_taken_figure_by_figure() -> None:
    labels = np.array([0] * 30 + [1] * 10)
    first = np.concatenate([np.linspace(0.0, 0.5, 30), np.linspace(0.4, 1.0, 10)])
    runs = [
        Simulation(
            site="site",
            base="base",
            decision_weight=10,
            order=f"seed {seed}",
            checkpoints=[
                _checkpoint(decided, labels, scores, {"publish_below": 0.2, "reject_above": reject})
                for decided in (0, 20)
            ],
        )
        for seed, scores, reject in ((1, first, 0.9), (2, first[::-1], 1.01))
    ]
    mean = mean_simulation(runs)
    assert mean.order == "mean of seed 1, seed 2"
    assert [point.decisions for point in mean.checkpoints] == [0, 20]
    one, two = runs[0].checkpoints[1], runs[1].checkpoints[1]
    assert one.roc_auc != two.roc_auc
    assert mean.checkpoints[1].roc_auc == pytest.approx((one.roc_auc + two.roc_auc) / 2, abs=1e-4)
    # an order that rejects nothing has no precision of rejected: the mean leaves it out
    assert one.offensive_among_rejected is not None and two.offensive_among_rejected is None
    assert mean.checkpoints[1].offensive_among_rejected == one.offensive_among_rejected
    assert mean.gain("roc_auc") == 0


def test_several_orders_are_averaged(site: Path) -> None:
    output = simulate("--format", "csv", str(site), "--checkpoints", "20", "--window", "20", "--seed", "1,2")
    values = lines(output)
    assert values["simulate.order"] == "mean of seed 1, seed 2"
    for decided in (0, 20):
        for name in ("roc_auc", "automatic_share", "attainable_share"):
            each = [float(values[f"simulate.seed_{seed}.after_{decided}.{name}"]) for seed in (1, 2)]
            assert float(values[f"simulate.after_{decided}.{name}"]) == pytest.approx(np.mean(each), abs=1e-4)
    assert values["simulate.seed_1.after_20.roc_auc"] == values["simulate.seed_2.after_20.roc_auc"] == "1"
    page = Path(values["report"]).read_text(encoding="utf-8")
    assert "mean of seed 1, seed 2" in page and "<td>seed 2</td>" in page
    with pytest.raises(CommandError, match="--seed '1,zwei'"):
        simulate("--format", "csv", str(site), "--seed", "1,zwei")


def test_simulation_refuses_what_the_site_cannot_serve(site: Path) -> None:
    with pytest.raises(
        CommandError, match="checkpoint 50 and a window of 20 need 70 comments; the site has 60"
    ):
        simulate("--format", "csv", str(site), "--checkpoints", "0,50", "--window", "20")
    with pytest.raises(CommandError, match="unknown site format 'tweets'"):
        simulate("--format", "tweets", str(site))
    with pytest.raises(CommandError, match="--checkpoints '0,zwanzig'"):
        simulate("--format", "csv", str(site), "--checkpoints", "0,zwanzig")
    with pytest.raises(CommandError, match=r"the site's comments: .*missing\.csv"):
        simulate("--format", "csv", str(site.parent / "missing.csv"))


def test_the_base_leaves_out_the_site_and_english(settings, tmp_path: Path) -> None:
    settings.DATASETS_DIR = tmp_path
    (tmp_path / "germeval2021").mkdir()
    site = tmp_path / "germeval2021" / "GermEval21_TrainData.csv"
    site.write_text("comment_id,comment_text,Sub1_Toxic\n1,Du Idiot,1\n2,Gute Idee,0\n", encoding="utf-8")
    (tmp_path / "davidson2017").mkdir()
    (tmp_path / "davidson2017" / "labeled_data.train.csv").write_text(
        "class,tweet\n1,you idiot\n2,nice day\n", encoding="utf-8"
    )
    assert base_data([site]).parts() == ["coldstart"]
    assert base_data([site], with_english=True).parts() == ["davidson2017", "coldstart"]
    assert base_data([tmp_path / "elsewhere.csv"]).parts() == ["germeval2021", "coldstart"]
