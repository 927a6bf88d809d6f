"""Finding comments in the queues: list filters, full-text search, the moderator's
own sections first, and saved filters.

Each filter narrows the queue's queryset inside its one query (a column or an
EXISTS over an index); listing the choices of the article and section filters
costs one query each, the moderator's saved filters one more, whatever the queue's
length."""

import re
from collections.abc import Iterator
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.middleware.csrf import get_token
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.models import SECTION_MAX_LENGTH
from discussion.models import Comment
from moderation.finding.saved_filters import saved_filter_create, saved_filter_delete
from moderation.finding.search import QUERY_MAX_LENGTH, RANK, comments_search, search_is_ranked
from moderation.models import AuditEntry, ModeratorSection, SavedFilter
from moderation.selectors import queue_filter, queue_ordering
from web.errors import DomainError
from web.requests import AuthenticatedHttpRequest

# How many articles the article filter offers: those with the most comments in the
# queue. Any other article is still reachable by its id in the query string.
ARTICLE_CHOICES = 25
NO_SECTION = "-"


def _own_sections(user_id: int | None) -> Exists:
    # None (no one signed in) never reaches a queue; 0 matches no one either.
    return Exists(ModeratorSection.objects.filter(user_id=user_id or 0, section=OuterRef("article__section")))


def _assessed(condition: Q) -> Exists:
    """Whether an assessment of the comment's current text by the machine (a model
    or system entry of the current revision, found by the comment's index of audit
    entries) meets ``condition``."""
    return Exists(
        AuditEntry.objects.filter(
            condition,
            comment=OuterRef("pk"),
            comment_revision=OuterRef("revision"),
            actor__in=[AuditEntry.Actor.MODEL, AuditEntry.Actor.SYSTEM],
        )
    )


class ChoiceFilter(admin.SimpleListFilter):
    """A filter with fixed choices, each a condition on the queue's rows. A value
    that is not one of them is refused (the admin's "invalid filter" page), never
    ignored."""

    conditions: dict[str, Q] = {}
    labels: dict[str, Any] = {}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(self.labels.items())

    def condition(self, value: str) -> Q:
        return self.conditions[value]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if value not in self.labels:
            raise IncorrectLookupParameters(f"{self.parameter_name}: {value!r}")
        return queryset.filter(self.condition(value))


class MySectionsFilter(ChoiceFilter):
    title = _("my sections")
    parameter_name = "mine"
    labels = {"1": _("only my sections"), "0": _("not my sections")}

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        self.user_id = request.user.pk
        return super().queryset(request, queryset)

    def condition(self, value: str) -> Q:
        mine = Q(_own_sections(self.user_id))
        return mine if value == "1" else ~mine


class ScoreBandFilter(ChoiceFilter):
    title = _("score")
    parameter_name = "score"
    labels = {
        "low": _("below 35 %"),
        "mid": _("35 to 70 %"),
        "high": _("70 % and above"),
        "none": _("unscored"),
    }
    conditions = {
        "low": Q(score__lt=0.35),
        "mid": Q(score__gte=0.35, score__lt=0.7),
        "high": Q(score__gte=0.7),
        "none": Q(score__isnull=True),
    }


class ReportCountFilter(ChoiceFilter):
    title = _("reports")
    parameter_name = "reports"
    labels = {"0": _("none"), "1": "1", "2": _("2 or more"), "5": _("5 or more")}
    conditions = {
        "0": Q(report_count=0),
        "1": Q(report_count=1),
        "2": Q(report_count__gte=2),
        "5": Q(report_count__gte=5),
    }


class LanguageFilter(ChoiceFilter):
    """The language the classifier read the current text in (it is recorded with
    each assessment)."""

    title = _("language")
    parameter_name = "language"
    labels = {"de": _("German"), "en": _("English")}

    def condition(self, value: str) -> Q:
        return Q(_assessed(Q(actor=AuditEntry.Actor.MODEL, details__language=value)))


