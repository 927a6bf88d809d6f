"""A small language guess for German and English comments (stop-word counts).

The model keeps one classifier per language: English training data (mostly
offensive tweets) must not pull the German weights, base rate, calibration or
thresholds towards its own, and the other way round."""

import re

_WORD = re.compile(r"\w+")
LANGUAGES = ("de", "en")
GERMAN = frozenset(
    "der die das und ist nicht ich du sie er es wir ihr ein eine einen dem den des zu mit auf für von "
    "auch sich noch wie aber wenn nur so schon was hat sind war bei aus oder mal kein keine jetzt doch "
    "hier dann mir mich dich uns euch wer wird werden haben kann muss man diese dieser als nach über "
    "im am um ja nein nichts alle alles immer mehr sehr gibt geht wieder heute seit sein seine ihre ihm ihn "
    "denn weil dass daß ob gegen ohne unter vor zum zur vom beim bis durch wo warum endlich "
    "einfach gut in an danke bitte gerne echt gute guten schön tag tage jahr jahre leute menschen "
    "deutschen deutschland land stadt frau mann kinder zeit morgen neue neuen einem einer diesen "
    "diejenigen unsere unser euer dort nie viel viele wieso weshalb natürlich".split()
)
ENGLISH = frozenset(
    "the and is are not you he she it we they a an of to in on for with at by from this that these "
    "those be been was were have has had do does did but if or so what who will would can could should "
    "my your his her their our me him them just like get got don u ur all no yes when how why "
    "there here out up about then than now dont cant aint ain thats yall ya lol lmao rt gonna wanna "
    "bout da dat dis wit tho bitch bitches hoe hoes nigga niggas fuck shit ass "
    "i im ive id ill youre its isnt wasnt dont didnt doesnt wont one another some any every over "
    "because cause back still only very really never always know want need love hate think say said "
    "good bad new old people man's happy birthday day night today tomorrow time year thanks thank "
    "please hey yo haha smh omg wtf fucking fuckin fucked pussy faggot faggots fag fags nigger niggers "
    "retard retarded trash queer whore slut cunt dick damn hell yeah yes nah gotta lil boy boys girl "
    "girls guy guys".split()
)


def detect_language(text: str) -> str:
    """``"de"`` or ``"en"`` for a normalised (lower-case) text; German when in doubt."""
    german = english = 0
    for word in _WORD.findall(text):
        german += word in GERMAN or any(letter in word for letter in "äöüß")
        english += word in ENGLISH
    return "en" if english > german else "de"
