"""Reply understanding: the intent of a text a lead sends (SMS, WhatsApp, e-mail, Telegram), by rules.

Pure functions, stdlib only, no I/O, no clock. Every decision is explainable: :func:`classify` returns
the cues (named rules and the fragment of the text each one matched) that the intent was decided on.
The "hot" intents feed the HotLead24h alert ("réponse entrante <24h + intention détectée");
``unsubscribe`` feeds the opt-out, ``out_of_office`` defers the next follow-up to the return date.

How a text is read
------------------
1. **Normalisation** (:func:`normalize`): lower case, accents stripped (``é`` -> ``e``, ``ç`` -> ``c``,
   ``œ`` -> ``oe``), typographic apostrophes to ``'``, dashes to ``-`` and then to a space unless
   between two digits (``rappelez-moi`` -> ``rappelez moi``, ``12-08-2026`` kept), a letter repeated
   more than twice cut to two (``ouiiii`` -> ``ouii``, ``OOO`` -> ``oo``), whitespace collapsed to one
   space. Digits and punctuation are kept.
2. **Rules** match on word boundaries in the normalised text. Each rule is named ``<lang>:<phrase>``
   (``fr:rappelez-moi``, ``en:book a call``); ``sms:`` rules are carrier keywords and ``any:`` rules
   are language-neutral. In a rule's phrase an apostrophe is optional (``ca minteresse``,
   ``lets talk``) and words may be glued (``rendezvous``). A cue's ``matched`` is the fragment *of the
   original text* (original case, accents and punctuation) that the rule matched.
3. **Overlaps**: when two matches overlap, the longer one is kept (then the heavier), so
   ``ça ne m'intéresse pas`` is one not-interested cue, not also an interested one.
4. **Negation**: a positive cue (interested, meeting request, question) is negated when, in the same
   clause (clauses end at ``. , ; : ! ?`` and at ``mais``/``but``/``sinon``...), one of the three words
   before it is a negator (``pas``, ``non``, ``jamais``, ``aucun``, ``not``, ``no``, ``never``,
   ``don't``..., and ``plus`` after a ``ne``), or when a ``ne``/``n'`` precedes it and ``pas``/
   ``plus``/``jamais``/``rien`` is among the two words after it (``ça ne m'intéresse vraiment pas``).
   Idioms that are not negations are ignored (``pourquoi pas``, ``pas de souci``, ``pas mal``,
   ``pas contre``, ``n'hésitez pas``, ``no problem``, ``don't hesitate``). English ``dont`` without its
   apostrophe negates English cues only (in French it is a relative pronoun). The choice: a negated
   *interested* cue becomes a ``not_interested`` cue named ``not:<rule>`` whose fragment runs from the
   negator (``pas vraiment intéressé``); a negated *meeting request* or *question* cue is dropped,
   because "je ne suis pas dispo demain" refuses a slot, not the offer.
5. **Keyword-only SMS** (the opt-out words of :data:`maxcore.rules.keywords.OPT_OUT_WORDS`: ``STOP``,
   ``STOPALL``, ``END``, ``QUIT``, ``CANCEL``, ``OPTOUT``, ``REVOKE``, ``UNSUBSCRIBE``, ``ARRET``,
   ``STOP SMS``, and their usual variants; and ``non``/``no`` for not interested) count only when
   they are the whole message, give or take punctuation, emoji and one politeness word (``STOP merci``,
   ``Stop svp``): ``non stop`` and ``je ne peux pas stopper ma commande`` are no opt-out.

Scoring
-------
Each rule counts at most once per text; an intent's score is the sum of its cues' weights (5: carrier
keyword, 4: explicit opt-out or auto-reply phrase, 3: explicit phrase, 2: usual word, 1: weak hint
such as a final ``?`` or ``ok``). The candidate is the first intent with a cue in the order
unsubscribe > out_of_office > not_interested > meeting_request > interested > question; a lower intent
replaces it only when its score is at least twice the candidate's and at least 2 points more (the
highest such score wins, ties by that order), and nothing outvotes an unsubscribe (an opt-out is always
honoured). No cue at all (empty, emoji-only or unrelated text) is ``neutral`` with confidence 0.

``confidence = strength × (0.5 + 0.5 × margin)`` where ``strength = 1 - 0.5 ** (score / 2)`` (every
2 points halve the remaining doubt) and ``margin = max(0, score - runner_up) / score``, the runner-up
being the best score of any other intent; rounded to two decimals.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from maxcore.models.intent import HOT_INTENTS, Intent
from maxcore.rules.contact import fold
from maxcore.rules.keywords import OPT_OUT_WORDS

__all__ = [
    "PRECEDENCE",
    "Classification",
    "Cue",
    "classify",
    "normalize",
]


PRECEDENCE: tuple[Intent, ...] = (
    Intent.UNSUBSCRIBE,
    Intent.OUT_OF_OFFICE,
    Intent.NOT_INTERESTED,
    Intent.MEETING_REQUEST,
    Intent.INTERESTED,
    Intent.QUESTION,
)
"""The order in which intents with cues are considered, strongest claim first."""


@dataclass(frozen=True)
class Cue:
    """One piece of evidence: a rule that matched the text.

    Attributes
    ----------
    intent
        The intent the cue speaks for (``not_interested`` for a negated interested cue).
    pattern
        The rule's name, ``<lang>:<phrase>`` (``fr:rappelez-moi``, ``en:book a call``, ``sms:STOP``,
        ``any:?``), prefixed with ``not:`` when a negation turned it around.
    matched
        The fragment of the original text that matched, with its case, accents and punctuation.
    weight
        The rule's weight, 1 (weak hint) to 5 (carrier keyword).
    """

    intent: Intent
    pattern: str
    matched: str
    weight: int


@dataclass(frozen=True)
class Classification:
    """The intent of a reply and why.

    Attributes
    ----------
    intent
        The decided intent.
    hot
        True exactly for ``interested``, ``meeting_request`` and ``question``.
    confidence
        0 to 1, from the winning score and its margin over the runner-up (0 for ``neutral``).
    cues
        Every cue found, strongest first (by weight, then position in the text).
    return_date
        For ``out_of_office`` only: the return date written in the text, if any.
    language
        ``"fr"`` or ``"en"`` when the cues' weights lean to one language, else None.
    automatic
        The text is an automatic answer (an auto-acknowledgement, a delivery receipt), not a person:
        it counts as no reply.
    every_channel
        For ``unsubscribe`` only: the text asks to stop on every channel, not only the one it came on.
    """

    intent: Intent
    hot: bool
    confidence: float
    cues: tuple[Cue, ...]
    return_date: date | None = None
    language: str | None = None
    automatic: bool = False
    every_channel: bool = False

    def to_dict(self) -> dict[str, object]:
        """Return the classification as JSON-friendly values (enum values, ISO date)."""
        return {
            "intent": self.intent.value,
            "hot": self.hot,
            "confidence": self.confidence,
            "cues": [
                {"intent": c.intent.value, "pattern": c.pattern, "matched": c.matched, "weight": c.weight}
                for c in self.cues
            ],
            "return_date": self.return_date.isoformat() if self.return_date else None,
            "language": self.language,
            "automatic": self.automatic,
            "every_channel": self.every_channel,
        }


# --------------------------------------------------------------------------------------------------
# Normalisation

_APOSTROPHES = frozenset("’‘ʼ`´′＇")
_DASHES = frozenset("‐‑‒–—―−")
_LIGATURES = {"œ": "oe", "æ": "ae"}


def _normalize_with_origin(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Return the normalised text and, for each of its characters, the span of ``text`` it comes from.

    A letter kept for a run of repeated letters spans the whole run, so a fragment of the normalised
    text maps back to everything it stands for (``oo`` to ``OOO``).
    """
    chars: list[tuple[str, int]] = []
    for index, char in enumerate(text):
        if char in _APOSTROPHES:
            folded = "'"
        elif char in _DASHES:
            folded = "-"
        elif char.isspace():
            folded = " "
        else:
            folded = fold(char)
            folded = _LIGATURES.get(folded, folded)
        chars.extend((c, index) for c in folded)

    out: list[str] = []
    spans: list[tuple[int, int]] = []
    for position, (char, index) in enumerate(chars):
        if char == "-":
            before = chars[position - 1][0] if position > 0 else ""
            after = chars[position + 1][0] if position + 1 < len(chars) else ""
            if not (before.isdigit() and after.isdigit()):
                char = " "
        if char.isspace():
            if not out or out[-1] == " ":
                continue
            char = " "
        elif char.isalpha() and len(out) >= 2 and out[-1] == char and out[-2] == char:
            spans[-1] = (spans[-1][0], index + 1)
            continue
        out.append(char)
        spans.append((index, index + 1))
    if out and out[-1] == " ":
        out.pop()
        spans.pop()
    return "".join(out), spans