# Each rule the policy records, by the words its message starts with or holds
# (moderation.policy.policy and the system's holds: reports, scoring failures).
RULES: dict[str, tuple[Any, str]] = {
    "grey": (_("score between the thresholds"), " between "),
    "reject": (_("score at the reject threshold"), "reject threshold"),
    "banned": (_("banned term"), "banned term"),
    "suspect": (_("suspect term"), "suspect term"),
    "spam": (_("possible spam"), "possible spam"),
    "new": (_("new account"), "new account"),
    "reader": (_("reader is pre-moderated"), "reader is pre-moderated"),
    "article": (_("pre-moderated article"), "pre-moderated article"),
    "reported": (_("reported by readers"), "reported "),
    "unscored": (_("could not be scored"), " scored"),
}


class RuleFilter(ChoiceFilter):
    """A rule that fired on the current text: in the assessment's list of rules or,
    for the system's holds, its reason."""

    title = _("rule that fired")
    parameter_name = "rule"
    labels = {key: label for key, (label, _needle) in RULES.items()}

    def condition(self, value: str) -> Q:
        needle = RULES[value][1]
        return Q(_assessed(Q(details__rules__icontains=needle) | Q(reason__icontains=needle)))


class ArticleFilter(admin.SimpleListFilter):
    title = _("article")
    parameter_name = "article"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        rows = (
            Comment.objects.filter(queue_filter(model_admin.queue))
            .values("article_id", "article__title")
            .annotate(count=Count("id"))
            .order_by("-count", "article_id")[:ARTICLE_CHOICES]
        )
        return [(str(row["article_id"]), f"{row['article__title'][:50]} ({row['count']})") for row in rows]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if not value.isascii() or not value.isdigit() or len(value) > 10:
            raise IncorrectLookupParameters(f"article: {value!r}")
        return queryset.filter(article_id=int(value))


