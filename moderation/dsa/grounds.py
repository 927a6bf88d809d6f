"""The grounds a restriction or a notice rests on, and how each is named in the EU
Transparency Database (DSA Art. 24(5)).

Two kinds of ground (Art. 17(3)(d) and (e)): a provision of German criminal law the
content is illegal under, or a rule of the site's terms (its Netiquette) the content
breaks. The legal grounds are the offences a German comment section meets most,
the ones the former NetzDG §1(3) listed as typical of social media; each maps to the
database's category and keyword. The terms grounds are the moderators' reject reasons.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class LegalGround:
    code: str
    label: Promise
    category: str
    keyword: str = ""
    # Art. 16(2)(c): for offences against children's sexual integrity a notifier
    # need not give their name and email.
    anonymous_notice_allowed: bool = False


_SPEECH = "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
_VIOLENCE = "STATEMENT_CATEGORY_VIOLENCE"
_SECURITY = "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY"
_PRIVACY = "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS"
_MINORS = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"

LEGAL_GROUNDS: dict[str, LegalGround] = {
    ground.code: ground
    for ground in (
        LegalGround(
            "stgb_86a",
            _("§ 86a StGB: symbols of unconstitutional organisations"),
            _SECURITY,
            "KEYWORD_ILLEGAL_ORGANIZATIONS",
        ),
        LegalGround(
            "stgb_111",
            _("§ 111 StGB: public incitement to crime"),
            _VIOLENCE,
            "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
        ),
        LegalGround(
            "stgb_126",
            _("§ 126 StGB: disturbing the peace by threatening crimes"),
            _VIOLENCE,
            "KEYWORD_COORDINATED_HARM",
        ),
        LegalGround(
            "stgb_130",
            _("§ 130 StGB: incitement to hatred (Volksverhetzung)"),
            _SPEECH,
            "KEYWORD_HATE_SPEECH",
        ),
        LegalGround(
            "stgb_131",
            _("§ 131 StGB: depiction of violence"),
            _VIOLENCE,
            "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
        ),
        LegalGround(
            "stgb_140",
            _("§ 140 StGB: rewarding and approving of crimes"),
            _VIOLENCE,
            "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
        ),
        LegalGround("stgb_166", _("§ 166 StGB: defamation of religions"), _SPEECH, "KEYWORD_DISCRIMINATION"),
        LegalGround(
            "stgb_184b",
            _("§ 184b StGB: child sexual abuse material"),
            _MINORS,
            "",
            anonymous_notice_allowed=True,
        ),
        LegalGround("stgb_185", _("§ 185 StGB: insult (Beleidigung)"), _SPEECH, "KEYWORD_DEFAMATION"),
        LegalGround("stgb_186", _("§ 186 StGB: defamation (üble Nachrede)"), _SPEECH, "KEYWORD_DEFAMATION"),
        LegalGround("stgb_187", _("§ 187 StGB: calumny (Verleumdung)"), _SPEECH, "KEYWORD_DEFAMATION"),
        LegalGround(
            "stgb_188",
            _("§ 188 StGB: insult, defamation or calumny of persons in political life"),
            _SPEECH,
            "KEYWORD_DEFAMATION",
        ),
        LegalGround(
            "stgb_201a", _("§ 201a StGB: violation of intimate privacy by taking photographs"), _PRIVACY, ""
        ),
        LegalGround("stgb_241", _("§ 241 StGB: threat (Bedrohung)"), _VIOLENCE, "KEYWORD_CYBER_HARASSMENT"),
        LegalGround("other", _("Other provision (named in the explanation)"), _SPEECH, ""),
    )
}


@dataclass(frozen=True)
class TermsGround:
    code: str
    label: Promise
    category: str


_TC = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"

# The moderators' reject reasons (moderation.decisions.RejectReason) as rules of the
# Netiquette; "model" is the classifier's own rejection, before any human looked.
TERMS_GROUNDS: dict[str, TermsGround] = {
    ground.code: ground
    for ground in (
        TermsGround("insult", _("Netiquette: insults and personal attacks"), _SPEECH),
        TermsGround("threat", _("Netiquette: threats and calls for violence"), _VIOLENCE),
        TermsGround("hate", _("Netiquette: hate against groups of people"), _SPEECH),
        TermsGround("profanity", _("Netiquette: vulgar language"), _TC),
        TermsGround("spam", _("Netiquette: advertising and spam"), "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"),
        TermsGround("off_topic", _("Netiquette: off-topic comments"), _TC),
        TermsGround("duplicate", _("Netiquette: repeated comments"), _TC),
        TermsGround("other", _("Netiquette: other breach of the discussion rules"), _TC),
        TermsGround("model", _("Netiquette: offensive language (recognised automatically)"), _SPEECH),
        TermsGround("account", _("Netiquette: repeated or serious breaches by the account"), _TC),
    )
}


def legal_ground(code: str) -> LegalGround:
    """The legal ground of this code; "other" for a code that is no longer listed."""
    return LEGAL_GROUNDS.get(code, LEGAL_GROUNDS["other"])


def terms_ground(code: str) -> TermsGround:
    """The terms ground of this code; "other" for a code that is no longer listed."""
    return TERMS_GROUNDS.get(code, TERMS_GROUNDS["other"])