def normalize(text: str) -> str:
    """Return ``text`` as the rules read it.

    Parameters
    ----------
    text
        A message as received.

    Returns
    -------
    str
        Lower case, no accents, ``'`` apostrophes, dashes as spaces except between digits, letters
        repeated at most twice, single spaces, no leading or trailing space.
    """
    return _normalize_with_origin(text)[0]


# --------------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class _Rule:
    intent: Intent
    name: str
    regex: re.Pattern[str]
    weight: int
    whole: bool = False
    """Keyword-only: the regex matches the whole message and its ``kw`` group is the cue."""

    @property
    def negatable(self) -> bool:
        return self.intent in HOT_INTENTS and self.name != "any:?"


def _phrase(pattern: str) -> re.Pattern[str]:
    """Compile a rule phrase: ``'`` is optional, a space is any (or no) whitespace, word boundaries."""
    body = pattern.replace("'", r"['\s]?").replace(" ", r"\s*")
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


_POLITE = r"(?:merci|mrc|svp|stp|please|pls|plz|thanks|thank you|thx|ty)"


def _whole(keyword: str) -> re.Pattern[str]:
    """Compile a keyword that must be the whole message, give or take punctuation and politeness."""
    return re.compile(
        rf"^[^a-z0-9]*(?:{_POLITE}[^a-z0-9]+)?(?P<kw>{keyword})(?:[^a-z0-9]+{_POLITE})?[^a-z0-9]*$"
    )


_U, _O, _N = Intent.UNSUBSCRIBE, Intent.OUT_OF_OFFICE, Intent.NOT_INTERESTED
_M, _I, _Q = Intent.MEETING_REQUEST, Intent.INTERESTED, Intent.QUESTION