class SectionFilter(admin.SimpleListFilter):
    title = _("section")
    parameter_name = "section"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        sections = (
            Comment.objects.filter(queue_filter(model_admin.queue))
            .exclude(article__section="")
            .values_list("article__section", flat=True)
            .distinct()
            .order_by("article__section")
        )
        return [*((section, section) for section in sections), (NO_SECTION, _("(no section)"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if len(value) > SECTION_MAX_LENGTH:
            raise IncorrectLookupParameters(f"section: {value!r}")
        return queryset.filter(article__section="" if value == NO_SECTION else value)


class SavedFilters(admin.ListFilter):
    """Not a filter: the moderator's saved filters of this queue as links, each
    deletable, and a form that saves the current one. Shown in the filter column."""

    title = _("saved filters")
    template = "admin/moderation/queue/saved_filters.html"

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        admin_name = f"admin:moderation_{model._meta.model_name}"
        changelist = reverse(f"{admin_name}_changelist")
        self.saved = [
            {
                "name": saved.name,
                "link": f"{changelist}?{saved.query}" if saved.query else changelist,
                "delete": reverse(f"{admin_name}_savedfilter_delete", args=[saved.pk]),
            }
            for saved in SavedFilter.objects.filter(user=request.user.pk, queue=model_admin.queue)
        ]
        self.save_url = reverse(f"{admin_name}_savedfilter_add")
        self.query = _savable_query(request.GET)
        self.csrf_token = get_token(request)

    def has_output(self) -> bool:
        return True

    def choices(self, changelist: Any) -> Iterator[Any]:
        yield from self.saved

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset

    def expected_parameters(self) -> list[str | None]:
        return []


CHOICE_FILTERS: list[type[ChoiceFilter]] = [
    MySectionsFilter,
    ScoreBandFilter,
    LanguageFilter,
    RuleFilter,
    ReportCountFilter,
]
QUEUE_FILTERS = [
    MySectionsFilter,
    ArticleFilter,
    SectionFilter,
    ScoreBandFilter,
    LanguageFilter,
    RuleFilter,
    ReportCountFilter,
]
SEARCH = "q"
ORDER = "o"
# Page and error markers of the changelist: part of where a moderator is, not of a filter.
NOT_SAVED = {"p", "e"}
_ORDER_VALUE = re.compile(r"-?\d{1,2}(\.-?\d{1,2}){0,9}")


def _savable_query(params: QueryDict) -> str:
    query = params.copy()
    for key in NOT_SAVED:
        query.pop(key, None)
    return query.urlencode()


def queue_query_errors(query: str) -> dict[str, str]:
    """What is wrong with a queue's query string, by parameter; empty when it holds
    only the queue's filters, search and order, each once, with a value each knows."""
    params = QueryDict(query)
    errors: dict[str, str] = {}
    choices: dict[str | None, dict[str, Any]] = {spec.parameter_name: spec.labels for spec in CHOICE_FILTERS}
    for key, values in params.lists():
        if len(values) != 1:
            errors[key] = gettext("Given more than once.")
            continue
        value = values[0]
        if key in choices:
            valid = value in choices[key]
        elif key == ArticleFilter.parameter_name:
            valid = value.isascii() and value.isdigit() and len(value) <= 10
        elif key == SectionFilter.parameter_name:
            valid = 0 < len(value) <= SECTION_MAX_LENGTH
        elif key == SEARCH:
            valid = len(value) <= QUERY_MAX_LENGTH
        elif key == ORDER:
            valid = bool(_ORDER_VALUE.fullmatch(value))
        else:
            errors[key] = gettext("Not a filter of this queue.")
            continue
        if not valid:
            errors[key] = gettext("Not a value this filter knows.")
    return errors


class QueueFinding(admin.ModelAdmin):
    """A queue's admin with filters, search, the moderator's own sections first and
    saved filters (``QueueAdmin`` builds on it). ``queue`` names the queue."""

    queue = ""

    class Media:
        css = {"all": ["moderation/queue-find.css"]}

    list_filter = [*QUEUE_FILTERS, SavedFilters]
    # The search box shows when there are search fields; the search itself is
    # get_search_results below.
    search_fields = ["body"]
    search_help_text = _(
        'Words in the comment; "a phrase", or, -without; @name: the comments of that reader. '
        "On PostgreSQL German word forms match too."
    )

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        """Best match first while searching (PostgreSQL); then the comments of the
        moderator's own sections; then the queue's order."""
        ranked = search_is_ranked(text=request.GET.get(SEARCH, ""), vendor=connections["default"].vendor)
        return [
            *([F(RANK).desc()] if ranked else []),
            _own_sections(request.user.pk).desc(),
            *queue_ordering(self.queue),
        ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return comments_search(queryset, text=search_term), False

    def get_urls(self) -> list[Any]:
        name = f"moderation_{self.model._meta.model_name}_savedfilter"
        return [
            path(
                "saved-filters/", self.admin_site.admin_view(self.saved_filter_add_view), name=f"{name}_add"
            ),
            path(
                "saved-filters/<int:saved_id>/delete/",
                self.admin_site.admin_view(self.saved_filter_delete_view),
                name=f"{name}_delete",
            ),
            *super().get_urls(),
        ]

    def _changelist_url(self) -> str:
        return reverse(f"admin:moderation_{self.model._meta.model_name}_changelist")

    def saved_filter_add_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        name, query = request.POST.get("name", ""), request.POST.get("query", "")
        errors = queue_query_errors(query)
        try:
            if errors:
                field, message = next(iter(errors.items()))
                raise DomainError(
                    gettext("The query string is not this queue's: %(field)s: %(message)s")
                    % {"field": field, "message": message},
                    code="invalid",
                    field="query",
                )
            saved = saved_filter_create(user=request.user, queue=self.queue, name=name, query=query)
        except DomainError as exc:
            return _refused(request, exc, self._changelist_url() + (f"?{query}" if not errors else ""))
        messages.success(request, gettext("Filter “%(name)s” saved.") % {"name": saved.name})
        return HttpResponseRedirect(self._changelist_url() + (f"?{query}" if query else ""))

    def saved_filter_delete_view(self, request: AuthenticatedHttpRequest, saved_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            name = saved_filter_delete(user=request.user, saved_id=saved_id, queue=self.queue)
        except DomainError as exc:
            return _refused(request, exc, self._changelist_url())
        messages.success(request, gettext("Filter “%(name)s” deleted.") % {"name": name})
        return HttpResponseRedirect(self._changelist_url())


def _refused(request: HttpRequest, exc: DomainError, back: str) -> HttpResponse:
    """A refusal: as JSON (4xx, naming the field) to a client that asks for it, else
    as a message on the queue page the moderator came from."""
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(exc.as_json(), status=exc.status_code)
    messages.error(request, exc.message)
    return HttpResponseRedirect(back)
