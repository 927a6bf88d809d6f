"""What a moderator is shown of a score: the words and phrases that actually move
the decision, not every word with a positive weight.

The model shares each feature's contribution (value · weight, in calibrated
log-odds) out onto the words of the comment (``LeanScorer.explain``); this module
decides which of those words are worth a moderator's attention:

- nothing below ``SCORE_FLOOR``: on a comment the model finds harmless, the
  words with the largest weights are noise ("man", "sollte" on a 7 % comment);
- a word counts only from ``MIN_WEIGHT`` log-odds on (odds a third higher or more);
- adjacent words that count are one phrase ("dummer idiot"), and a function word
  between two of them belongs to it ("halt die fresse"); a phrase does not cross
  punctuation;
- a function word (``STOP_WORDS``) is never shown on its own nor at the edge of a
  phrase, only between words of meaning.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Below this P(offensive) a comment is explained by nothing.
SCORE_FLOOR = 0.2
# A word's contribution, in calibrated log-odds, from which it is shown.
MIN_WEIGHT = 0.3
# At most this many function words in a row join two words into one phrase.
MAX_BRIDGE = 2

# German and English function words: articles, pronouns, auxiliaries, modal verbs,
# prepositions, conjunctions and particles. Their weights come from which texts
# they happened to occur in, not from what they say.
STOP_WORDS = frozenset(
    """
    der die das den dem des ein eine einer eines einem einen kein keine keiner keinen
    keinem ich du er sie es wir ihr man mich dich sich uns euch mir dir ihm ihn ihnen
    mein dein sein unser euer meine deine seine ihre unsere eure
    dies diese dieser dieses diesen diesem jener jene jenes welche welcher welches
    bin bist ist sind seid war waren wäre wären sei hat hast habe haben hatte hatten
    hätte wird wirst werden wurde wurden würde würden kann kannst können konnte könnte
    muss musst müssen sollte sollten soll sollen will willst wollen darf dürfen mag
    und oder aber denn doch sondern als wie wenn weil dass ob auch noch schon nur so
    sehr mal ja nein nicht nichts hier da dort dann jetzt immer
    in im ins an am auf aus bei beim mit nach von vom vor zu zum zur für über unter
    um durch gegen ohne bis seit zwischen
    the a an this that these those some any no not
    i you he she it we they me him her us them my your his its our their
    am is are was were be been being have has had do does did will would shall
    should can could may might must
    and or but if then than as so because while of in on at by for with about into
    from to up down over under out off again there here
    """.split()
)

_EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")


@dataclass(frozen=True)
class Contribution:
    feature: str  # a word or a phrase of the comment (normalised)
    kind: str  # "word" or "phrase": its n-grams and lexicon hits added up
    weight: float  # its share of the (calibrated) log-odds of "offensive"

    def as_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "kind": self.kind, "weight": round(self.weight, 4)}


def explain_words(
    words: Sequence[str], weights: Sequence[float], *, score: float, top: int
) -> list[Contribution]:
    """The words and phrases of a comment worth showing, strongest first, at most
    ``top``. ``words`` are the comment's normalised, space-separated words (with
    their punctuation) and ``weights`` each word's contribution in calibrated
    log-odds; ``score`` is the comment's P(offensive). A phrase weighs what its
    words weigh together; the same word or phrase twice in a comment is shown once
    with both weights added."""
    if score < SCORE_FLOOR:
        return []
    bare = [_EDGE_PUNCTUATION.sub("", word) for word in words]
    phrases: dict[str, float] = {}
    for run in _runs(bare, words, weights):
        # Function words only inside a phrase: "dummer idiot", not "du bist ein dummer idiot".
        meaningful = [i for i in run if bare[i] not in STOP_WORDS]
        if not meaningful:
            continue
        shown = run[run.index(meaningful[0]) : run.index(meaningful[-1]) + 1]
        phrase = " ".join(bare[i] for i in shown)
        phrases[phrase] = phrases.get(phrase, 0.0) + sum(weights[i] for i in shown)
    ranked = [item for item in sorted(phrases.items(), key=lambda item: -item[1]) if item[1] >= MIN_WEIGHT]
    return [
        Contribution(feature=phrase, kind="phrase" if " " in phrase else "word", weight=weight)
        for phrase, weight in ranked[:top]
    ]


def _runs(bare: Sequence[str], words: Sequence[str], weights: Sequence[float]) -> list[list[int]]:
    """Indices of the words in each phrase: words of ``MIN_WEIGHT`` or more, joined
    with their neighbours that count and with up to ``MAX_BRIDGE`` function words
    between them (one that pulls the score down by ``MIN_WEIGHT`` or more does not
    join). Punctuation before or after a word ends the phrase. ``bare`` are the
    ``words`` without their punctuation."""
    runs: list[list[int]] = []
    run: list[int] = []
    bridge: list[int] = []
    for index, (word, stripped, weight) in enumerate(zip(words, bare, weights, strict=True)):
        if stripped and word[0] != stripped[0]:
            run, bridge = _close(runs, run), []  # punctuation before the word
        if stripped and weight >= MIN_WEIGHT:
            run = [*run, *bridge, index]
            bridge = []
        elif run and stripped in STOP_WORDS and weight > -MIN_WEIGHT and len(bridge) < MAX_BRIDGE:
            bridge.append(index)
        else:
            run, bridge = _close(runs, run), []  # a word that does not count, or a symbol
        if stripped and word[-1] != stripped[-1]:
            run, bridge = _close(runs, run), []  # punctuation after the word
    _close(runs, run)
    return runs


def _close(runs: list[list[int]], run: list[int]) -> list[int]:
    """Keep a finished phrase and start a new one."""
    if run:
        runs.append(run)
    return []
