"""The reasons of audit entries as a moderator reads them. The audit log keeps them
as written when the decision was made (English, the policy's rules joined with
"; ", a reject reason's code, a moderator's action); the admin shows them in its own
language. A reason this does not know is shown as it is."""

import re
from collections.abc import Callable

from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy, ngettext

from moderation.decisions import UNDO, Action, RejectReason

_FIXED = {
    "new account": gettext_lazy("new account"),
    "reader is pre-moderated": gettext_lazy("reader is pre-moderated"),
    "pre-moderated article": gettext_lazy("pre-moderated article"),
    "same text posted again": gettext_lazy("same text posted again"),
    "edited by its author": gettext_lazy("edited by its author"),
    "deleted by its author": gettext_lazy("deleted by its author"),
    "deleted with the account": gettext_lazy("deleted with the account"),
    UNDO: gettext_lazy("undone"),
    "trained and activated": gettext_lazy("trained and activated"),
    "no active model": gettext_lazy("no active model"),
}


def _number(text: str, decimals: int = 2) -> str:
    return number_format(float(text), decimals)


def _score_reject(m: re.Match[str]) -> str:
    text = gettext("score %(score)s ≥ reject threshold %(high)s") % {
        "score": _number(m["score"]),
        "high": _number(m["high"]),
    }
    return text + gettext(", automatic rejection off") if m["off"] else text


_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"score (?P<score>[\d.]+) ≥ reject threshold (?P<high>[\d.]+)(?P<off>, auto-reject off)?"),
        _score_reject,
    ),
    (
        re.compile(r"score (?P<score>[\d.]+) between (?P<low>[\d.]+) and (?P<high>[\d.]+)"),
        lambda m: (
            gettext("score %(score)s between %(low)s and %(high)s")
            % {"score": _number(m["score"]), "low": _number(m["low"]), "high": _number(m["high"])}
        ),
    ),
    (
        re.compile(r"score (?P<score>[\d.]+) < publish threshold (?P<low>[\d.]+)"),
        lambda m: (
            gettext("score %(score)s < publish threshold %(low)s")
            % {"score": _number(m["score"]), "low": _number(m["low"])}
        ),
    ),
    (
        re.compile(r"banned term (?P<term>'.*'|\".*\")"),
        lambda m: gettext("banned term %(term)s") % {"term": m["term"]},
    ),
    (
        re.compile(r"suspect term (?P<term>'.*'|\".*\")"),
        lambda m: gettext("suspect term %(term)s") % {"term": m["term"]},
    ),
    (
        re.compile(r"possible spam: (?P<signal>.+)"),
        lambda m: gettext("possible spam: %(signal)s") % {"signal": reason_text(m["signal"])},
    ),
    (
        re.compile(r"(?P<n>\d+) links"),
        lambda m: ngettext("%(n)d link", "%(n)d links", int(m["n"])) % {"n": int(m["n"])},
    ),
    (
        re.compile(r"(?P<n>\d+) comments within a minute"),
        lambda m: (
            ngettext("%(n)d comment within a minute", "%(n)d comments within a minute", int(m["n"]))
            % {"n": int(m["n"])}
        ),
    ),
    (
        re.compile(r"reported (?P<n>\d+) times"),
        lambda m: ngettext("reported %(n)d time", "reported %(n)d times", int(m["n"])) % {"n": int(m["n"])},
    ),
    (
        re.compile(r"not scored within (?P<n>\d+) seconds"),
        lambda m: gettext("not scored within %(n)s seconds") % {"n": m["n"]},
    ),
    (
        re.compile(r"could not be scored in (?P<n>\d+) attempts(?P<error>: .*)?", re.DOTALL),
        lambda m: gettext("could not be scored in %(n)s attempts") % {"n": m["n"]} + (m["error"] or ""),
    ),
    (
        re.compile(r"retrained and promoted: (?P<why>.+)"),
        lambda m: gettext("retrained and promoted: %(why)s") % {"why": _one(m["why"])},
    ),
    (
        # The figures compared are metric names and numbers, the same in every language.
        re.compile(r"challenger not worse than champion: (?P<figures>.+)"),
        lambda m: gettext("challenger not worse than champion: %(figures)s") % {"figures": m["figures"]},
    ),
    (
        re.compile(
            r"thresholds for (?P<share>[\d.]+) % offensive comments \(the site's mix, "
            r"estimated (?P<estimate>[\d.]+) % from (?P<n>\d+) scored comments\)"
        ),
        lambda m: (
            ngettext(
                "thresholds for %(share)s %% offensive comments (the site's mix, estimated %(estimate)s %% "
                "from %(n)d scored comment)",
                "thresholds for %(share)s %% offensive comments (the site's mix, estimated %(estimate)s %% "
                "from %(n)d scored comments)",
                int(m["n"]),
            )
            % {"share": _number(m["share"], 0), "estimate": _number(m["estimate"], 1), "n": int(m["n"])}
        ),
    ),
    (
        re.compile(r"(?P<action>\w+) refused"),
        lambda m: gettext("%(action)s refused") % {"action": _action_label(m["action"])},
    ),
]


def _action_label(value: str) -> str:
    return str(Action(value).label) if value in Action.values else value


def _one(reason: str) -> str:
    if reason in _FIXED:
        return str(_FIXED[reason])
    if reason in RejectReason.values:
        return str(RejectReason(reason).label)
    if reason in Action.values:
        return _action_label(reason)
    for pattern, text in _PATTERNS:
        match = pattern.fullmatch(reason)
        if match:
            return text(match)
    return reason


def reason_text(reason: str) -> str:
    """``reason`` in the current language: each of the rules joined with "; "."""
    return "; ".join(_one(part) for part in reason.split("; ")) if reason else reason
