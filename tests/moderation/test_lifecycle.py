import re
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from discussion.models import Comment
from moderation.classifier.persist import sha256_of
from moderation.modelops.lifecycle import model_retrain, promotion_decision, retraining_data
from moderation.modelops.registry import (
    active_model,
    active_model_row,
    model_activate,
    model_load_error,
    model_train,
)
from moderation.models import AuditEntry, ModelVersion, SettingsAuditEntry
from moderation.policy.thresholds import thresholds_for
from moderation.services import comment_moderate
from moderation.statistics.whatif import whatif_replay
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

GERMEVAL_SAMPLE = "\n".join(
    [
        "@a Danke für die Info, gute Reise!\tOTHER\tOTHER",
        "Schönes Wetter heute in Berlin.\tOTHER\tOTHER",
        "Die Regierung sollte mehr in Schulen investieren.\tOTHER\tOTHER",
        "Wir sehen uns morgen beim Training.\tOTHER\tOTHER",
        "Du bist ein dummer Idiot.\tOFFENSE\tINSULT",
        "Halt die Fresse, du Vollpfosten!\tOFFENSE\tINSULT",
        "Dieses Pack gehört abgeschoben, Volksverräter alle.\tOFFENSE\tABUSE",
        "Scheiße, was für ein Mist.\tOFFENSE\tPROFANITY",
    ]
)


def lines(output: str) -> dict[str, str]:
    return dict(re.findall(r"^([\w.\-]+): (.*)$", output, flags=re.MULTILINE))


@pytest.fixture
def models_dir(settings, tmp_path: Path) -> Path:
    settings.MODELS_DIR = tmp_path / "models"
    settings.DATA_DIR = tmp_path
    return settings.MODELS_DIR


def test_train_model_prints_progress_and_metrics(models_dir: Path, client) -> None:
    out = StringIO()
    call_command("train_model", "--format", "coldstart", "--folds", "2", "--activate", stdout=out)
    output = out.getvalue()
    assert "cross-validation: fold 2/2 done" in output
    assert re.search(r"training \[#+\.*\] \d/5", output)
    values = lines(output)
    for name in ("n", "macro_f1", "germeval_f1", "roc_auc", "brier", "threshold.publish_below"):
        assert name in values, name
    assert values["n"] == "726"
    row = ModelVersion.objects.get(is_active=True)
    assert (models_dir / row.file_name).is_file()
    assert row.metrics["thresholds"]["dataset"] == "coldstart"
    assert row.training_data[0]["n"] == 726
    # the automatic share for sites with fewer offensive comments than the data
    sites = {site["prevalence"]: site for site in row.metrics["automatic_by_prevalence"]}
    assert list(sites) == [percent / 100 for percent in range(1, 51)]
    assert float(values["site_offensive_0.10.automatic_share"]) == sites[0.10]["automatic_share"]
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    changelist = client.get("/admin/moderation/modelversion/").content.decode()
    assert f"{sites[0.10]['automatic_share'] * 100:.0f} %, wo 10 % anstößig sind" in changelist


