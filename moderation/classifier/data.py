"""Loaders for labelled data. Every loader returns a ``Dataset``: texts, a binary
label (1 = offensive) and the fine label where the source has one ("" where not).

Malformed input is refused with ``DataFormatError`` naming file and line."""

import csv
import html
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

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, text: str, label: int, fine: str = "") -> None:
        self.texts.append(text)
        self.labels.append(label)
        self.fine.append(fine)
        self.origins.append(self.name)

    def extend(self, other: "Dataset") -> "Dataset":
        return Dataset(
            name=f"{self.name}+{other.name}",
            texts=self.texts + other.texts,
            labels=self.labels + other.labels,
            fine=self.fine + other.fine,
            origins=self.origins + other.origins,
        )

    def parts(self) -> list[str]:
        """The names of the datasets combined in this one, in order."""
        return list(dict.fromkeys(self.origins))

    def subset(self, origin: str) -> "Dataset":
        rows = [i for i, name in enumerate(self.origins) if name == origin]
        return Dataset(
            name=origin,
            texts=[self.texts[i] for i in rows],
            labels=[self.labels[i] for i in rows],
            fine=[self.fine[i] for i in rows],
            origins=[origin] * len(rows),
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


def load_germeval(path: Path) -> Dataset:
    """GermEval 2018: ``text<TAB>OFFENSE|OTHER<TAB>ABUSE|INSULT|PROFANITY|OTHER`` per line."""
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
            dataset.add(text, int(coarse == "OFFENSE"), fine)
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


def load_coldstart() -> Dataset:
    """The German and English corpus written for the project, for training when no
    better data is present."""
    combined = combine(load_germeval(path) for path in sorted(COLDSTART_DIR.glob("coldstart_*.tsv")))
    return Dataset(
        name="coldstart",
        texts=combined.texts,
        labels=combined.labels,
        fine=combined.fine,
        origins=["coldstart"] * len(combined),
    )
