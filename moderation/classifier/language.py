"""A small language guess for German and English comments (stop-word counts), so
that one model can learn what differs between the two: base rates above all."""

import re

from moderation.classifier.lexicon import lexicon_tokens

_WORD = re.compile(r"\w+")
GERMAN = frozenset(
    "der die das und ist nicht ich du sie er es wir ihr ein eine einen dem den des zu mit auf für von "
    "auch sich noch wie aber wenn nur so schon was hat sind war bei aus oder mal kein keine jetzt doch "
    "hier dann mir mich dich uns euch wer wird werden haben kann muss man diese dieser als nach über "
    "im am um ja nein nichts alle alles immer mehr sehr gibt geht wieder heute seit sein seine ihre ihm ihn "
    "denn weil dass daß ob gegen ohne unter vor zum zur vom beim bis durch wo warum endlich "
    "einfach gut".split()
)
ENGLISH = frozenset(
    "the and is are not you he she it we they a an of to in on for with at by from this that these "
    "those be been was were have has had do does did but if or so what who will would can could should "
    "my your his her their our me him them just like get got don u ur all no yes when how why "
    "there here out up about then than now dont cant aint ain thats yall ya lol lmao rt gonna wanna "
    "bout da dat dis wit tho bitch bitches hoe hoes nigga niggas fuck shit ass".split()
)


def detect_language(text: str) -> str:
    """``"de"`` or ``"en"`` for a normalised (lower-case) text; German when in doubt."""
    german = english = 0
    for word in _WORD.findall(text):
        german += word in GERMAN or any(letter in word for letter in "äöüß")
        english += word in ENGLISH
    return "en" if english > german else "de"


def language_tokens(text: str) -> list[str]:
    """The analyzer of the language feature: one token, ``lang:de`` or ``lang:en``."""
    return [f"lang:{detect_language(text)}"]


class Analyzer:
    """Turns a normalised text into feature tokens prefixed with its language
    (``de:idiot``, ``en:idiot``): German and English words, n-grams and lexicon hits
    get columns, weights and Naive-Bayes ratios of their own, so the English data
    cannot pull the German weights (and base rate) towards its own, and the other way
    round. One linear model over these columns is two language models in one.

    ``kind``: ``word`` (n-grams of ``\\w+`` tokens), ``char`` (character n-grams within
    words padded with a space, as scikit-learn's ``char_wb``), ``lexicon`` (one token
    per lexicon category hit) or ``language`` (one token: the language itself).
    """

    def __init__(self, kind: str, ngram_range: tuple[int, int] = (1, 1)) -> None:
        self.kind = kind
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))

    def __call__(self, text: str) -> list[str]:
        return self.tokens(text, detect_language(text))

    def tokens(self, text: str, language: str) -> list[str]:
        prefix = language + ":"
        if self.kind == "word":
            return [prefix + gram for gram in word_ngrams(_WORD.findall(text), self.ngram_range)]
        if self.kind == "char":
            return [prefix + gram for gram in char_ngrams(text, self.ngram_range)]
        if self.kind == "lexicon":
            return [prefix + token for token in lexicon_tokens(text)]
        return [prefix + "lang"]


def word_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    low, high = ngram_range
    grams = []
    for n in range(low, high + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    low, high = ngram_range
    grams = []
    for word in text.split():
        padded = f" {word} "
        for n in range(low, min(high, len(padded)) + 1):
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams
