from pathlib import Path

import pytest

from moderation.classifier.data import (
    DataFormatError,
    combine,
    load_coldstart,
    load_csv,
    load_davidson2017,
    load_gahd,
    load_germeval,
    load_germeval2021,
    load_hasoc,
)
from moderation.modelops.training_data import (
    best_available_data,
    decisions_dataset,
    load_source,
    public_sources,
)
from moderation.models import AuditEntry
from tests.factories import CommentFactory

DAVIDSON_HEADER = ",count,hate_speech,offensive_language,neither,class,tweet\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_default_columns(tmp_path: Path) -> None:
    data = load_csv(write(tmp_path / "d.csv", 'text,label\n"Hallo, Welt",0\nDu Idiot,1\n'))
    assert data.texts == ["Hallo, Welt", "Du Idiot"]
    assert data.labels == [0, 1]
    assert data.origins == ["d.csv", "d.csv"]


def test_csv_with_named_columns_and_label_values(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "id,comment,verdict\n1,gut,ok\n2,schlecht,toxic\n3,mies,insult\n")
    data = load_csv(path, text_column="comment", label_column="verdict", offensive=["toxic", "insult"])
    assert data.labels == [0, 1, 1]


def test_csv_refuses_unknown_labels_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "text,label\ngut,0\nschlecht,2\n")
    with pytest.raises(DataFormatError, match=r"d.csv:3: label '2' is none of 0, 1"):
        load_csv(path)


def test_csv_refuses_missing_columns_and_short_rows(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"d.csv:1: missing column\(s\) label"):
        load_csv(write(tmp_path / "d.csv", "text,verdict\ngut,0\n"))
    with pytest.raises(DataFormatError, match=r"e.csv:3: wrong number of fields"):
        load_csv(write(tmp_path / "e.csv", "text,label\ngut,0\nkaputt\n"))
    with pytest.raises(DataFormatError, match=r"f.csv:2: empty text"):
        load_csv(write(tmp_path / "f.csv", "text,label\n  ,0\n"))


def test_davidson_format(tmp_path: Path) -> None:
    path = write(
        tmp_path / "labeled.csv",
        DAVIDSON_HEADER
        + '1,3,0,3,0,1,"RT @x: you &amp; your ""friends"", trash"\n'
        + "2,3,3,0,0,0,hateful words\n"
        + "3,3,0,0,3,2,nice weather\n",
    )
    data = load_davidson2017(path)
    assert data.texts[0] == 'RT @x: you & your "friends", trash'
    assert data.labels == [1, 1, 0]
    assert data.fine == ["offensive", "hate", "neither"]


def test_davidson_refuses_a_bad_class_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "labeled.csv", DAVIDSON_HEADER + "1,3,0,3,0,1,fine\n2,3,0,3,0,7,bad\n")
    with pytest.raises(DataFormatError, match=r"labeled.csv:3: class must be 0, 1 or 2, not '7'"):
        load_davidson2017(path)


def test_a_quoted_line_break_keeps_line_numbers_right(tmp_path: Path) -> None:
    path = write(tmp_path / "labeled.csv", DAVIDSON_HEADER + '1,3,0,3,0,1,"two\nlines"\n2,3,0,3,0,9,bad\n')
    with pytest.raises(DataFormatError, match=r"labeled.csv:4:"):
        load_davidson2017(path)


def test_germeval_and_combined_datasets_keep_their_origins(tmp_path: Path) -> None:
    germeval = load_germeval(write(tmp_path / "g.txt", "@a Hallo\tOTHER\tOTHER\nDu Depp\tOFFENSE\tINSULT\n"))
    combined = combine([germeval, load_coldstart()])
    assert combined.parts() == ["g.txt", "coldstart"]
    assert combined.subset("g.txt").texts == germeval.texts
    assert combined.subset("g.txt").summary() == {
        "name": "g.txt",
        "n": 2,
        "offensive": 1,
        "fine": {"INSULT": 1, "OTHER": 1},
    }