def test_train_model_recommends_for_a_news_site_and_prints_the_tradeoff(models_dir: Path, client) -> None:
    out = StringIO()
    call_command("train_model", "--format", "coldstart", "--folds", "2", stdout=out)
    output = out.getvalue()
    row = ModelVersion.objects.get()
    recommended, result = row.metrics["thresholds"], row.metrics["tradeoff"]
    # the default thresholds are those for a site where 10 % are offensive, as the
    # site-mix table has them
    assert recommended["prevalence"] == result["prevalence"] == 0.10
    sites = {site["prevalence"]: site for site in row.metrics["automatic_by_prevalence"]}
    assert {**recommended, "dataset": None} == {**sites[0.10], "dataset": None}
    values = lines(output)
    assert float(values["threshold.publish_below"]) == recommended["publish_below"]
    top_10 = result["reviewed"][0]
    assert float(values["tradeoff.reviewed_top_10.offensive_caught"]) == top_10["offensive_caught"]
    assert float(values["tradeoff.published_50.publish_below"]) == result["published"][4]["publish_below"]
    assert "trade-off where 10 % of the comments are offensive:" in output
    assert re.search(r"published without a human +publish below +offensive among published", output)

    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    changelist = client.get("/admin/moderation/modelversion/").content.decode()
    assert f"{top_10['offensive_caught'] * 100:.0f} % der anstößigen" in changelist
    assert f"{recommended['automatic_share'] * 100:.0f} %, wo 10 % anstößig sind (Vorgabe)" in changelist
    page = client.get(f"/admin/moderation/modelversion/{row.pk}/change/").content.decode()
    assert "Wo 10 % der Kommentare anstößig sind (coldstart, out of fold)" in page
    assert "<th>anstößige erfasst</th>" in page
    assert f"<td>{result['published'][4]['publish_below']:.4f}</td>" in page


def test_train_model_combines_formats(models_dir: Path, tmp_path: Path) -> None:
    sample = tmp_path / "sample.txt"
    sample.write_text(GERMEVAL_SAMPLE + "\n", encoding="utf-8")
    out = StringIO()
    call_command(
        "train_model", "--format", "germeval", str(sample), "--with-coldstart", "--folds", "0", stdout=out
    )
    row = ModelVersion.objects.get()
    assert [part["name"] for part in row.training_data] == ["sample.txt", "coldstart"]
    assert not row.is_active


def test_primary_data_of_one_class_gives_thresholds_but_no_site_mix(models_dir: Path, tmp_path: Path) -> None:
    approved = tmp_path / "approved.csv"
    approved.write_text(
        "text,label\n" + "".join(f"Danke für Teil {i},0\n" for i in range(30)), encoding="utf-8"
    )
    out = StringIO()
    call_command(
        "train_model", "--format", "csv", str(approved), "--with-coldstart", "--folds", "2", stdout=out
    )
    metrics = ModelVersion.objects.get().metrics
    assert metrics["thresholds"]["dataset"] == "approved.csv"
    assert "automatic_by_prevalence" not in metrics and "site_mix" not in metrics
    assert "site_offensive_" not in out.getvalue()


def test_train_model_refuses_data_it_cannot_learn_from(models_dir: Path, tmp_path: Path) -> None:
    one_class = tmp_path / "one.csv"
    one_class.write_text("text,label\ngut,0\nschön,0\n", encoding="utf-8")
    with pytest.raises(CommandError, match="one class only"):
        call_command("train_model", "--format", "csv", str(one_class))
    few = tmp_path / "few.csv"
    few.write_text(
        "text,label\n" + "".join(f"gut {i},0\n" for i in range(20)) + "Idiot,1\nDepp,1\n", encoding="utf-8"
    )
    with pytest.raises(CommandError, match="2 texts of its smaller class, fewer than 5 folds"):
        call_command("train_model", "--format", "csv", str(few))


def test_admin_actions_activate_and_request_retraining(models_dir: Path, client, monkeypatch) -> None:
    from moderation.classifier.data import load_coldstart

    first = model_train(dataset=load_coldstart(), folds=0, activated_by=SettingsAuditEntry.Source.COMMAND)
    second = model_train(dataset=load_coldstart(), folds=0)
    client.force_login(UserFactory(username="admina", is_staff=True, is_superuser=True))
    url = "/admin/moderation/modelversion/"
    client.post(url, {"action": "activate", "_selected_action": [second.pk]})
    assert ModelVersion.objects.get(is_active=True) == second
    requested = []
    monkeypatch.setattr("moderation.admin.model_versions.retrain_model.delay", lambda: requested.append(True))
    client.post(url, {"action": "retrain_from_decisions", "_selected_action": [first.pk]})
    assert requested == [True]