_WEEKDAY = (
    r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
)
_DAY = (
    rf"(?:{_WEEKDAY}|demain|apres demain|aujourd'hui|ce matin|ce midi|cet apres midi|ce soir"
    r"|tomorrow|today|tonight|this morning|this afternoon)"
)
_TIME = (
    r"(?:(?:[01]?\d|2[0-3]) ?(?:h|heures?)(?: ?[0-5]\d)?|(?:[01]?\d|2[0-3]):[0-5]\d"
    r"|(?:1[0-2]|0?[1-9])(?::[0-5]\d)? ?(?:am|pm))"
)
_INTERESS = r"inter{1,2}es{1,2}"  # intéressé, interessé, intérésé, interresse...

# (intent, name, phrase, weight) for ordinary rules, matched anywhere on word boundaries.
_PHRASES: tuple[tuple[Intent, str, str, int], ...] = (
    # --- unsubscribe
    (_U, "fr:stop sms", r"stop (?:sms|mails?|e mails?|emails?|pub|messages?|relances?)", 4),
    (_U, "fr:desinscrire", r"des ?inscri\w*", 4),
    (_U, "fr:desabonner", r"des ?abon{1,2}\w*", 4),
    (
        _U,
        "fr:ne plus recevoir",
        r"(?:ne|n') (?:veux |voulons |souhaite |souhaitons |desire |desirons )?plus "
        r"(?:recevoir|etre (?:contacte|sollicite|relance|appele)\w*)",
        4,
    ),
    (
        _U,
        "fr:retirez-moi",
        r"(?:retire[rz]?|supprime[rz]?|enleve[rz]?|efface[rz]?) "
        r"(?:moi|mes (?:coordonnees|donnees|infos|informations)|mon (?:numero|contact|adresse|e ?mail))"
        r"|retire[rz]? (?:moi )?de (?:vos|votre|la|cette) (?:listes?|fichiers?|base|mailing)",
        4,
    ),
    (
        _U,
        "fr:ne me contactez plus",
        r"ne (?:me |m')(?:contacte[rz]?|recontacte[rz]?|ecri(?:ve[rz]?|re)|ap{1,2}el{1,2}e[rz]?"
        r"|rap{1,2}el{1,2}e[rz]?|sollicite[rz]?|relance[rz]?|envoye[rz]?|derange[rz]?|spamme[rz]?)"
        r"(?: \w+){0,2} plus"
        r"|ne plus me (?:contacter|recontacter|ecrire|ap{1,2}el{1,2}er|rap{1,2}el{1,2}er|solliciter"
        r"|relancer|deranger|envoyer)",
        4,
    ),
    (
        _U,
        "fr:arretez",
        r"ar{1,2}etez|ar{1,2}ete[rz]? de (?:me |m'|nous )"
        r"(?:ecrire|contacter|appeler|envoyer|spammer|harceler|relancer|solliciter|deranger)",
        4,
    ),
    (_U, "fr:laissez-moi tranquille", r"laisse[rz]? moi tranquille|fiche[rz]? moi la paix", 4),
    (_U, "en:unsubscribe", r"unsubscribe\w*|unsub", 4),
    (
        _U,
        "en:remove me",
        r"remove me|delete me|take me off|remove (?:my|our) (?:details|number|email|address|data|contact)",
        4,
    ),
    (_U, "en:opt out", r"opt ?out|opting out", 4),
    (
        _U,
        "en:stop contacting me",
        r"stop (?:contacting|messaging|texting|emailing|e mailing|mailing|calling|sending|spamming"
        r"|bothering|harassing)",
        4,
    ),
    (
        _U,
        "en:do not contact me",
        r"(?:do not|don't|never) (?:contact|email|e mail|text|message|call) (?:me|us)|leave me alone",
        4,
    ),
    # --- out of office
    (_O, "fr:absent", r"absente?s?", 3),
    (_O, "fr:en conges", r"en conges?", 3),
    (_O, "fr:en vacances", r"en vacances?", 3),
    (
        _O,
        "fr:de retour le",
        rf"(?:serai|sera|serons|serez) de retour|de retour (?:le|la semaine|au bureau|a partir|des"
        rf"|debut|fin|{_WEEKDAY}|\d)",
        3,
    ),
    (_O, "fr:reponse automatique", r"(?:reponse|message|mail|e mail|email|courriel) automatique", 4),
    (_O, "fr:hors du bureau", r"hors (?:du )?bureau|en dehors du bureau", 3),
    (_O, "fr:en deplacement", r"en deplacement", 1),
    (_O, "en:out of office", r"out of (?:the )?office", 4),
    (_O, "en:OOO", r"oo", 4),
    (_O, "en:auto-reply", r"auto ?reply|autoreply|auto ?response|automatic (?:reply|response|message)", 4),
    (
        _O,
        "en:on leave",
        r"on (?:annual |parental |maternity |paternity |sick |medical )?leave",
        3,
    ),
    (_O, "en:on vacation", r"on (?:vacation|holidays?|pto|sabbatical)", 3),
    (
        _O,
        "en:currently away",
        r"(?:currently|presently) (?:away|out)|(?:i am|i'm|i will be|i'll be) away"
        r"|away from (?:the|my) (?:office|desk)",
        3,
    ),
    (
        _O,
        "en:back on",
        r"(?:will|i'll|shall) be back|back (?:on|in the office|in office|at work|at my desk)"
        r"|returning (?:on|to the office)",
        2,
    ),
    (_O, "en:limited access", r"limited access to|no access to (?:my )?e ?mails?", 2),
    # --- not interested
    (
        _N,
        "fr:pas interesse",
        rf"pas (?:du tout |vraiment |tres |trop |plus |encore )?{_INTERESS}ee?s?",
        3,
    ),
    (
        _N,
        "fr:ca ne m'interesse pas",
        rf"(?:(?:ca|sa|cela) )?(?:ne |n')?m'{_INTERESS}e "
        r"(?:pas|plus|vraiment pas|absolument pas|pas du tout|guere)",
        3,
    ),
    (_N, "fr:non merci", r"(?:non|nan|no) (?:merci|mrc|mci)", 3),
    (
        _N,
        "fr:pas le moment",
        r"pas (?:pour |en )?(?:le|ce) moment|pas (?:pour )?l'instant|pas maintenant|pas cette annee"
        r"|pas pour (?:nous|moi)",
        3,
    ),
    (
        _N,
        "fr:deja un prestataire",
        r"deja (?:un|une|des|notre|nos|mon|ma|mes|son|sa|leur) (?:\w+ )?"
        r"(?:prestataires?|fournisseurs?|solutions?|partenaires?|outils?|crm|agences?|logiciels?|contrats?)",
        3,
    ),
    (_N, "fr:pas besoin", r"(?:pas|aucun|plus|nul) (?:de )?besoin|aucun interet|sans interet", 3),
    (_N, "fr:pas donner suite", r"(?:ne|n') (?:\w+ ){0,2}pas (?:donner )?suite|pas la peine", 3),
    (
        _N,
        "en:not interested",
        r"(?:not|no longer|never) (?:really |very |that |at all |currently )?inte?re?st?ed"
        r"|uninterested|no interest",
        3,
    ),
    (_N, "en:no thanks", r"no (?:thanks|thank you|thank u|thx|ty)|nah thanks", 3),
    (
        _N,
        "en:not now",
        r"not (?:right )?now|not at (?:the|this) (?:moment|time)|not this (?:year|quarter)"
        r"|not for (?:us|me)|not a (?:good )?fit",
        3,
    ),
    (
        _N,
        "en:already have a provider",
        r"already (?:have|got|use|using|work with|working with|signed with|partnered with) "
        r"(?:a |an |one |our |my |their |another )?(?:\w+ )?"
        r"(?:providers?|suppliers?|vendors?|solutions?|partners?|agency|agencies|tools?|crm|contracts?"
        r"|services?)",
        3,
    ),
    (
        _N,
        "en:no need",
        r"no need|(?:don't|do not) need|not needed|(?:i'll|we'll|i will|we will) pass|pass on this",
        3,
    ),
    # --- meeting request
    (
        _M,
        "fr:rappelez-moi",
        r"rap{1,2}el{1,2}(?:e|ez|er|es)? moi|me rap{1,2}el{1,2}e[rz]",
        3,
    ),
    (
        _M,
        "fr:appelez-moi",
        r"ap{1,2}el{1,2}(?:e|ez|er|es)? moi|m'ap{1,2}el{1,2}er|telephone[rz]? moi|me telephoner|tel moi"
        r"|me joindre|me contacter",
        3,
    ),
    (_M, "fr:rdv", r"r\.?d\.?v|rendez vous", 3),
    (
        _M,
        "fr:prendre rendez-vous",
        r"(?:prendre|fixer|caler|planifier|organiser|programmer|poser|convenir d') "
        r"(?:un |une |le |la )?(?:rdv|rendez vous|creneau|appel|call|visio|reunion|meeting|demo"
        r"|entretien|echange)",
        3,
    ),
    (
        _M,
        "fr:on peut se voir",
        r"(?:on|qu'on|nous) (?:peut |pourrait |pourra |pourrions |pouvons |devrait )?"
        r"(?:se voir|se rencontrer|se parler|se capter|s'appeler|s'appelle|en parler|en discuter)"
        r"|(?:peut|pourrait) on (?:se voir|se rencontrer|se parler|s'appeler|en parler|en discuter)"
        r"|se voir|se rencontrer",
        3,
    ),
    (
        _M,
        "fr:quand etes-vous dispo",
        r"quand (?:etes|seriez|serez|es|seras) (?:vous|tu|vs) (?:dispos?|disponibles?|libres?)"
        r"|quand (?:peut on|pourrait on|pouvons nous|on peut|pourrions nous) "
        r"(?:se voir|se parler|s'appeler|en parler|echanger)"
        r"|quand (?:vous voulez|tu veux|vous le souhaitez|ca vous arrange)",
        3,
    ),
    (
        _M,
        "fr:dispo",
        r"dispos?|disponibilites?"
        r"|(?:suis|sommes|etes|es|serai|serais|serons|seriez|seras|serez) (?:vous |tu |nous )?disponibles?"
        rf"|disponibles? (?:pour|cette|la semaine|ce|le|{_DAY})",
        2,
    ),
    (
        _M,
        "fr:un appel",
        r"(?:un|une|petit|petite|ptit) (?:petit |petite |rapide |court |courte )?"
        r"(?:appel|call|coup de (?:fil|tel|telephone)|echange|reunion|meeting|entretien|creneau)"
        r"|par (?:tel|telephone|visio|teams|zoom)|au (?:tel|telephone)",
        2,
    ),
    (_M, "fr:visio", r"visio\w*|demo|demonstration", 2),
    (
        _M,
        "fr:ca vous va",
        r"(?:ca|cela|sa) (?:vous|vs|te) (?:va|irait|convient|conviendrait|dit|arrange)"
        r"|(?:vous|te) (?:convient|conviendrait|arrange|arrangerait)",
        2,
    ),
    (_M, "any:day+time", rf"{_DAY} (?:a |vers |at |around |des )?{_TIME}|(?:a|vers|at|around) {_TIME}", 2),
    (
        _M,
        "en:call me",
        r"call me(?: back)?|give (?:me|us) a (?:call|ring|buzz)|ring me|phone me|call back"
        r"|reach me (?:at|on)",
        3,
    ),
    (
        _M,
        "en:book a call",
        r"book (?:a |an |some |in )?(?:\w+ )?(?:call|meeting|demo|time|slot|appointment|chat)",
        3,
    ),
    (
        _M,
        "en:schedule a meeting",
        r"(?:schedule|set up|setup|arrange|organi[sz]e|plan|hop on|jump on|get on|have) "
        r"(?:a |an |some )?(?:\w+ )?(?:call|meeting|demo|appointment|chat|time to (?:talk|chat|meet))",
        3,
    ),
    (
        _M,
        "en:let's talk",
        r"let's (?:talk|chat|connect|meet|discuss|speak|catch up|do a call|set something up|find a time)"
        r"|talk soon|speak soon",
        3,
    ),
    (
        _M,
        "en:when are you free",
        r"when (?:are|would|will) you (?:be )?(?:free|available|around)|what time (?:works|suits|is good)"
        r"|when (?:works|suits) (?:for )?you|(?:does|would|will) (?:\w+ ){1,2}(?:work|suit) (?:for )?you"
        r"|works for you",
        3,
    ),
    (
        _M,
        "en:meet",
        r"meet(?:ing|ings|up)?|appointment|(?:a|quick|phone|video|zoom) call|a demo|catch up",
        2,
    ),
    (
        _M,
        "en:available",
        r"(?:i'm|i am|we're|we are|i'll be|i will be|i'd be) (?:available|free)|availability"
        rf"|available (?:on|next|this|{_DAY})|free to (?:talk|chat|meet)",
        2,
    ),
    # --- interested
    (_I, "fr:ca m'interesse", rf"(?:(?:ca|sa|cela|ceci) )?m'{_INTERESS}e(?:rait|nt)?", 3),
    (_I, "fr:interesse", rf"{_INTERESS}ee?s?", 3),
    (_I, "fr:interessant", rf"{_INTERESS}ante?s?", 2),
    (_I, "fr:partant", r"partante?s?", 3),
    (_I, "fr:oui", r"ou{1,2}i{1,2}|ouais|ouai|ouep", 2),
    (_I, "fr:d'accord", r"d'accord|dac{1,2}(?:ord)?|dak|ca marche|ca roule", 2),
    (_I, "fr:ca me va", r"(?:ca|cela|sa) me (?:va|convient|dit|plait|tente|parle)", 2),
    (_I, "fr:avec plaisir", r"avec plaisir|volontiers|je veux bien|carrement|bonne idee", 2),
    (_I, "fr:pourquoi pas", r"pourquoi pas|pas contre", 2),
    (
        _I,
        "fr:en savoir plus",
        r"en savoir (?:plus|davantage)|plus d'inf?os?|plus d'informations?"
        r"|plus de (?:details|precisions|renseignements)|(?:la|votre|une|vos) (?:doc|documentation|brochure"
        r"|plaquette)s?|envoye[rz]? (?:moi|nous) (?:\w+ )?(?:infos?|informations?|doc\w*|brochure"
        r"|plaquette|offre|proposition)",
        2,
    ),
    (_I, "fr:super", r"su{1,2}per|parfait|genial|nickel|top", 1),
    (_I, "any:ok", r"ok{1,2}(?:i{1,2}|ay|ey|e)?", 1),
    (_I, "en:interested", r"inte?re?st?ed|keen|intrigued", 3),
    (
        _I,
        "en:sounds good",
        r"sounds (?:good|great|interesting|perfect|like a plan|cool|nice|fine)"
        r"|(?:that|this) (?:sounds|looks) (?:good|great|interesting)|works for me|count me in|i'm in"
        r"|let's do it|let's go|go ahead|i'd love (?:to|that)|i would love (?:to|that)",
        3,
    ),
    (_I, "en:yes", r"yes|yess|yep|yeah|yup|sure|of course|absolutely|definitely|why not", 2),
    (
        _I,
        "en:tell me more",
        r"tell me more|more (?:info|information|details)"
        r"|send (?:me |us )?(?:more |some |the |a |your )?(?:info|information|details|deck|brochure"
        r"|documentation|proposal)",
        2,
    ),
    (_I, "en:great", r"great|perfect|awesome|cool|excellent|amazing", 1),
    # --- question
    (_Q, "fr:combien", r"combien|cbn|cb", 2),
    (_Q, "fr:prix", r"prix", 2),
    (_Q, "fr:tarif", r"tarif\w*", 2),
    (_Q, "fr:devis", r"devis", 2),
    (_Q, "fr:cout", r"couts?|coute(?:nt|rait|raient|ra)?", 2),
    (_Q, "fr:livraison", r"livr(?:aison|aisons|ez|er|ons)", 2),
    (_Q, "fr:delai", r"delais?", 2),
    (_Q, "fr:est-ce que", r"est ce qu(?:e|')|eske|esque|qu'est ce|c'est quoi|c quoi", 2),
    (_Q, "fr:comment", r"comment (?:ca|cela|vous|faire|fonctionne|marche|on|ils|elle)", 2),
    (_Q, "fr:une question", r"(?:une|des|quelques|petite) questions?", 2),
    (
        _Q,
        "fr:inversion",
        r"(?:avez|faites|proposez|pouvez|pourriez|acceptez|travaillez|etes|seriez|auriez|livrez|gerez"
        r"|fournissez|vendez) vous|y a t il|est il possible|peut on|c'est possible",
        1,
    ),
    (_Q, "en:how much", r"how (?:much|many)", 2),
    (_Q, "en:price", r"prices?|pricing|priced", 2),
    (_Q, "en:cost", r"costs?|costing", 2),
    (_Q, "en:quote", r"quotes?|quotation|estimate", 2),
    (_Q, "en:delivery", r"delivery|deliver|shipping|lead time|turnaround", 2),
    (_Q, "en:how does", r"how (?:does|do|long|soon|can|would)", 2),
    (_Q, "en:question", r"(?:a|quick|one|some|few) questions?", 2),
    (_Q, "en:do you", r"(?:do|does|can|could|will|is|are) (?:you|it|they|there|this)", 1),
)

