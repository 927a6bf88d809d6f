"""Where training data comes from: files in the supported formats, the cold-start
corpus, and the decisions of moderators (the labels the next model learns from)."""

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
    load_germeval,
)
from moderation.models import AuditEntry

FORMATS = ("coldstart", "germeval", "davidson2017", "csv", "decisions")
# The moderator reasons that say a comment is offensive, with the fine label each
# stands for in GermEval's scheme (a threat and hate degrade: ABUSE). Every other
# reason (spam, off_topic, duplicate, other, none) says something else and is no
# toxicity label.
OFFENSIVE_REASONS = {"insult": "INSULT", "threat": "ABUSE", "hate": "ABUSE", "profanity": "PROFANITY"}
GERMEVAL_TRAINING = Path("germeval2018") / "germeval2018.training.txt"
DAVIDSON_TRAINING = Path("davidson2017") / "labeled_data.train.csv"


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
    any other reason (spam, off-topic, duplicate, other) drops the comment's label."""
    # Only entries that changed the status are decisions: a note, or a decision
    # refused because someone else decided first, leaves the status as it was.
    entries = (
        AuditEntry.objects.filter(actor=AuditEntry.Actor.MODERATOR)
        .exclude(from_status=F("to_status"))
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
    if data_format == "germeval":
        return combine(load_germeval(path) for path in paths)
    if data_format == "davidson2017":
        return combine(load_davidson2017(path) for path in paths)
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


def best_available_data() -> tuple[Dataset, str]:
    """The best training data on this machine, and a sentence saying which: the
    GermEval 2018 training file (and the Davidson 2017 file) from DATASETS_DIR with
    the cold-start corpus, or the cold-start corpus alone."""
    root = Path(settings.DATASETS_DIR)
    germeval, davidson = root / GERMEVAL_TRAINING, root / DAVIDSON_TRAINING
    parts: list[Dataset] = []
    if germeval.is_file():
        parts.append(load_germeval(germeval))
        if davidson.is_file():
            parts.append(load_davidson2017(davidson))
    if not parts:
        return load_coldstart(), f"no public data in {root}: training on the cold-start corpus"
    names = " and ".join(str(part.name) for part in parts)
    return combine([*parts, load_coldstart()]), f"training on {names} from {root} plus the cold-start corpus"
