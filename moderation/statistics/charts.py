"""Small SVG charts for the statistics page, drawn on the server: no script, no
external library, every label escaped."""

from collections.abc import Mapping, Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from discussion.models import Comment

COLOURS = {
    "published": "#2e7d32",
    "held": "#f9a825",
    "rejected": "#c62828",
    "removed": "#757575",
    "pending": "#1565c0",
    "line": "#1565c0",
}
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 220, 44, 28, 10


def _shown(name: str) -> str:
    """A series as the page's language names it: a comment's status by its label."""
    try:
        return str(Comment.Status(name).label)
    except ValueError:
        return name


def _frame(maximum: float, unit: str = "") -> SafeString:
    plot_height = HEIGHT - BOTTOM - TOP
    ticks = [maximum * step / 4 for step in range(5)]
    return format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ddd"/>'
        '<text x="{}" y="{}" font-size="10" text-anchor="end">{}{}</text>',
        (
            (
                LEFT,
                WIDTH,
                f"{y:.1f}",
                f"{y:.1f}",
                LEFT - 4,
                f"{y + 3:.1f}",
                f"{tick:.0f}" if maximum >= 4 else f"{tick:.2f}",
                unit,
            )
            for tick in ticks
            for y in [TOP + plot_height - plot_height * tick / (maximum or 1)]
        ),
    )


def stacked_bars(labels: Sequence[str], series: Mapping[str, Sequence[float]], title: str) -> SafeString:
    """One bar per label, stacked by series (e.g. per day by outcome)."""
    count = max(len(labels), 1)
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    maximum = max(totals, default=0) or 1
    plot_height = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT) / count
    rects = []
    for index, label in enumerate(labels):
        base = 0.0
        for name, values in series.items():
            height = plot_height * values[index] / maximum
            y = TOP + plot_height - base - height
            rects.append(
                (
                    f"{LEFT + index * step + 1:.1f}",
                    f"{y:.1f}",
                    f"{max(step - 2, 1):.1f}",
                    f"{height:.1f}",
                    COLOURS.get(name, "#999"),
                    f"{label} {_shown(name)}: {values[index]:g}",
                )
            )
            base += height
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
        rects,
    )
    return _svg(title, _frame(maximum), bars, labels, step, legend=list(series))


def line(labels: Sequence[str], values: Sequence[float], title: str, unit: str = "") -> SafeString:
    count = max(len(labels), 1)
    maximum = max(values, default=0) or 1
    plot_height = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT) / count
    points = " ".join(
        f"{LEFT + step * (i + 0.5):.1f},{TOP + plot_height - plot_height * v / maximum:.1f}"
        for i, v in enumerate(values)
    )
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="2.5" fill="{}"><title>{}: {}{}</title></circle>',
        (
            (
                LEFT + step * (i + 0.5),
                TOP + plot_height - plot_height * v / maximum,
                COLOURS["line"],
                labels[i],
                v,
                unit,
            )
            for i, v in enumerate(values)
        ),
    )
    path = format_html(
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>', points, COLOURS["line"]
    )
    return _svg(title, _frame(maximum, unit), format_html("{}{}", path, dots), labels, step)


def _svg(
    title: str,
    frame: SafeString,
    body: SafeString,
    labels: Sequence[str],
    step: float,
    legend: Sequence[str] = (),
) -> SafeString:
    every = max(1, len(labels) // 10)
    axis = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
        (
            (f"{LEFT + step * (i + 0.5):.1f}", HEIGHT - 10, label)
            for i, label in enumerate(labels)
            if i % every == 0
        ),
    )
    keys = format_html_join(
        "",
        '<span class="key"><span style="background:{}"></span>{}</span>',
        ((COLOURS.get(name, "#999"), _shown(name)) for name in legend),
    )
    return format_html(
        '<figure class="chart"><figcaption>{}</figcaption>'
        '<svg viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}">{}{}{}</svg>'
        '<div class="legend">{}</div></figure>',
        title,
        WIDTH,
        HEIGHT,
        title,
        frame,
        body,
        axis,
        keys,
    )