def test_train_model_with_activate_audits_the_activation(models_dir: Path) -> None:
    call_command("train_model", "--format", "coldstart", "--folds", "0", "--activate", stdout=StringIO())

    active = ModelVersion.objects.get(is_active=True)
    entries = SettingsAuditEntry.objects.values_list("subject", "source", "user", "changes")
    assert list(entries) == [
        ("active_model", "command", None, {"active_model": {"before": None, "after": active.version}})
    ]


def test_activating_in_the_admin_audits_who_replaced_which_model(models_dir: Path, client) -> None:
    from moderation.classifier.data import load_coldstart

    first = model_train(dataset=load_coldstart(), folds=0, activated_by=SettingsAuditEntry.Source.COMMAND)
    second = model_train(dataset=load_coldstart(), folds=0)
    client.force_login(UserFactory(username="admina", is_staff=True, is_superuser=True))

    client.post("/admin/moderation/modelversion/", {"action": "activate", "_selected_action": [second.pk]})

    entries = SettingsAuditEntry.objects.filter(source="admin").values_list("user__username", "changes")
    assert list(entries) == [("admina", {"active_model": {"before": first.version, "after": second.version}})]


def test_when_the_audit_entry_cannot_be_written_the_activation_is_undone(models_dir: Path) -> None:
    from moderation.classifier.data import load_coldstart

    first = model_train(dataset=load_coldstart(), folds=0, activated_by=SettingsAuditEntry.Source.COMMAND)
    second = model_train(dataset=load_coldstart(), folds=0)
    with (
        mock.patch.object(SettingsAuditEntry.objects, "create", side_effect=RuntimeError("audit down")),
        pytest.raises(RuntimeError),
    ):
        model_activate(version=second.version, source=SettingsAuditEntry.Source.ADMIN)

    assert ModelVersion.objects.get(is_active=True) == first


def test_train_model_takes_model_parameters(models_dir: Path) -> None:
    call_command(
        "train_model", "--format", "coldstart", "--folds", "0", "--param", "lexicon=false", stdout=StringIO()
    )
    row = ModelVersion.objects.get()
    assert row.params["lexicon"] is False
    with pytest.raises(CommandError, match="NAME one of C, language_C, fine_C"):
        call_command("train_model", "--param", "colour=blue")


