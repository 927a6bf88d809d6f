"""Loaders for labelled data. Every loader returns a ``Dataset``: texts, a binary
label (1 = offensive), the fine label where the source has one ("" where not) and a
training weight per text (1 unless a source is weighed otherwise).

Malformed input is refused with ``DataFormatError`` naming file and line."""

import csv
import html
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

COLDSTART_DIR = Path(__file__).resolve().parent / "data"
FINE_LABELS = ("ABUSE", "INSULT", "PROFANITY", "OTHER")


class DataFormatError(ValueError):
    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")


@dataclass
class Dataset:
    name: str
    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    fine: list[str] = field(default_factory=list)
    # The name of the dataset each row came from (kept when datasets are combined).
    origins: list[str] = field(default_factory=list)
    # How much each row counts in training (a source's weight, see training_data).
    weights: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Rows given without origins come from this dataset; without weights, count 1."""
        if not self.origins:
            self.origins = [self.name] * len(self.texts)
        if not self.weights:
            self.weights = [1.0] * len(self.texts)

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, text: str, label: int, fine: str = "", weight: float = 1.0) -> None:
        self.texts.append(text)
        self.labels.append(label)
        self.fine.append(fine)
        self.origins.append(self.name)
        self.weights.append(weight)

    def extend(self, other: "Dataset") -> "Dataset":
        return Dataset(
            name=f"{self.name}+{other.name}",
            texts=self.texts + other.texts,
            labels=self.labels + other.labels,
            fine=self.fine + other.fine,
            origins=self.origins + other.origins,
            weights=self.weights + other.weights,
        )

    def parts(self) -> list[str]:
        """The names of the datasets combined in this one, in order."""
        return list(dict.fromkeys(self.origins))

    def rows(self, indices: Iterable[int], name: str | None = None) -> "Dataset":
        """The rows at ``indices``, in that order, with their origins and weights."""
        indices = list(indices)
        return Dataset(
            name=name or self.name,
            texts=[self.texts[i] for i in indices],
            labels=[self.labels[i] for i in indices],
            fine=[self.fine[i] for i in indices],
            origins=[self.origins[i] for i in indices],
            weights=[self.weights[i] for i in indices],
        )

    def subset(self, origin: str) -> "Dataset":
        return self.rows((i for i, name in enumerate(self.origins) if name == origin), name=origin)

    def renamed(self, name: str, weight: float | None = None) -> "Dataset":
        """All rows as one dataset called ``name`` (each row's origin too), each
        weighing ``weight`` in training when given."""
        return Dataset(
            name=name,
            texts=list(self.texts),
            labels=list(self.labels),
            fine=list(self.fine),
            origins=[name] * len(self),
            weights=list(self.weights) if weight is None else [float(weight)] * len(self),
        )

    def summary(self) -> dict[str, object]:
        fine = Counter(label for label in self.fine if label)
        return {
            "name": self.name,
            "n": len(self),
            "offensive": sum(self.labels),
            "fine": dict(sorted(fine.items())),
        }


def combine(datasets: Iterable[Dataset]) -> Dataset:
    datasets = list(datasets)
    combined = datasets[0]
    for extra in datasets[1:]:
        combined = combined.extend(extra)
    return combined


# GermEval 2019's files write emoji as code points (``<U+0001F602>``) and some
# quotation marks as ``\""`` or ``\"``.
_CODE_POINT = re.compile(r"<U\+([0-9A-Fa-f]{4,8})>")
_ESCAPED_QUOTE = re.compile(r'\\""?')


def _decode_germeval(text: str) -> str:
    def character(match: re.Match[str]) -> str:
        value = int(match.group(1), 16)
        return chr(value) if value <= 0x10FFFF else match.group(0)

    return _ESCAPED_QUOTE.sub('"', _CODE_POINT.sub(character, text))


def load_germeval(path: Path) -> Dataset:
    """GermEval 2018 and 2019: ``text<TAB>OFFENSE|OTHER<TAB>ABUSE|INSULT|PROFANITY|OTHER``
    per line (2019's emoji codes and escaped quotes decoded)."""
    dataset = Dataset(name=path.name)
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                raise DataFormatError(
                    str(path), number, f"expected 3 tab-separated columns, found {len(parts)}"
                )
            text, coarse, fine = parts
            if coarse not in ("OFFENSE", "OTHER"):
                raise DataFormatError(
                    str(path), number, f"coarse label must be OFFENSE or OTHER, not {coarse!r}"
                )
            if fine not in FINE_LABELS or (fine == "OTHER") != (coarse == "OTHER"):
                raise DataFormatError(
                    str(path), number, f"fine label {fine!r} does not fit coarse {coarse!r}"
                )
            if not text.strip():
                raise DataFormatError(str(path), number, "empty text")
            dataset.add(_decode_germeval(text), int(coarse == "OFFENSE"), fine)
    if not dataset.texts:
        raise DataFormatError(str(path), 1, "no labelled lines")
    return dataset


def _csv_rows(path: Path, required: Iterable[str]) -> Iterable[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV file with a header, checking the columns."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in required if name not in (reader.fieldnames or [])]
        if missing:
            raise DataFormatError(str(path), 1, f"missing column(s) {', '.join(missing)} in the header")
        line = reader.line_num
        try:
            for row in reader:
                if None in row or any(value is None for value in row.values()):
                    raise DataFormatError(str(path), line + 1, "wrong number of fields")
                yield line + 1, row
                line = reader.line_num
        except csv.Error as exc:
            raise DataFormatError(str(path), reader.line_num, str(exc)) from exc


def load_csv(
    path: Path,
    *,
    text_column: str = "text",
    label_column: str = "label",
    offensive: Iterable[str] = ("1",),
    acceptable: Iterable[str] | None = None,
    fine_column: str | None = None,
) -> Dataset:
    """A CSV file with a header. ``offensive`` lists the label values that count as
    offensive; ``acceptable`` those that count as acceptable (by default ``0`` when
    ``offensive`` is the default ``1``, else every other value). Any other value is
    an error."""
    offensive = {value.strip() for value in offensive}
    if acceptable is None:
        acceptable_values = {"0"} if offensive == {"1"} else None
    else:
        acceptable_values = {value.strip() for value in acceptable}
    columns = [text_column, label_column] + ([fine_column] if fine_column else [])
    dataset = Dataset(name=path.name)
    for line, row in _csv_rows(path, columns):
        text, label = row[text_column], row[label_column].strip()
        if not text.strip():
            raise DataFormatError(str(path), line, "empty text")
        if label in offensive:
            value = 1
        elif acceptable_values is None or label in acceptable_values:
            value = 0
        else:
            expected = ", ".join(sorted(offensive | acceptable_values))
            raise DataFormatError(str(path), line, f"label {label!r} is none of {expected}")
        dataset.add(text, value, row[fine_column].strip() if fine_column else "")
    if not dataset.texts:
        raise DataFormatError(str(path), 1, "no labelled rows")
    return dataset


DAVIDSON_CLASSES = {"0": "hate", "1": "offensive", "2": "neither"}


def load_davidson2017(path: Path) -> Dataset:
    """Davidson et al. 2017 (``labeled_data.csv``): class 0 hate and 1 offensive
    count as offensive, 2 neither as acceptable; the class is kept as the fine label
    (hate / offensive / neither). HTML entities in the tweets are unescaped."""
    dataset = Dataset(name=path.name)
    for line, row in _csv_rows(path, ("class", "tweet")):
        fine = DAVIDSON_CLASSES.get(row["class"].strip())
        if fine is None:
            raise DataFormatError(str(path), line, f"class must be 0, 1 or 2, not {row['class']!r}")
        text = html.unescape(row["tweet"])
        if not text.strip():
            raise DataFormatError(str(path), line, "empty tweet")
        dataset.add(text, int(fine != "neither"), fine)
    if not dataset.texts:
        raise DataFormatError(str(path), 1, "no labelled rows")
    return dataset


def _labelled_rows(
    path: Path,
    rows: Iterable[tuple[int, dict[str, str]]],
    text_column: str,
    label_column: str,
    values: dict[str, int],
) -> Dataset:
    """A dataset of ``rows`` whose label column holds one of ``values`` (value → 0/1)."""
    dataset = Dataset(name=path.name)
    for line, row in rows:
        text, label = row[text_column], row[label_column].strip()
        if label not in values:
            raise DataFormatError(
                str(path), line, f"{label_column} must be one of {', '.join(values)}, not {label!r}"
            )
        if not text.strip():
            raise DataFormatError(str(path), line, "empty text")
        dataset.add(text, values[label])
    if not dataset.texts:
        raise DataFormatError(str(path), 1, "no labelled rows")
    return dataset


def load_germeval2021(path: Path) -> Dataset:
    """GermEval 2021 (Facebook comments under a political talk show): ``comment_text``
    and ``Sub1_Toxic`` (1 = toxic: insults, threats, vulgar or discriminating speech)."""
    rows = _csv_rows(path, ("comment_text", "Sub1_Toxic"))
    return _labelled_rows(path, rows, "comment_text", "Sub1_Toxic", {"0": 0, "1": 1})


HASOC_LABELS = {"HOF": 1, "NOT": 0}


def load_hasoc(path: Path) -> Dataset:
    """HASOC 2019 (tab-separated, column ``task_1``) or 2020 (CSV, ``task1``): ``HOF``
    (hate, offensive or profane) counts as offensive, ``NOT`` as acceptable."""
    if path.suffix == ".tsv":
        rows: Iterable[tuple[int, dict[str, str]]] = _tsv_rows(path, ("text", "task_1"))
        return _labelled_rows(path, rows, "text", "task_1", HASOC_LABELS)
    return _labelled_rows(path, _csv_rows(path, ("text", "task1")), "text", "task1", HASOC_LABELS)


def _tsv_rows(path: Path, required: Iterable[str]) -> Iterable[tuple[int, dict[str, str]]]:
    """(line number, row) of a tab-separated file with a header and no quoting."""
    with path.open(encoding="utf-8", newline="") as handle:
        header = handle.readline().rstrip("\r\n").split("\t")
        missing = [name for name in required if name not in header]
        if missing:
            raise DataFormatError(str(path), 1, f"missing column(s) {', '.join(missing)} in the header")
        for number, line in enumerate(handle, start=2):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) != len(header):
                raise DataFormatError(
                    str(path), number, f"expected {len(header)} tab-separated columns, found {len(fields)}"
                )
            yield number, dict(zip(header, fields, strict=True))


# GAHD's first round was written from GermEval 2018 test tweets: never trained on.
GAHD_EXCLUDED_ROUNDS = frozenset({"R1"})


def load_gahd(path: Path, acceptable_sources: Iterable[str] | None = None) -> Dataset:
    """GAHD (German adversarial hate speech): ``text`` and ``label`` (1 = hate speech
    against a group), without the rounds in ``GAHD_EXCLUDED_ROUNDS``. Its 0 is not
    "civil" (it holds plain insults too), so ``acceptable_sources`` can keep only the
    0s of some ``source`` values (e.g. news sentences and contrastive rewrites); every
    1 is kept."""
    keep = None if acceptable_sources is None else set(acceptable_sources)
    rows = (
        (line, row)
        for line, row in _csv_rows(path, ("text", "label", "source", "round"))
        if row["round"].strip() not in GAHD_EXCLUDED_ROUNDS
        and (keep is None or row["label"].strip() != "0" or row["source"].strip() in keep)
    )
    return _labelled_rows(path, rows, "text", "label", {"0": 0, "1": 1})


def load_coldstart() -> Dataset:
    """The German and English corpus written for the project, for training when no
    better data is present."""
    files = sorted(COLDSTART_DIR.glob("coldstart_*.tsv"))
    return combine(load_germeval(path) for path in files).renamed("coldstart")