# (intent, name, keyword regex, weight) for keyword-only messages: the opt-out words of
# maxcore.rules.keywords, and a bare "no".
_KEYWORDS: tuple[tuple[Intent, str, str, int], ...] = (
    *(
        (_U, f"sms:{w.word.upper()}", "|".join(re.escape(s) for s in (w.word, *w.variants)), 5)
        for w in OPT_OUT_WORDS
    ),
    (_N, "fr:non", r"no{1,2}n|nan|nn", 3),
    (_N, "en:no", r"no{1,2}|nope|nah", 3),
)

_RULES: tuple[_Rule, ...] = (
    *(_Rule(intent, name, _phrase(pattern), weight) for intent, name, pattern, weight in _PHRASES),
    *(_Rule(intent, name, _whole(kw), weight, whole=True) for intent, name, kw, weight in _KEYWORDS),
    # A question mark ending the message (after it, only punctuation, spaces or emoji).
    _Rule(_Q, "any:?", re.compile(r"\?+(?=[^a-z0-9]*$)"), 1),
)


# --------------------------------------------------------------------------------------------------
# Matching, overlaps and negation


@dataclass(frozen=True)
class _Match:
    rule: _Rule
    start: int
    end: int


def _find_matches(norm: str) -> list[_Match]:
    found: list[_Match] = []
    for rule in _RULES:
        if rule.whole:
            whole = rule.regex.match(norm)
            if whole:
                found.append(_Match(rule, whole.start("kw"), whole.end("kw")))
        else:
            found.extend(
                _Match(rule, m.start(), m.end()) for m in rule.regex.finditer(norm) if m.end() > m.start()
            )
    return found