def test_load_source_explains_misuse() -> None:
    with pytest.raises(DataFormatError, match="needs at least one data file"):
        load_source("germeval", [])
    with pytest.raises(DataFormatError, match="takes no paths"):
        load_source("coldstart", [Path("x")])


def _decide(
    comment, to_status: str, reason: str = "", actor: str = "moderator", from_status: str = "held"
) -> None:
    AuditEntry.objects.create(
        comment=comment,
        comment_revision=1,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )


@pytest.mark.django_db
def test_moderator_decisions_become_labels() -> None:
    approved = CommentFactory(body="Ein guter Punkt.")
    insult = CommentFactory(body="Du Idiot.")
    spam = CommentFactory(body="Billige Uhren hier!")
    changed_mind = CommentFactory(body="Grenzfall")
    by_model = CommentFactory(body="Vom Modell entschieden")
    _decide(approved, "published")
    _decide(insult, "rejected", "insult")
    _decide(spam, "rejected", "spam")
    _decide(changed_mind, "rejected", "hate")
    _decide(changed_mind, "published")
    _decide(by_model, "rejected", "score 0.99", actor="model")
    data = decisions_dataset()
    assert dict(zip(data.texts, data.labels, strict=True)) == {
        "Ein guter Punkt.": 0,
        "Du Idiot.": 1,
        "Grenzfall": 0,
    }
    assert data.origins == ["decisions"] * 3


@pytest.mark.django_db
def test_notes_and_refused_decisions_are_no_labels() -> None:
    rejected = CommentFactory(body="Abgelehnt bleibt abgelehnt")
    _decide(rejected, "rejected", "hate")
    _decide(rejected, "rejected", "approve refused", from_status="rejected")
    published = CommentFactory(body="Nur eine Notiz dazu")
    _decide(published, "published", "note", from_status="published")
    data = decisions_dataset()
    assert dict(zip(data.texts, data.labels, strict=True)) == {"Abgelehnt bleibt abgelehnt": 1}


@pytest.mark.django_db
def test_decisions_on_an_earlier_text_are_left_out() -> None:
    comment = CommentFactory(body="Jetzt harmlos", revision=2)
    _decide(comment, "rejected", "insult")  # on revision 1
    assert len(decisions_dataset()) == 0


@pytest.mark.django_db
def test_a_later_spam_decision_removes_the_label() -> None:
    comment = CommentFactory(body="Erst beleidigend, dann als Spam erkannt")
    _decide(comment, "rejected", "off_topic")
    _decide(comment, "rejected", "threat")
    _decide(comment, "rejected", "spam")
    assert len(decisions_dataset()) == 0


SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="the shared datasets are not on this machine")


def test_germeval2019_emoji_codes_and_escaped_quotes_are_decoded(tmp_path: Path) -> None:
    path = write(
        tmp_path / "g19.txt",
        'Toll <U+0001F602> \\""Experten\\""\tOTHER\tOTHER\nDu \\"Held\\" <U+1F44D>\tOFFENSE\tINSULT\n',
    )
    assert load_germeval(path).texts == ['Toll 😂 "Experten"', 'Du "Held" 👍']


def test_germeval2021_hasoc_and_gahd_formats(tmp_path: Path) -> None:
    g21 = load_germeval2021(
        write(
            tmp_path / "g21.csv",
            "comment_id,comment_text,Sub1_Toxic,Sub2_Engaging,Sub3_FactClaiming\n"
            '1,"Gute Sendung, danke",0,1,0\n2,Ihr Vollpfosten,1,0,0\n',
        )
    )
    assert (g21.texts, g21.labels) == (["Gute Sendung, danke", "Ihr Vollpfosten"], [0, 1])
    h19 = load_hasoc(
        write(
            tmp_path / "h.tsv", 'text_id\ttext\ttask_1\ttask_2\n1\tSo "toll"\tNOT\tNONE\n2\tPack\tHOF\tHATE\n'
        )
    )
    assert (h19.texts, h19.labels) == (['So "toll"', "Pack"], [0, 1])
    h20 = load_hasoc(write(tmp_path / "h.csv", 'tweet_id,text,task1,task2,ID\n1,"a,\nb",HOF,PRFN,x\n'))
    assert (h20.texts, h20.labels) == (["a,\nb"], [1])
    gahd_file = write(
        tmp_path / "gahd.csv",
        "gahd_id,text,label,round,source,split\n"
        "a,Alle X sind Pack,1,R2,translation,train\n"
        "b,Ich mag X,0,R4,contrastive,train\n"
        "c,Du bist dumm,0,R3,dynabench,train\n"
        "d,Aus einem Test-Tweet,1,R1,dynabench,train\n",
    )
    assert load_gahd(gahd_file).texts == ["Alle X sind Pack", "Ich mag X", "Du bist dumm"]
    assert load_gahd(gahd_file, acceptable_sources=["contrastive"]).texts == ["Alle X sind Pack", "Ich mag X"]


