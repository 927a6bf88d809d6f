"""Where training data comes from: files in the supported formats, the cold-start
corpus, and the decisions of moderators (the labels the next model learns from)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import F

from moderation.classifier.data import (
    DataFormatError,
    Dataset,
    combine,
    load_coldstart,
    load_csv,
    load_davidson2017,
    load_gahd,
    load_germeval,
    load_germeval2021,
    load_hasoc,
)
from moderation.models import AuditEntry, SuggestedScore

FORMATS = ("coldstart", "germeval", "germeval2021", "hasoc", "gahd", "davidson2017", "csv", "decisions")
# The moderator reasons that say a comment is offensive, with the fine label each
# stands for in GermEval's scheme (a threat and hate degrade: ABUSE). Every other
# reason (spam, off_topic, duplicate, other, none) says something else and is no
# toxicity label.
OFFENSIVE_REASONS = {"insult": "INSULT", "threat": "ABUSE", "hate": "ABUSE", "profanity": "PROFANITY"}
# Formats of one kind of file each, by their loader.
_FILE_LOADERS: dict[str, Callable[[Path], Dataset]] = {
    "germeval": load_germeval,
    "germeval2021": load_germeval2021,
    "hasoc": load_hasoc,
    "gahd": load_gahd,
    "davidson2017": load_davidson2017,
}


@dataclass(frozen=True)
class PublicSource:
    """A public labelled dataset the default model trains on when its files are in
    DATASETS_DIR (``fetch_dataset`` downloads them). ``weight``: how much each of its
    texts counts in training, chosen by cross-validation (docs/classifier.md)."""

    name: str
    data_format: str
    paths: tuple[str, ...]  # relative to DATASETS_DIR
    weight: float = 1.0

    def files(self, root: Path) -> list[Path]:
        """Its files present in ``root`` (a source may be partly downloaded)."""
        return [root / path for path in self.paths if (root / path).is_file()]

    def load(self, root: Path) -> Dataset:
        loader = _FILE_LOADERS[self.data_format]
        return combine(loader(path) for path in self.files(root)).renamed(self.name, self.weight)


# The first present source is the primary data: the policy thresholds are chosen on
# its out-of-fold scores. GermEval 2021's Facebook comments under a political talk
# show are the nearest to a news site's comments, and count three times; GAHD's
# adversarial sentences (its 0 is "no group-directed hate", not "civil") a tenth.
PUBLIC_SOURCES = (
    PublicSource("germeval2021", "germeval2021", ("germeval2021/GermEval21_TrainData.csv",), weight=3.0),
    PublicSource("germeval2018", "germeval", ("germeval2018/germeval2018.training.txt",)),
    PublicSource(
        "germeval2019",
        "germeval",
        (
            "germeval2019/germeval2019.training_subtask1_2_korrigiert.txt",
            "germeval2019/germeval2019GoldLabelsSubtask1_2.txt",
        ),
    ),
    PublicSource("hasoc2019", "hasoc", ("hasoc/hasoc2019_de_train.tsv", "hasoc/hasoc2019_de_test_gold.tsv")),
    PublicSource("hasoc2020", "hasoc", ("hasoc/hasoc2020_de_train.csv", "hasoc/hasoc2020_de_test.csv")),
    PublicSource("gahd", "gahd", ("gahd/gahd_disaggregated.noR1.csv",), weight=0.1),
    PublicSource("davidson2017", "davidson2017", ("davidson2017/labeled_data.train.csv",)),
)


@dataclass(frozen=True)
class CsvOptions:
    text_column: str = "text"
    label_column: str = "label"
    offensive: tuple[str, ...] = ("1",)
    acceptable: tuple[str, ...] | None = None
    fine_column: str | None = None


def decisions_dataset(*, since: datetime | None = None) -> Dataset:
    """Moderators' decisions as labels: a comment they published is acceptable (0),
    one they rejected for an offensive reason (``OFFENSIVE_REASONS``) is offensive (1)
    with that reason's fine label. The latest decision on a comment's current text
    counts (decisions on the text before an edit are left out); a later rejection for
    any other reason (spam, off-topic, duplicate, other) drops the comment's label.
    Comments whose reader deleted their account are left out: their text is gone.
    Labels suggested through the Perspective-compatible API are added as they came."""
    # Only entries that changed the status are decisions: a note, or a decision
    # refused because someone else decided first, leaves the status as it was.
    entries = (
        AuditEntry.objects.filter(actor=AuditEntry.Actor.MODERATOR)
        .exclude(from_status=F("to_status"))
        .exclude(comment__body="")
        .select_related("comment")
    )
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    latest: dict[int, tuple[str, int, str]] = {}
    for entry in entries.order_by("created_at", "id"):
        if entry.comment_revision != entry.comment.revision:
            continue  # a decision on an earlier text of an edited comment
        if entry.to_status == "published":
            latest[entry.comment_id] = (entry.comment.body, 0, "")
        elif entry.to_status == "rejected" and entry.reason in OFFENSIVE_REASONS:
            latest[entry.comment_id] = (entry.comment.body, 1, OFFENSIVE_REASONS[entry.reason])
        else:
            latest.pop(entry.comment_id, None)
    dataset = Dataset(name="decisions")
    for body, label, fine in latest.values():
        dataset.add(body, label, fine)
    # The labels other sites' moderators sent through comments:suggestscore (keys
    # allowed to); without a fine label, as their clients give none.
    suggestions = SuggestedScore.objects.all()
    if since is not None:
        suggestions = suggestions.filter(created_at__gte=since)
    for text, offensive in suggestions.order_by("created_at", "id").values_list("text", "offensive"):
        dataset.add(text, int(offensive), "")
    return dataset


def load_source(data_format: str, paths: list[Path], csv_options: CsvOptions | None = None) -> Dataset:
    """One format with its files, combined. Raises DataFormatError or OSError."""
    if data_format == "coldstart":
        if paths:
            raise DataFormatError("coldstart", 0, "the cold-start corpus takes no paths")
        return load_coldstart()
    if data_format == "decisions":
        if paths:
            raise DataFormatError(
                "decisions", 0, "moderator decisions come from the database, not from files"
            )
        return decisions_dataset()
    if not paths:
        raise DataFormatError(data_format, 0, f"--format {data_format} needs at least one data file")
    if data_format in _FILE_LOADERS:
        return combine(_FILE_LOADERS[data_format](path) for path in paths)
    if data_format == "csv":
        options = csv_options or CsvOptions()
        return combine(
            load_csv(
                path,
                text_column=options.text_column,
                label_column=options.label_column,
                offensive=options.offensive,
                acceptable=options.acceptable,
                fine_column=options.fine_column,
            )
            for path in paths
        )
    raise DataFormatError(data_format, 0, f"unknown format {data_format!r}; use one of {', '.join(FORMATS)}")


def public_sources(root: Path | None = None) -> list[PublicSource]:
    """The public sources with at least one file present in ``root`` (DATASETS_DIR)."""
    root = Path(settings.DATASETS_DIR) if root is None else root
    return [source for source in PUBLIC_SOURCES if source.files(root)]


def best_available_data() -> tuple[Dataset, str]:
    """The best training data on this machine, and a sentence saying which: every
    public source present in DATASETS_DIR (``PUBLIC_SOURCES``, each with its weight)
    with the cold-start corpus, or the cold-start corpus alone."""
    root = Path(settings.DATASETS_DIR)
    present = public_sources(root)
    if not present:
        return load_coldstart(), f"no public data in {root}: training on the cold-start corpus"
    parts = [source.load(root) for source in present]
    names = ", ".join(
        source.name if source.weight == 1 else f"{source.name} (weight {source.weight:g})"
        for source in present
    )
    return combine([*parts, load_coldstart()]), f"training on {names} from {root} plus the cold-start corpus"
