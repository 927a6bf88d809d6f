"""Loaders for labelled data. Every loader returns a ``Dataset``: texts, a binary
label (1 = offensive) and the fine label where the source has one."""

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

    def __len__(self) -> int:
        return len(self.texts)

    def extend(self, other: "Dataset") -> "Dataset":
        return Dataset(
            name=f"{self.name}+{other.name}",
            texts=self.texts + other.texts,
            labels=self.labels + other.labels,
            fine=self.fine + other.fine,
        )

    def summary(self) -> dict[str, object]:
        return {"name": self.name, "n": len(self), "offensive": sum(self.labels)}


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
            dataset.texts.append(text)
            dataset.labels.append(int(coarse == "OFFENSE"))
            dataset.fine.append(fine)
    if not dataset.texts:
        raise DataFormatError(str(path), 1, "no labelled lines")
    return dataset


def load_coldstart() -> Dataset:
    """The German and English corpus written for the project, for training when no
    better data is present."""
    combined = Dataset(name="coldstart")
    for path in sorted(COLDSTART_DIR.glob("coldstart_*.tsv")):
        combined = combined.extend(load_germeval(path))
    combined.name = "coldstart"
    return combined