def test_new_formats_refuse_bad_labels_with_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"h.tsv:3: task_1 must be one of HOF, NOT, not 'OFF'"):
        load_hasoc(write(tmp_path / "h.tsv", "text\ttask_1\nok\tNOT\nbad\tOFF\n"))
    with pytest.raises(DataFormatError, match=r"h2.tsv:2: expected 2 tab-separated columns, found 3"):
        load_hasoc(write(tmp_path / "h2.tsv", "text\ttask_1\nok\tNOT\textra\n"))
    with pytest.raises(DataFormatError, match=r"g.csv:1: missing column\(s\) Sub1_Toxic"):
        load_germeval2021(write(tmp_path / "g.csv", "comment_text,toxic\nx,1\n"))


def test_weights_follow_rows_through_combining_and_subsets() -> None:
    coldstart = load_coldstart()
    heavy = coldstart.renamed("heavy", weight=3)
    combined = combine([heavy, coldstart])
    assert combined.parts() == ["heavy", "coldstart"]
    assert set(combined.subset("heavy").weights) == {3.0}
    assert set(combined.subset("coldstart").weights) == {1.0}
    picked = combined.rows([0, len(coldstart)])
    assert (picked.origins, picked.weights) == (["heavy", "coldstart"], [3.0, 1.0])


@needs_shared
def test_every_shared_german_file_loads(settings) -> None:
    settings.DATASETS_DIR = SHARED
    present = {source.name: source.load(SHARED) for source in public_sources()}
    assert next(iter(present)) == "germeval2021"
    assert set(present) >= {"germeval2021", "germeval2018", "germeval2019", "hasoc2019", "hasoc2020", "gahd"}
    sizes = {name: (len(data), sum(data.labels)) for name, data in present.items()}
    assert sizes["germeval2021"] == (3244, 1122)
    assert sizes["germeval2019"] == (7026, 2257)
    assert sizes["hasoc2019"] == (4669, 543)
    assert sizes["hasoc2020"] == (2977, 734)
    assert sizes["gahd"] == (8815, 3663)
    assert not any("<U+" in text for text in present["germeval2019"].texts)
    assert set(present["germeval2021"].weights) == {3.0} and set(present["gahd"].weights) == {0.1}


def test_default_data_is_every_source_present_plus_coldstart(settings, tmp_path: Path) -> None:
    settings.DATASETS_DIR = tmp_path
    data, sentence = best_available_data()
    assert data.parts() == ["coldstart"] and "cold-start corpus" in sentence
    (tmp_path / "germeval2021").mkdir()
    write(
        tmp_path / "germeval2021" / "GermEval21_TrainData.csv",
        "comment_id,comment_text,Sub1_Toxic\n1,Danke,0\n2,Idiot,1\n",
    )
    (tmp_path / "hasoc").mkdir()
    write(tmp_path / "hasoc" / "hasoc2020_de_train.csv", "text,task1\nHallo,NOT\nPack,HOF\n")
    data, sentence = best_available_data()
    assert data.parts() == ["germeval2021", "hasoc2020", "coldstart"]
    assert data.subset("germeval2021").weights == [3.0, 3.0]
    assert "germeval2021 (weight 3), hasoc2020" in sentence