def test_train_model_refuses_bad_input_clearly(models_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="unknown format 'tsv'"):
        call_command("train_model", "--format", "tsv", "x.tsv")
    broken = tmp_path / "broken.txt"
    broken.write_text("nur eine Spalte\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"broken.txt:1: expected 3 tab-separated columns"):
        call_command("train_model", "--format", "germeval", str(broken))


def test_bootstrap_without_public_data_trains_on_the_cold_start_corpus(
    models_dir, settings, tmp_path
) -> None:
    settings.DATASETS_DIR = tmp_path / "nothing-here"
    out = StringIO()
    call_command("train_model", "--if-none-active", "--activate", "--folds", "0", stdout=out)
    assert "training on the cold-start corpus" in out.getvalue()
    out = StringIO()
    call_command("train_model", "--if-none-active", "--activate", stdout=out)
    assert "is active; nothing to train" in out.getvalue()


def test_bootstrap_replaces_an_active_model_that_cannot_be_loaded(models_dir, settings, tmp_path) -> None:
    settings.DATASETS_DIR = tmp_path / "nothing-here"
    models_dir.mkdir(parents=True)
    (models_dir / "old.skops").write_bytes(b"a file of an older format")
    old = ModelVersion.objects.create(
        version="old", file_name="old.skops", sha256=sha256_of(models_dir / "old.skops"), is_active=True
    )
    out = StringIO()
    call_command("train_model", "--if-none-active", "--activate", "--folds", "0", stdout=out)
    assert "is active but cannot be loaded" in out.getvalue()
    assert ModelVersion.objects.get(is_active=True) != old


def test_the_active_model_loads(active_model) -> None:
    assert model_load_error(active_row()) is None


def test_a_model_whose_file_was_altered_cannot_be_loaded(active_model) -> None:
    ModelVersion.objects.filter(pk=active_model.pk).update(sha256="0" * 64)
    assert "the registry expects 0000" in str(model_load_error(active_row()))


def active_row() -> ModelVersion:
    row = active_model_row()
    assert row is not None
    return row


def test_evaluate_model_prints_measures_and_writes_a_report(active_model, settings, tmp_path, client) -> None:
    settings.DATA_DIR = tmp_path
    sample = tmp_path / "sample.txt"
    sample.write_text(GERMEVAL_SAMPLE + "\n", encoding="utf-8")
    out = StringIO()
    call_command("evaluate_model", "--format", "germeval", str(sample), stdout=out)
    values = lines(out.getvalue())
    for name in ("n", "macro_f1", "germeval_f1", "roc_auc", "fine_macro_f1", "fine_germeval_f1"):
        assert name in values, name
    assert values["n"] == "8"
    assert float(values["roc_auc"]) > 0.9
    folder = Path(values["report"]).parent
    assert folder.parent == tmp_path / "reports"
    charts = (
        "precision_recall.png",
        "roc.png",
        "score_histogram.png",
        "confusion_matrix.png",
        "automatic_by_site_mix.png",
    )
    for name in charts:
        assert (folder / name).read_bytes().startswith(b"\x89PNG"), name
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "confusion_matrix.png" in page

    url = f"/admin/moderation/reports/{folder.name}/"
    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    assert b"confusion_matrix.png" in b"".join(client.get(url).streaming_content)
    assert client.get(f"/admin/moderation/reports/{folder.name}/roc.png")["Content-Type"] == "image/png"
    assert client.get(f"/admin/moderation/reports/{folder.name}/..%2Fdb.sqlite3").status_code == 404
    changelist = client.get("/admin/moderation/modelversion/")
    assert folder.name in changelist.content.decode()


def news_comments_csv(path: Path) -> Path:
    """A small development source: 60 cold-start comments, half of them offensive."""
    from moderation.classifier.data import load_coldstart

    corpus = load_coldstart()
    offensive = [text for text, label in zip(corpus.texts, corpus.labels, strict=True) if label][:30]
    acceptable = [text for text, label in zip(corpus.texts, corpus.labels, strict=True) if not label][:30]
    rows = [(text, 1) for text in offensive] + [(text, 0) for text in acceptable]
    path.write_text(
        "comment_text,Sub1_Toxic\n"
        + "".join('"{}",{}\n'.format(text.replace('"', '""'), label) for text, label in rows),
        encoding="utf-8",
    )
    return path


def test_evaluate_model_cross_domain_prints_loso_and_the_development_tradeoff(
    settings, tmp_path, client
) -> None:
    settings.DATA_DIR = tmp_path
    news = news_comments_csv(tmp_path / "news.csv")
    sample = tmp_path / "tweets.txt"
    sample.write_text(GERMEVAL_SAMPLE + "\n", encoding="utf-8")
    out = StringIO()
    call_command(
        "evaluate_model",
        "--cross-domain",
        "--format",
        "csv",
        str(news),
        "--text-column",
        "comment_text",
        "--label-column",
        "Sub1_Toxic",
        "--format",
        "germeval",
        str(sample),
        "--format",
        "coldstart",
        "--development",
        "news.csv",
        "--folds",
        "2",
        stdout=out,
    )
    values = lines(out.getvalue())
    # each source but the cold-start corpus left out in turn
    assert {name for name in values if name.startswith("loso.")} >= {
        "loso.news.csv.roc_auc",
        "loso.tweets.txt.roc_auc",
    }
    assert not any(name.startswith("loso.coldstart.") for name in values)
    assert values["loso.news.csv.n"] == "60"
    assert values["loso.tweets.txt.n_train"] == str(60 + 726)
    assert values["development.n"] == "60"
    assert 0.5 < float(values["development.roc_auc"]) <= 1
    assert "development.threshold.publish_below" in values
    assert "tradeoff.reviewed_top_30.offensive_caught" in values
    folder = Path(values["report"]).parent
    assert folder.parent == tmp_path / "reports" and folder.name.startswith("cross-domain--")
    for name in ("leave_one_source_out.png", "tradeoff.png"):
        assert (folder / name).read_bytes().startswith(b"\x89PNG"), name
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "<th>news.csv</th>" in page and "offensive caught" in page
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    assert client.get(f"/admin/moderation/reports/{folder.name}/tradeoff.png")["Content-Type"] == "image/png"


def test_evaluate_model_cross_domain_refuses_data_it_cannot_evaluate(settings, tmp_path) -> None:
    settings.DATASETS_DIR = tmp_path / "nothing-here"
    # the default data here is the cold-start corpus alone, without news comments
    with pytest.raises(CommandError, match="no source 'germeval2021' in the data; its sources are coldstart"):
        call_command("evaluate_model", "--cross-domain", stdout=StringIO())
    approved = tmp_path / "approved.csv"
    approved.write_text(
        "text,label\n" + "".join(f"Danke für Teil {i},0\n" for i in range(30)), encoding="utf-8"
    )
    with pytest.raises(CommandError, match=r"'approved\.csv' has texts of one class only"):
        call_command(
            "evaluate_model",
            "--cross-domain",
            "--format",
            "csv",
            str(approved),
            "--format",
            "coldstart",
            "--development",
            "approved.csv",
            stdout=StringIO(),
        )
    with pytest.raises(CommandError, match="--param 'speed=3'"):
        call_command("evaluate_model", "--cross-domain", "--param", "speed=3", stdout=StringIO())


def test_evaluate_model_on_davidson_data_has_three_fine_classes(active_model, settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    path = tmp_path / "labeled.csv"
    path.write_text(
        ",count,hate_speech,offensive_language,neither,class,tweet\n"
        "1,3,0,3,0,1,you stupid bitch\n2,3,3,0,0,0,those vermin should be deported\n"
        "3,3,0,0,3,2,lovely weather today\n4,3,0,0,3,2,thanks for the article\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("evaluate_model", "--format", "davidson2017", str(path), stdout=out)
    values = lines(out.getvalue())
    assert values["n"] == "4"
    assert "fine_macro_f1" in values


def test_the_active_model_is_reloaded_when_another_is_activated(models_dir: Path) -> None:
    from moderation.classifier.data import load_coldstart

    data = load_coldstart()
    first = model_train(dataset=data, folds=0, activated_by=SettingsAuditEntry.Source.COMMAND)
    assert active_model().row.version == first.version
    loaded_first = active_model()
    assert active_model() is loaded_first  # cached between comments
    second = model_train(dataset=data, params={"C": 1.0}, folds=0)
    model_activate(version=second.version, source=SettingsAuditEntry.Source.ADMIN)
    reloaded = active_model()
    assert reloaded.row.version == second.version
    assert reloaded is not loaded_first


def test_comment_moderate_stores_fine_scores_and_the_recommended_thresholds_apply(
    active_model, article, reader, settings
) -> None:
    from discussion.services import comment_create

    settings.MODERATION_THRESHOLDS_FROM_ENV = {
        "MODERATION_PUBLISH_BELOW": False,
        "MODERATION_REJECT_ABOVE": False,
    }
    ModelVersion.objects.filter(pk=active_model.pk).update(
        metrics={"thresholds": {"publish_below": 0.01, "reject_above": 0.999}}
    )
    comment = comment_create(article=article, author=reader, body="Danke, ein guter Artikel.")
    entry = comment_moderate(comment_id=comment.pk)
    assert entry is not None
    assert set(entry.details["fine_scores"]) == {"ABUSE", "INSULT", "PROFANITY"}
    assert entry.to_status == "held"  # 0.01 publishes almost nothing
    assert "0.01" in entry.reason


def test_thresholds_set_in_the_environment_win(settings) -> None:
    row = ModelVersion(metrics={"thresholds": {"publish_below": 0.1, "reject_above": 0.95}})
    settings.MODERATION_PUBLISH_BELOW, settings.MODERATION_REJECT_ABOVE = 0.3, 0.9
    settings.MODERATION_THRESHOLDS_FROM_ENV = {
        "MODERATION_PUBLISH_BELOW": True,
        "MODERATION_REJECT_ABOVE": False,
    }
    thresholds = thresholds_for(row)
    assert (thresholds.publish_below, thresholds.reject_above) == (0.3, 0.95)
    assert thresholds_for(None).reject_above == 0.9


def test_promotion_decision() -> None:
    champion = {"macro_f1": 0.8, "roc_auc": 0.9}
    assert promotion_decision(champion, {"macro_f1": 0.8, "roc_auc": 0.9})[0]
    assert promotion_decision(champion, {"macro_f1": 0.85, "roc_auc": 0.91})[0]
    promote, reason = promotion_decision(champion, {"macro_f1": 0.79, "roc_auc": 0.95})
    assert not promote and "macro_f1" in reason
    assert not promotion_decision(champion, {"macro_f1": 0.9, "roc_auc": 0.89})[0]
    # held-out texts of one class have no ROC-AUC: macro-F1 alone decides
    promote, reason = promotion_decision(champion, {"macro_f1": 0.8, "roc_auc": None})
    assert promote and "roc_auc – ≥ 0.9000" in reason


def _moderated_comments(count: int) -> None:
    from moderation.classifier.data import load_coldstart

    data = load_coldstart()
    for text, label in list(zip(data.texts, data.labels, strict=True))[:count]:
        comment = CommentFactory(body=text, status="published" if label == 0 else "rejected")
        AuditEntry.objects.create(
            comment=comment,
            comment_revision=1,
            actor="moderator",
            from_status="held",
            to_status=comment.status,
            reason="insult" if label else "",
        )


def test_a_worse_challenger_is_not_promoted(active_model) -> None:
    from moderation.classifier.data import load_coldstart

    _moderated_comments(120)
    # Regularised into near-constant scores: worse than the champion by construction.
    challenger = model_retrain(
        source=SettingsAuditEntry.Source.TASK,
        base=load_coldstart(),
        min_decisions=50,
        folds=2,
        params={"C": 1e-6, "language_C": {}, "fine_C": 1e-6},
    )
    assert challenger is not None
    promotion = challenger.metrics["promotion"]
    assert promotion["promoted"] is False
    assert promotion["champion"] == active_model.version
    assert promotion["held_out_decisions"] == 30
    assert "challenger" in promotion["reason"]
    assert ModelVersion.objects.get(is_active=True) == active_model


def test_a_challenger_that_is_not_worse_is_promoted(active_model) -> None:
    from moderation.classifier.data import load_coldstart

    _moderated_comments(120)
    challenger = model_retrain(
        source=SettingsAuditEntry.Source.TASK, base=load_coldstart(), min_decisions=50, folds=2
    )
    assert challenger is not None
    promotion = challenger.metrics["promotion"]
    assert (
        promotion["promoted"]
        is promotion_decision(promotion["champion_metrics"], promotion["challenger_metrics"])[0]
    )
    assert ModelVersion.objects.get(is_active=True).version == (
        challenger.version if promotion["promoted"] else active_model.version
    )


def test_a_promotion_by_the_retraining_task_is_audited(models_dir: Path, settings) -> None:
    from moderation.tasks import retrain_model

    settings.DATASETS_DIR = models_dir / "no-public-data"  # the cold-start corpus is the base
    settings.MODEL_RETRAIN_MIN_DECISIONS = 50
    _moderated_comments(120)

    version = retrain_model()  # the task, run in this process; without a champion it promotes

    entry = SettingsAuditEntry.objects.get()
    assert (entry.source, entry.changes, entry.reason) == (
        "task",
        {"active_model": {"before": None, "after": version}},
        "retrained and promoted: no active model",
    )


def test_retraining_weighs_the_decisions_above_the_base(settings) -> None:
    from moderation.classifier.data import load_coldstart

    settings.MODEL_RETRAIN_DECISION_WEIGHT = 7.0
    base = load_coldstart()
    decisions = base.rows(range(5), name="decisions")

    data = retraining_data(base, decisions)

    assert data.parts() == ["coldstart", "decisions"]
    assert data.subset("decisions").weights == [7.0] * 5
    assert set(data.subset("coldstart").weights) == {1.0}
    assert retraining_data(base, decisions, 2.0).subset("decisions").weights == [2.0] * 5


def test_a_challenger_trains_on_the_weighted_decisions(active_model, settings) -> None:
    from moderation.classifier.data import load_coldstart

    settings.MODEL_RETRAIN_DECISION_WEIGHT = 4.0
    _moderated_comments(120)
    challenger = model_retrain(
        source=SettingsAuditEntry.Source.TASK, base=load_coldstart(), min_decisions=50, folds=0
    )
    assert challenger is not None
    coldstart, decisions = challenger.training_data
    assert (coldstart["name"], coldstart["weight"]) == ("coldstart", 1.0)
    # three quarters of the decisions train; a quarter is held out to compare the models
    assert (decisions["name"], decisions["n"], decisions["weight"]) == ("decisions", 90, 4.0)


def test_retraining_waits_for_enough_decisions(active_model) -> None:
    from moderation.tasks import retrain_model

    _moderated_comments(10)
    assert model_retrain(source=SettingsAuditEntry.Source.TASK, min_decisions=50) is None
    assert retrain_model() is None  # the task, run in this process
    assert ModelVersion.objects.count() == 1


def test_the_retraining_task_is_scheduled(settings) -> None:
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["retrain-model-from-decisions"]
    assert entry["task"] == "moderation.retrain_model"
    app.loader.import_default_modules()
    assert "moderation.retrain_model" in app.tasks
    assert settings.CELERY_TASK_ROUTES["moderation.retrain_model"] == {"queue": "training"}


def _decided(score: float, moderator_rejected: bool = False) -> Comment:
    comment = CommentFactory(score=score)
    AuditEntry.objects.create(
        comment=comment,
        comment_revision=1,
        actor="model",
        from_status="pending",
        to_status="held",
        score=score,
    )
    if moderator_rejected:
        AuditEntry.objects.create(
            comment=comment, comment_revision=1, actor="moderator", from_status="held", to_status="rejected"
        )
    return comment


def test_whatif_replays_stored_scores() -> None:
    for score in (0.05, 0.1, 0.5, 0.95):
        _decided(score)
    _decided(0.15, moderator_rejected=True)
    _decided(0.6, moderator_rejected=True)
    result = whatif_replay(publish_below=0.2, reject_above=0.9)
    assert result == {
        "comments": 6,
        "published": 3,
        "held": 2,
        "rejected": 1,
        "rejected_by_moderators": 2,
        "moderator_rejections_slipping_through": 1,
    }
    out = StringIO()
    call_command("whatif", "--publish-below", "0.55", "--reject-above", "0.9", stdout=out)
    values = lines(out.getvalue())
    assert values["published"] == "4"
    assert values["moderator_rejections_slipping_through"] == "1"
    with pytest.raises(CommandError):
        call_command("whatif", "--publish-below", "0.9", "--reject-above", "0.5")


def test_moderators_see_the_explanation_in_the_audit_log(active_model, article, reader, client) -> None:
    from discussion.services import comment_create

    body = "Du bist ein dummer Idiot, halt die Fresse."
    comment = comment_create(article=article, author=reader, body=body)
    comment_moderate(comment_id=comment.pk)
    client.force_login(UserFactory(username="chef", is_staff=True, is_superuser=True))
    page = client.get("/admin/moderation/auditentry/").content.decode()
    assert "idiot (+" in page
    assert "INSULT" in page
