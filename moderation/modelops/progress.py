"""A plain progress bar for long management commands: one line per step, so it reads
the same in a terminal, a log file and CI output."""

import time
from typing import TextIO

from django.core.management.base import OutputWrapper


class ProgressBar:
    def __init__(self, out: TextIO | OutputWrapper, *, total: int, label: str, width: int = 24) -> None:
        self.out = out
        self.total = max(total, 1)
        self.label = label
        self.width = width
        self.done = 0
        self.started = time.monotonic()

    def step(self, message: str) -> None:
        self.done = min(self.done + 1, self.total)
        filled = round(self.width * self.done / self.total)
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.monotonic() - self.started
        self.out.write(f"{self.label} [{bar}] {self.done}/{self.total} {elapsed:5.1f}s {message}")

    def finish(self) -> None:
        self.done = self.total - 1
        self.step("done")