def _without_overlaps(matches: list[_Match], length: int) -> list[_Match]:
    """Keep the longest (then heaviest) of overlapping matches."""
    taken = bytearray(length)
    kept: list[_Match] = []
    for match in sorted(matches, key=lambda m: (m.start - m.end, -m.rule.weight, m.start)):
        if not any(taken[match.start : match.end]):
            taken[match.start : match.end] = b"\x01" * (match.end - match.start)
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


_CLAUSE_BREAK = re.compile(
    r"[.!?;:,]|(?<![a-z0-9])(?:mais|but|however|though|although|cependant|par contre|sinon|otherwise)"
    r"(?![a-z0-9])"
)
_NOT_NEGATIONS = re.compile(
    r"(?<![a-z0-9])(?:pourquoi pas|pas de (?:soucis?|problemes?|pb|prob)|pas mal|pas contre"
    r"|n['\s]?hesite\w* pas|ne pas hesiter|non seulement|no (?:problems?|prob|worries|doubt)"
    r"|not a problem|not only|(?:don't|do not) hesitate)(?![a-z0-9])"
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NEGATORS = frozenset(
    {
        "pas",
        "jamais",
        "non",
        "aucun",
        "aucune",
        "nullement",
        "not",
        "no",
        "never",
        "don't",
        "doesn't",
        "didn't",
        "won't",
        "can't",
        "cannot",
        "isn't",
        "aren't",
        "wasn't",
        "wouldn't",
        "couldn't",
        "shouldn't",
        "haven't",
        "hasn't",
        "doesnt",
        "didnt",
        "cant",
        "isnt",
        "arent",
        "wasnt",
    }
)
_ENGLISH_ONLY_NEGATORS = frozenset({"dont"})
_AFTER_NE = frozenset({"pas", "plus", "jamais", "rien", "guere", "point"})


def _is_ne(word: str) -> bool:
    return word == "ne" or word.startswith("n'")


_WORD_REACH = 120
"""How far (in characters) around a cue the negation words are looked for."""


@dataclass(frozen=True)
class _Clauses:
    """The normalised text with non-negating idioms blanked out, and where its clauses break."""

    blanked: str
    break_starts: tuple[int, ...]
    break_ends: tuple[int, ...]

    @classmethod
    def of(cls, norm: str) -> _Clauses:
        blanked = _NOT_NEGATIONS.sub(lambda m: " " * len(m.group()), norm)
        breaks = [m.span() for m in _CLAUSE_BREAK.finditer(blanked)]
        return cls(blanked, tuple(s for s, _ in breaks), tuple(e for _, e in breaks))

    def words_before(self, start: int, count: int) -> list[tuple[str, int]]:
        """The last ``count`` words of the clause before ``start``, with their positions."""
        index = bisect.bisect_right(self.break_ends, start) - 1
        clause_start = max(self.break_ends[index] if index >= 0 else 0, start - _WORD_REACH)
        return [(m.group(), m.start()) for m in _WORD.finditer(self.blanked, clause_start, start)][-count:]

    def words_after(self, end: int, count: int) -> list[str]:
        """The first ``count`` words of the clause after ``end``."""
        index = bisect.bisect_left(self.break_starts, end)
        clause_end = self.break_starts[index] if index < len(self.break_starts) else len(self.blanked)
        return [m.group() for m in _WORD.finditer(self.blanked, end, min(clause_end, end + _WORD_REACH))][
            :count
        ]


def _negation_start(clauses: _Clauses, start: int, end: int, *, english: bool) -> int | None:
    """Return where the negation of the cue at ``start:end`` begins, or None if it is not negated."""
    before = clauses.words_before(start, 3)
    ne = next((position for word, position in before if _is_ne(word)), None)
    for word, position in before:
        if word in _NEGATORS or (english and word in _ENGLISH_ONLY_NEGATORS):
            return position if ne is None else min(ne, position)
        if word == "plus" and ne is not None:
            return ne
    if ne is not None and any(word in _AFTER_NE for word in clauses.words_after(end, 2)):
        return ne
    return None


def _original(text: str, origin: list[tuple[int, int]], start: int, end: int) -> str:
    """Return the fragment of ``text`` that the normalised ``start:end`` came from."""
    first, last = origin[start][0], origin[end - 1][1]
    while last < len(text) and unicodedata.combining(text[last]):
        last += 1
    return text[first:last]


def _cues(text: str) -> tuple[Cue, ...]:
    norm, origin = _normalize_with_origin(text)
    clauses = _Clauses.of(norm)
    positioned: list[tuple[int, Cue]] = []
    seen: set[str] = set()
    for match in _without_overlaps(_find_matches(norm), len(norm)):
        intent, name, start = match.rule.intent, match.rule.name, match.start
        if match.rule.negatable:
            negation = _negation_start(clauses, match.start, match.end, english=name.startswith("en:"))
            if negation is not None:
                if intent is not Intent.INTERESTED:
                    continue  # a refused slot or question is no evidence either way
                intent, name, start = Intent.NOT_INTERESTED, f"not:{name}", negation
        if name in seen:
            continue
        seen.add(name)
        cue = Cue(intent, name, _original(text, origin, start, match.end), match.rule.weight)
        positioned.append((start, cue))
    positioned.sort(key=lambda pair: (-pair[1].weight, pair[0]))
    return tuple(cue for _, cue in positioned)


# --------------------------------------------------------------------------------------------------
# Decision


def _decide(scores: dict[Intent, int]) -> Intent:
    present = [intent for intent in PRECEDENCE if scores.get(intent, 0) > 0]
    if not present:
        return Intent.NEUTRAL
    candidate = present[0]
    if candidate is Intent.UNSUBSCRIBE:
        return candidate
    score = scores[candidate]
    challengers = [i for i in present[1:] if scores[i] >= 2 * score and scores[i] >= score + 2]
    # max() keeps the first of equal scores, i.e. the one higher in PRECEDENCE.
    return max(challengers, key=lambda i: scores[i]) if challengers else candidate


def _confidence(scores: dict[Intent, int], winner: Intent) -> float:
    score = scores.get(winner, 0)
    if score <= 0:
        return 0.0
    runner_up = max((s for i, s in scores.items() if i is not winner), default=0)
    strength = 1 - math.pow(0.5, score / 2)
    margin = max(0, score - runner_up) / score
    return round(strength * (0.5 + 0.5 * margin), 2)


def _language(cues: Iterable[Cue]) -> str | None:
    weights = {"fr": 0, "en": 0}
    for cue in cues:
        lang = cue.pattern.removeprefix("not:").split(":", 1)[0]
        if lang in weights:
            weights[lang] += cue.weight
    if weights["fr"] == weights["en"]:
        return None
    return "fr" if weights["fr"] > weights["en"] else "en"


# --------------------------------------------------------------------------------------------------
# Return dates

_FRENCH_MONTHS: dict[str, int] = {
    "janvier": 1,
    "janv": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
}
_ENGLISH_MONTHS: dict[str, int] = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_MONTHS: dict[str, int] = {**_FRENCH_MONTHS, **_ENGLISH_MONTHS}
"""Month names and abbreviations; ``sept``, ``oct``, ``nov``, ``dec`` serve both languages."""


def _alternation(names: Iterable[str]) -> str:
    return "|".join(sorted(names, key=len, reverse=True))


_DATE_NUMERIC = re.compile(
    r"(?<![\d./\-])(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})(?:[/.\-](?P<y>\d{4}|\d{2}))?(?![.\-/]?\d)"
)
_DATE_DAY_MONTH = re.compile(
    rf"(?<![a-z0-9])(?:{_WEEKDAY},? )?(?:the )?(?P<d>\d{{1,2}})(?:er|st|nd|rd|th)? (?:of )?"
    rf"(?P<m>{_alternation(_MONTHS)})\.?(?![a-z])(?:,? (?P<y>\d{{4}}))?"
)
_DATE_MONTH_DAY = re.compile(
    rf"(?<![a-z0-9])(?:{_WEEKDAY},? )?(?P<m>{_alternation(_ENGLISH_MONTHS)})\.? (?:the )?"
    r"(?P<d>\d{1,2})(?:st|nd|rd|th)?(?![0-9a-z])(?:,? (?P<y>\d{4}))?"
)
_RETURN_MARKERS = re.compile(
    r"(?<![a-z])(?:retour|back|return\w*|reprise|reprends|reprendrai|reprendrons|des le)(?![a-z])"
)
_UNTIL_MARKERS = re.compile(r"(?<![a-z])(?:jusqu'?\s?(?:au|a)|until|till|through|thru|au|to)(?![a-z])")
_MARKER_REACH = 30
"""How many characters before a date a marker may be."""


@dataclass(frozen=True)
class _WrittenDate:
    start: int
    end: int
    day: int
    month: int
    year: int | None


def _written_dates(norm: str) -> list[_WrittenDate]:
    found: list[_WrittenDate] = []
    for regex, month_of in (
        (_DATE_DAY_MONTH, _MONTHS.__getitem__),
        (_DATE_MONTH_DAY, _MONTHS.__getitem__),
        (_DATE_NUMERIC, int),
    ):
        for m in regex.finditer(norm):
            if any(m.start() < other.end and other.start < m.end() for other in found):
                continue
            year = m.group("y")
            full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
            found.append(
                _WrittenDate(m.start(), m.end(), int(m.group("d")), month_of(m.group("m")), full_year)
            )
    return sorted(found, key=lambda d: d.start)


def _resolve(written: _WrittenDate, received_on: date | None) -> date | None:
    """Return the written date, its year taken from the text or the next occurrence on or after
    ``received_on``; None when it is no real date or its year cannot be known."""
    if written.year is not None:
        years: Iterable[int] = (written.year,)
    elif received_on is not None:
        years = range(received_on.year, received_on.year + 9)  # 9 years reach the next 29 February
    else:
        return None
    for year in years:
        try:
            candidate = date(year, written.month, written.day)
        except ValueError:
            continue
        if written.year is not None or received_on is None or candidate >= received_on:
            return candidate
    return None


def _return_date(norm: str, received_at: datetime | None) -> date | None:
    """The return date of an out-of-office text.

    Preference: the first date shortly after a return word (``retour``, ``back``, ``return``,
    ``reprise``), then the first after an "until" word (``jusqu'au``, ``until``, ``au``, ``to``), then
    the last date written. Dates are read day first (``12/08`` is 12 August); the weekday, if any, is
    not checked; an "until" date is returned as written, not shifted to the next day.
    """
    dates = _written_dates(norm)

    def after(marker: re.Pattern[str]) -> Callable[[_WrittenDate], bool]:
        return lambda d: marker.search(norm, max(0, d.start - _MARKER_REACH), d.start) is not None

    ordered = [
        *filter(after(_RETURN_MARKERS), dates),
        *filter(after(_UNTIL_MARKERS), dates),
        *reversed(dates),
    ]
    received_on = received_at.date() if received_at else None
    for written in ordered:
        resolved = _resolve(written, received_on)
        if resolved is not None:
            return resolved
    return None


# --------------------------------------------------------------------------------------------------
# Entry point


def classify(text: str, *, received_at: datetime | None = None) -> Classification:
    """Return the intent of an inbound text and the cues it was decided on.

    Parameters
    ----------
    text
        The message as the lead sent it (SMS, WhatsApp, e-mail body, Telegram), French or English.
    received_at
        When it was received; only used to give a year to an out-of-office return date written
        without one (the next such date on or after the day it was received).

    Returns
    -------
    Classification
        The intent (see the module docstring for the rules and the scoring), whether it is hot, a
        confidence, every cue found, the return date of an out-of-office reply and the language the
        cues lean to.
    """
    cues = _cues(text)
    scores: dict[Intent, int] = {}
    for cue in cues:
        scores[cue.intent] = scores.get(cue.intent, 0) + cue.weight
    intent = _decide(scores)
    return Classification(
        intent=intent,
        hot=intent in HOT_INTENTS,
        confidence=_confidence(scores, intent),
        cues=cues,
        return_date=_return_date(normalize(text), received_at) if intent is Intent.OUT_OF_OFFICE else None,
        language=_language(cues),
    )
