"""The transparency report in the admin (DSA Art. 15/24): the figures for a period
as tables and charts, printable, and as CSV. For staff who may moderate."""

import base64
import csv
import io
from datetime import date

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from moderation.dsa.report import Table, TransparencyReport, last_calendar_year, transparency_report
from moderation.permissions import MODERATE
from web.requests import AuthenticatedHttpRequest


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, date]:
        cleaned: dict[str, date] = super().clean() or {}
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            raise forms.ValidationError(_("The first day must not be after the last."))
        return cleaned


def _period(data: QueryDict) -> tuple[PeriodForm, date, date]:
    """The period asked for; the last calendar year when none (or nonsense) is asked for."""
    start, end = last_calendar_year()
    form = PeriodForm(data or {"start": start, "end": end})
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return form, start, end


def _bar_chart(table: Table, columns: list[str], title: str) -> str | None:
    """A horizontal stacked bar per row (the total row left out) as an SVG data URI,
    one colour for each of ``columns`` (keys); None when there is nothing to draw.
    matplotlib is loaded only when a chart is drawn."""
    rows = [row for row in table.rows[:-1] if any(row[table.columns.index(c)] for c in columns)]
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, axes = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.4))
    try:
        labels = [str(row[0]) for row in rows]
        left = [0.0] * len(rows)
        for column in columns:
            values = [float(row[table.columns.index(column)] or 0) for row in rows]
            axes.barh(labels, values, left=left, label=table.headings[table.columns.index(column)])
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts, not fractions
        axes.invert_yaxis()
        axes.set_title(title, fontsize=11)
        axes.legend(fontsize=8, loc="lower right")
        axes.tick_params(labelsize=8)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg")
    finally:
        plt.close(figure)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _charts(report: TransparencyReport) -> list[dict[str, str]]:
    charts = [
        (
            report.table("notices_by_ground"),
            ["actioned", "refused", "open"],
            gettext("Notices by legal ground and outcome"),
        ),
        (
            report.table("own_initiative"),
            ["fully automated", "partially automated", "not automated"],
            gettext("Own-initiative restrictions by automation"),
        ),
        (report.table("appeals"), ["upheld", "reversed", "open"], gettext("Internal complaints by outcome")),
    ]
    drawn = []
    for table, columns, title in charts:
        uri = _bar_chart(table, columns, title)
        if uri:
            drawn.append({"title": title, "uri": uri})
    return drawn


def transparency_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Wrapped by ``admin_view`` where the admin site serves it, so only staff reach it."""
    if not request.user.has_perm(MODERATE):
        raise PermissionDenied
    form, start, end = _period(request.GET)
    report = transparency_report(start=start, end=end)
    today = timezone.localdate()
    context = {
        **admin.site.each_context(request),
        "title": gettext("Transparency report"),
        "form": form,
        "report": report,
        "charts": _charts(report),
        "csv_url": f"{reverse('admin:moderation_transparency_csv')}?start={start}&end={end}",
        "this_year": f"?start={date(today.year, 1, 1)}&end={today}",
        "last_year": "?start={}&end={}".format(*last_calendar_year(today)),
    }
    return TemplateResponse(request, "admin/moderation/transparency.html", context)


def transparency_csv_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The same figures as CSV, one figure a line (section, row, column, value): the
    rows' labels in the admin's language, the sections and columns by their keys."""
    if not request.user.has_perm(MODERATE):
        raise PermissionDenied
    _form, start, end = _period(request.GET)
    report = transparency_report(start=start, end=end)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="transparency-{start}-{end}.csv"'
    csv.writer(response).writerows(report.csv_rows())
    return response
