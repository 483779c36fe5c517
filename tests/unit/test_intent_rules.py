"""Reply understanding: the intent of a lead's inbound text, by explainable rules."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from maxcore.models.intent import HOT_INTENTS, Intent
from maxcore.rules.intent import (
    PRECEDENCE,
    Classification,
    Cue,
    classify,
    normalize,
)

RECEIVED = datetime(2026, 7, 10, 9, 30)


def _patterns(result: Classification, intent: Intent | None = None) -> set[str]:
    return {c.pattern for c in result.cues if intent is None or c.intent is intent}


def test_hot_intents_are_the_three_buying_signals() -> None:
    assert {Intent.INTERESTED, Intent.MEETING_REQUEST, Intent.QUESTION} == HOT_INTENTS
    assert PRECEDENCE == (
        Intent.UNSUBSCRIBE,
        Intent.OUT_OF_OFFICE,
        Intent.NOT_INTERESTED,
        Intent.MEETING_REQUEST,
        Intent.INTERESTED,
        Intent.QUESTION,
    )


# (text, expected intent, the rule that decided it)
CASES = [
    # --- interested: typos, SMS style, capitals, accents removed or added
    ("ça m'intéresse", Intent.INTERESTED, "fr:ca m'interesse"),
    ("ca m interesse", Intent.INTERESTED, "fr:ca m'interesse"),
    ("sa minteresse", Intent.INTERESTED, "fr:ca m'interesse"),
    ("CA M'INTERESSE !!", Intent.INTERESTED, "fr:ca m'interesse"),
    ("Intéressé", Intent.INTERESTED, "fr:interesse"),
    ("interesse", Intent.INTERESTED, "fr:interesse"),
    ("intéréssé !", Intent.INTERESTED, "fr:interesse"),
    ("Trés intérréssée par votre offre", Intent.INTERESTED, "fr:interesse"),
    ("ouiiii", Intent.INTERESTED, "fr:oui"),
    ("dac, je suis partant", Intent.INTERESTED, "fr:partant"),
    ("Pourquoi pas, envoyez-moi la doc", Intent.INTERESTED, "fr:en savoir plus"),
    ("Interested", Intent.INTERESTED, "en:interested"),
    ("Im intrested", Intent.INTERESTED, "en:interested"),
    ("Sounds good!", Intent.INTERESTED, "en:sounds good"),
    ("yes please, tell me more", Intent.INTERESTED, "en:tell me more"),
    # --- meeting request
    ("Rappelez moi stp", Intent.MEETING_REQUEST, "fr:rappelez-moi"),
    ("rapelle moi", Intent.MEETING_REQUEST, "fr:rappelez-moi"),
    ("Appelez-moi demain", Intent.MEETING_REQUEST, "fr:appelez-moi"),
    ("vous pouvez m'appeler au 06 12 34 56 78", Intent.MEETING_REQUEST, "fr:appelez-moi"),
    ("rdv?", Intent.MEETING_REQUEST, "fr:rdv"),
    ("RDV jeudi", Intent.MEETING_REQUEST, "fr:rdv"),
    ("Je souhaite prendre rendez-vous", Intent.MEETING_REQUEST, "fr:prendre rendez-vous"),
    ("quand êtes-vous dispo ?", Intent.MEETING_REQUEST, "fr:quand etes-vous dispo"),
    ("quand etes vous dispo", Intent.MEETING_REQUEST, "fr:quand etes-vous dispo"),
    ("dispo demain", Intent.MEETING_REQUEST, "fr:dispo"),
    ("On peut se voir la semaine prochaine ?", Intent.MEETING_REQUEST, "fr:on peut se voir"),
    ("demain 14h ça vous va ?", Intent.MEETING_REQUEST, "any:day+time"),
    ("Ok pour une visio", Intent.MEETING_REQUEST, "fr:visio"),
    ("Call me", Intent.MEETING_REQUEST, "en:call me"),
    ("lets talk", Intent.MEETING_REQUEST, "en:let's talk"),
    ("Happy to book a call", Intent.MEETING_REQUEST, "en:book a call"),
    ("Can we schedule a meeting?", Intent.MEETING_REQUEST, "en:schedule a meeting"),
    ("meet next week?", Intent.MEETING_REQUEST, "en:meet"),
    ("Does Tuesday work for you?", Intent.MEETING_REQUEST, "en:when are you free"),
    # --- question
    ("combien ?", Intent.QUESTION, "fr:combien"),
    ("cb ça coûte", Intent.QUESTION, "fr:combien"),
    ("c quoi le prix", Intent.QUESTION, "fr:prix"),
    ("Quels sont vos tarifs", Intent.QUESTION, "fr:tarif"),
    ("Un devis svp", Intent.QUESTION, "fr:devis"),
    ("Est-ce que vous livrez à Lyon", Intent.QUESTION, "fr:est-ce que"),
    ("delai de livraison ?", Intent.QUESTION, "fr:livraison"),
    ("How much?", Intent.QUESTION, "en:how much"),
    ("What's the price", Intent.QUESTION, "en:price"),
    ("Could you send a quote", Intent.QUESTION, "en:quote"),
    ("What does it cost", Intent.QUESTION, "en:cost"),
    # --- not interested
    ("pas intéressé", Intent.NOT_INTERESTED, "fr:pas interesse"),
    ("Je ne suis pas interessee", Intent.NOT_INTERESTED, "fr:pas interesse"),
    ("ça ne m'intéresse pas", Intent.NOT_INTERESTED, "fr:ca ne m'interesse pas"),
    ("ca m'interesse pas", Intent.NOT_INTERESTED, "fr:ca ne m'interesse pas"),
    ("Non merci", Intent.NOT_INTERESTED, "fr:non merci"),
    ("non", Intent.NOT_INTERESTED, "fr:non"),
    ("No thanks", Intent.NOT_INTERESTED, "en:no thanks"),
    ("Not interested.", Intent.NOT_INTERESTED, "en:not interested"),
    ("no longer interested", Intent.NOT_INTERESTED, "en:not interested"),
    ("pas pour le moment", Intent.NOT_INTERESTED, "fr:pas le moment"),
    ("Pas le moment", Intent.NOT_INTERESTED, "fr:pas le moment"),
    ("on a déjà un prestataire", Intent.NOT_INTERESTED, "fr:deja un prestataire"),
    ("We already have a provider", Intent.NOT_INTERESTED, "en:already have a provider"),
    ("pas besoin merci", Intent.NOT_INTERESTED, "fr:pas besoin"),
    # --- unsubscribe
    ("STOP", Intent.UNSUBSCRIBE, "sms:STOP"),
    ("stop sms", Intent.UNSUBSCRIBE, "sms:STOP SMS"),
    ("Merci de ne plus m'envoyer de sms, stop sms", Intent.UNSUBSCRIBE, "fr:stop sms"),
    ("je veux me désinscrire", Intent.UNSUBSCRIBE, "fr:desinscrire"),
    ("Desabonnez moi", Intent.UNSUBSCRIBE, "fr:desabonner"),
    ("Je ne veux plus recevoir vos messages", Intent.UNSUBSCRIBE, "fr:ne plus recevoir"),
    ("Retirez-moi de votre liste", Intent.UNSUBSCRIBE, "fr:retirez-moi"),
    ("Ne me contactez plus", Intent.UNSUBSCRIBE, "fr:ne me contactez plus"),
    ("Arrêtez de m'écrire", Intent.UNSUBSCRIBE, "fr:arretez"),
    ("Please unsubscribe me", Intent.UNSUBSCRIBE, "en:unsubscribe"),
    ("remove me from your list", Intent.UNSUBSCRIBE, "en:remove me"),
    ("I want to opt out", Intent.UNSUBSCRIBE, "en:opt out"),
    # --- out of office
    ("Je suis absente jusqu'au 12/08", Intent.OUT_OF_OFFICE, "fr:absent"),
    ("Je suis en congés", Intent.OUT_OF_OFFICE, "fr:en conges"),
    ("en vacances, je serai de retour le 12/08", Intent.OUT_OF_OFFICE, "fr:de retour le"),
    ("Réponse automatique : absent du bureau", Intent.OUT_OF_OFFICE, "any:automatic reply: away"),
    ("Out of office", Intent.OUT_OF_OFFICE, "en:out of office"),
    ("OOO", Intent.OUT_OF_OFFICE, "en:OOO"),
    ("I am on leave", Intent.OUT_OF_OFFICE, "en:on leave"),
    ("Auto-reply: I am currently away", Intent.OUT_OF_OFFICE, "en:currently away"),
    ("I am currently away from the office", Intent.OUT_OF_OFFICE, "en:currently away"),
]


@pytest.mark.parametrize(("text", "intent", "decisive"), CASES, ids=[c[0] for c in CASES])
def test_intent_and_the_cue_that_decided_it(text: str, intent: Intent, decisive: str) -> None:
    result = classify(text)
    assert result.intent is intent, result.cues
    assert decisive in _patterns(result, intent)
    assert result.hot is (intent in HOT_INTENTS)
    assert 0 < result.confidence <= 1


@pytest.mark.parametrize("keyword", ["STOP", "Stop.", "stop !!!", "STOPALL", "END", "QUIT", "CANCEL"])
def test_a_carrier_keyword_alone_is_an_unsubscribe(keyword: str) -> None:
    result = classify(keyword)
    assert result.intent is Intent.UNSUBSCRIBE
    assert result.cues[0].pattern.startswith("sms:")
    assert result.cues[0].weight == 5


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("OPTOUT", "sms:OPTOUT"),
        ("REVOKE", "sms:REVOKE"),
        ("STOOOOP", "sms:STOP"),
        ("Stop 🙏", "sms:STOP"),
        ("STOP merci", "sms:STOP"),
        ("svp stop", "sms:STOP"),
    ],
)
def test_a_keyword_alone_tolerates_punctuation_emoji_and_politeness(text: str, pattern: str) -> None:
    result = classify(text)
    assert result.intent is Intent.UNSUBSCRIBE
    assert [c.pattern for c in result.cues] == [pattern]


@pytest.mark.parametrize(
    "text",
    [
        "non stop",
        "je ne peux pas stopper ma commande",
        "I want to cancel my order",
        "the end of the month",
    ],
)
def test_a_keyword_inside_a_sentence_is_no_unsubscribe(text: str) -> None:
    result = classify(text)
    assert result.intent is not Intent.UNSUBSCRIBE
    assert not any(c.pattern.startswith("sms:") for c in result.cues)


def test_the_same_word_alone_and_in_a_sentence() -> None:
    assert classify("stop").intent is Intent.UNSUBSCRIBE
    assert classify("Pas intéressé, stop").intent is Intent.UNSUBSCRIBE  # an explicit STOP is an opt-out
    assert classify("non stop").intent is not Intent.UNSUBSCRIBE
    assert classify("cancel").intent is Intent.UNSUBSCRIBE
    assert classify("cancel the meeting").intent is not Intent.UNSUBSCRIBE


@pytest.mark.parametrize(
    "text",
    [
        "je ne suis pas dispo",
        "pas dispo",
        "I'm not available tomorrow",
        "Je ne veux pas de rdv",
        "I dont want a call",
        "je n'ai pas besoin de devis",
    ],
)
def test_a_negated_meeting_or_question_cue_is_dropped(text: str) -> None:
    result = classify(text)
    assert result.intent in {Intent.NEUTRAL, Intent.NOT_INTERESTED}
    assert not result.hot
    assert not any(c.intent in HOT_INTENTS for c in result.cues)


@pytest.mark.parametrize(
    ("text", "pattern", "matched"),
    [
        ("pas vraiment intéressant", "not:fr:interessant", "pas vraiment intéressant"),
        ("je ne suis plus intéressé", "not:fr:interesse", "ne suis plus intéressé"),
        ("I don't think I'm interested", "not:en:interested", "don't think I'm interested"),
        ("pas top", "not:fr:super", "pas top"),
        ("not ok", "not:any:ok", "not ok"),
    ],
)
def test_a_negated_interested_cue_becomes_not_interested(text: str, pattern: str, matched: str) -> None:
    result = classify(text)
    assert result.intent is Intent.NOT_INTERESTED
    assert Cue(Intent.NOT_INTERESTED, pattern, matched, result.cues[0].weight) in result.cues


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("n'hésitez pas à me rappeler", Intent.MEETING_REQUEST),
        ("pas de souci, on peut se voir jeudi", Intent.MEETING_REQUEST),
        ("No problem, call me tomorrow", Intent.MEETING_REQUEST),
        ("Pourquoi pas, rappelez moi", Intent.MEETING_REQUEST),
        ("pas mal intéressé en fait", Intent.INTERESTED),
        ("Je ne suis pas disponible cette semaine mais rappelez-moi lundi", Intent.MEETING_REQUEST),
        ("la démo dont vous parlez m'intéresse", Intent.MEETING_REQUEST),
        ("je ne suis dispo que jeudi", Intent.MEETING_REQUEST),
    ],
)
def test_what_looks_like_a_negation_but_is_not(text: str, intent: Intent) -> None:
    result = classify(text)
    assert result.intent is intent
    assert not any(c.pattern.startswith("not:") for c in result.cues)


@pytest.mark.parametrize(
    ("text", "intent", "losers"),
    [
        (
            "Intéressé mais pas avant septembre, je suis en congés jusqu'au 2 septembre",
            Intent.OUT_OF_OFFICE,
            {Intent.INTERESTED},
        ),
        ("Pas intéressé, désinscrivez-moi", Intent.UNSUBSCRIBE, {Intent.NOT_INTERESTED}),
        ("Oui mais pas maintenant", Intent.NOT_INTERESTED, {Intent.INTERESTED}),
        ("Oui intéressé, combien ça coûte ? Appelez-moi", Intent.MEETING_REQUEST, {Intent.INTERESTED}),
        ("Intéressé, quel est le prix ?", Intent.INTERESTED, {Intent.QUESTION}),
        ("Not interested, remove me", Intent.UNSUBSCRIBE, {Intent.NOT_INTERESTED}),
        ("Out of office. Call me back on Monday", Intent.OUT_OF_OFFICE, {Intent.MEETING_REQUEST}),
    ],
)
def test_precedence_when_several_intents_have_cues(text: str, intent: Intent, losers: set[Intent]) -> None:
    result = classify(text, received_at=RECEIVED)
    assert result.intent is intent
    assert losers <= {c.intent for c in result.cues}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # meeting 2 ("dispo", here about a product) vs question 2+2+2+1 = 7: at least twice and 2 more
        ("Le produit est dispo ? Quel prix et quel délai de livraison ?", Intent.QUESTION),
        # meeting 2 (day and time) vs question 2+1 = 3: not clearly higher, precedence keeps the meeting
        ("livraison demain à 10h ?", Intent.MEETING_REQUEST),
        # not_interested 3 vs question 2+2+2+2+2+1 = 11: at least twice and 2 more, the question wins
        (
            "Pas le moment, mais quel est votre prix, votre délai, votre tarif ? Combien pour la livraison ?",
            Intent.QUESTION,
        ),
        # not_interested 3 vs question 3: not clearly higher, precedence keeps not_interested
        ("Pas le moment, mais quel est votre prix ?", Intent.NOT_INTERESTED),
        # out_of_office 1 (en déplacement) vs meeting 3: the meeting is clearly higher
        ("En déplacement, rappelez-moi lundi", Intent.MEETING_REQUEST),
    ],
)
def test_a_clearly_higher_lower_intent_wins(text: str, intent: Intent) -> None:
    assert classify(text).intent is intent


def test_an_unsubscribe_is_never_outvoted() -> None:
    text = "Intéressé, rappelez-moi, on peut se voir demain à 14h, combien ça coûte ? Sinon désinscrivez-moi"
    result = classify(text)
    assert result.intent is Intent.UNSUBSCRIBE
    unsubscribe = sum(c.weight for c in result.cues if c.intent is Intent.UNSUBSCRIBE)
    meeting = sum(c.weight for c in result.cues if c.intent is Intent.MEETING_REQUEST)
    assert meeting >= 2 * unsubscribe  # would be "clearly higher" against any other intent


@pytest.mark.parametrize("text", ["", "   ", "😀👍", "🙂 🙂\n", "merci", "Bonjour, merci pour votre message"])
def test_no_cue_is_neutral(text: str) -> None:
    result = classify(text)
    # The context readings are apart: "👍" still confirms an appointment if a reminder asked.
    assert (result.intent, result.hot, result.confidence, result.cues) == (Intent.NEUTRAL, False, 0.0, ())


@pytest.mark.parametrize(
    ("text", "received_at", "expected"),
    [
        ("Je serai de retour le 12/08", RECEIVED, date(2026, 8, 12)),
        ("de retour le 12/08/2027", RECEIVED, date(2027, 8, 12)),
        ("Absent, de retour le 12.08.2026", None, date(2026, 8, 12)),
        ("Absent, retour le 12-08-26", None, date(2026, 8, 12)),
        ("en congés, de retour le 12 août", RECEIVED, date(2026, 8, 12)),
        ("En congés. Je serai de retour le lundi 3 mars", RECEIVED, date(2027, 3, 3)),
        ("Je suis absent jusqu'au 1er septembre", RECEIVED, date(2026, 9, 2)),
        ("Out of office, back on August 12", RECEIVED, date(2026, 8, 12)),
        ("Out of office, back on Aug 12th, 2027", None, date(2027, 8, 12)),
        ("I am on leave, back on 12 August", RECEIVED, date(2026, 8, 12)),
        ("I am on leave and will return on the 12th of August", RECEIVED, date(2026, 8, 12)),
        ("OOO until Monday, July 20", RECEIVED, date(2026, 7, 21)),
        ("Je suis absente du 1er au 15 août, de retour le 16 août.", RECEIVED, date(2026, 8, 16)),
        ("en congés du 10/08 au 24/08", RECEIVED, date(2026, 8, 25)),
        # the day it was received counts as "on or after"
        ("Absent, de retour le 10 juillet", RECEIVED, date(2026, 7, 10)),
        # the year rolls over
        ("Absent, de retour le 9 juillet", RECEIVED, date(2027, 7, 9)),
        ("Je suis en congés, de retour le 5 janvier", datetime(2026, 12, 20, 18, 0), date(2027, 1, 5)),
        # 29 February waits for a leap year
        ("on leave, back on 29 February", datetime(2026, 7, 10), date(2028, 2, 29)),
    ],
)
def test_out_of_office_return_date(text: str, received_at: datetime | None, expected: date) -> None:
    result = classify(text, received_at=received_at)
    assert result.intent is Intent.OUT_OF_OFFICE
    assert result.return_date == expected


@pytest.mark.parametrize(
    ("text", "received_at"),
    [
        ("Je serai de retour le 12/08", None),  # no year and nothing to resolve it from
        ("Je suis en congés", RECEIVED),  # no date
        ("I will be back on Monday", None),  # a weekday needs the day it was received
        ("Absent, de retour le 31/02", RECEIVED),  # no such day
        ("Absent, joignable au 06.12.34.56.78", RECEIVED),  # a phone number is no date
    ],
)
def test_no_return_date(text: str, received_at: datetime | None) -> None:
    result = classify(text, received_at=received_at)
    assert result.intent is Intent.OUT_OF_OFFICE
    assert result.return_date is None


def test_a_return_date_belongs_to_out_of_office_only() -> None:
    result = classify("Rappelez-moi le 12 août", received_at=RECEIVED)
    assert result.intent is Intent.MEETING_REQUEST
    assert result.return_date is None


def test_the_cues_quote_the_original_text() -> None:
    result = classify("Bonjour, ÇA M’INTÉRESSE, rappelez-moi SVP")
    assert [(c.pattern, c.matched) for c in result.cues] == [
        ("fr:ca m'interesse", "ÇA M’INTÉRESSE"),
        ("fr:rappelez-moi", "rappelez-moi"),
    ]


def test_a_fragment_covers_repeated_letters_and_decomposed_accents() -> None:
    assert classify("OOO").cues[0].matched == "OOO"
    assert classify("ouiiiii").cues[0].matched == "ouiiiii"
    decomposed = "interesse\u0301"  # e + COMBINING ACUTE ACCENT
    assert classify(decomposed).cues[0].matched == decomposed


def test_cues_are_listed_strongest_first_and_each_rule_counts_once() -> None:
    result = classify("ok ok, rdv ? rdv demain 10h, combien ?")
    assert [c.weight for c in result.cues] == sorted((c.weight for c in result.cues), reverse=True)
    assert [c.pattern for c in result.cues] == ["fr:rdv", "any:day+time", "fr:combien", "any:ok", "any:?"]
    assert result.cues[0].matched == "rdv"


def test_confidence_grows_with_the_score_and_the_margin() -> None:
    weak = classify("oui")
    strong = classify("ça m'intéresse, partant !")
    contested = classify("Intéressé mais je suis en congés")
    assert 0 < weak.confidence < strong.confidence < 1
    assert contested.intent is Intent.OUT_OF_OFFICE
    assert contested.confidence < classify("Je suis en congés").confidence
    assert classify("STOP").confidence == 0.82


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("rappelez-moi", "fr"),
        ("call me", "en"),
        ("STOP", None),
        ("ok ?", None),
        ("Oui, call me, ça m'intéresse", "fr"),
    ],
)
def test_language_is_guessed_from_the_cues(text: str, language: str | None) -> None:
    assert classify(text).language == language


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ça M’Intéresse", "ca m'interesse"),
        ("ouiiiii  !!!", "ouii !!!"),
        ("Rappelez-moi\n\tdemain", "rappelez moi demain"),
        ("de retour le 12-08-2026", "de retour le 12-08-2026"),
        ("  Cœur  ", "coeur"),
        ("Prix : 1000 €", "prix : 1000 €"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_to_dict_is_json_friendly() -> None:
    result = classify("Je suis en congés, de retour le 5 janvier", received_at=datetime(2026, 12, 20))
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["intent"] == "out_of_office"
    assert data["hot"] is False
    assert data["return_date"] == "2027-01-05"
    assert data["language"] == "fr"
    assert data["cues"] == [
        {"intent": "out_of_office", "pattern": "fr:en conges", "matched": "en congés", "weight": 3},
        {"intent": "out_of_office", "pattern": "fr:de retour le", "matched": "de retour le", "weight": 3},
    ]


# --- issue 17 §3: kinds of replies, each written in several ways (none copied from bench/intent's corpus)


def _assert_reads(text: str, intent: Intent) -> Classification:
    result = classify(text, received_at=RECEIVED)
    assert result.intent is intent, [(c.pattern, c.matched) for c in result.cues]
    assert result.cues or intent is Intent.NEUTRAL, "a decision keeps the cues it was taken on"
    return result


DECLINES_WITHOUT_NON = [
    # already equipped or served
    "Nous sommes déjà très bien équipés de ce côté-là",
    "On travaille déjà avec un prestataire qui nous convient",
    "Merci mais on a déjà ce qu'il faut",
    "We already have something similar",
    "We're happy with our current provider",
    "No need, we handle it in-house",
    # no budget
    "Nos budgets sont bouclés pour l'année",
    "On n'a pas de budget pour ça en 2027",
    "C'est trop cher pour une petite structure comme la nôtre",
    "Our budget has been cut, sorry",
    "We don't have budget for this",
    # not now, not a priority
    "Pas cette fois-ci, merci",
    "Ce n'est pas le moment, on est en pleine restructuration",
    "Pas prioritaire pour le moment",
    "Now is not a good time",
    "Not a priority for us this quarter",
    "Maybe in a few months",
    # someone else, or we'll call you
    "Nous avons retenu une autre offre",
    "On a signé ailleurs",
    "We went with a competitor",
    "We're going in a different direction",
    "Nous vous recontacterons si besoin",
    "We'll let you know if anything changes",
    # short ways of saying no
    "Non, ça va aller, merci",
    "Sans façon, merci",
    "Ça ne me dit rien",
    "on est bon merci",
    "Thanks, but we'll pass",
    "I'm good, thanks",
    "Not looking for anything right now",
    "pa intéressé",
    "👎",
    "Merci, mais nous avons fait un autre choix",
    "We're not ready yet",
    "Let's revisit next year",
    "Recontactez-moi dans 6 mois",  # a deferral without a date declines
    "Thanks for getting in touch. We have decided to keep things as they are for now.",
    "mrc mais non",
    "not rn",
    "We're using Salesforce and happy with it",
    "Company policy doesn't allow new vendors this year",
    "The owner said no",
    "On réfléchira l'année prochaine",
    "C'est gentil mais non",
    "J'ai fermé ma boutique",
    "Retired, sorry",
    "On a trouvé une solution entre-temps",
    "We found another solution in the meantime",
    "Hard pass",
]
"""Polite declines without a "non": already equipped, no budget, not now, someone else, a short no."""


OPT_OUTS_WITHOUT_STOP = [
    "Veuillez ne plus m'importuner",
    "jveux plus recevoir vos trucs",
    "Merci de supprimer mes coordonnées de votre fichier client",
    "Je souhaiterais ne plus faire partie de votre liste de diffusion",
    "Je vous demande de cesser immédiatement vos envois",
    "Arrete de m'envoyer des msg stp",
    "ça suffit les relances",
    "Je m'oppose au traitement de mes données",
    "Effacez mes données personnelles conformément au RGPD",
    "Lâchez-moi !",
    "STOP STOP STOP",
    "je vous ai déjà dit stop",
    "Please take me off this list",
    "Stop texting this number",
    "please dont email me anymore",
    "I don't want to receive any more messages from you",
    "Please delete all my data",
    "I did not sign up for this. Remove me.",
    "Pls remove",
    "Quit spamming me!!!",
    "Unsuscribe",
    "Cease and desist",
    "🛑",
    "Dégagez",
    "Go away",
    "Je ne veux pas être dérangé",
    "Stoppez tout svp",
    "Merci de ne plus utiliser mon numéro",
    "Ceci est du démarchage abusif",
    "I never asked for this",
    "plus de contact svp",
    "I asked you to stop twice already",
    "Merci de m'effacer de vos fichiers",
    "Hello,\nKindly remove our company from your database.\nRegards,\nFinance team",
]
"""Every way of asking to stop, to be removed or left alone, polite, angry or misspelt."""


@pytest.mark.parametrize(
    ("text", "every_channel"),
    [
        ("Ne me contactez plus, ni par téléphone ni par mail", True),
        ("Ne me contactez plus du tout", True),
        ("plus aucun message, ni SMS ni mail", True),
        ("Remove me from all your lists, on every channel", True),
        ("Stop calling and texting me", True),
        ("Stop les sms svp", False),
        ("Please stop emailing me", False),
        ("STOPALL", False),
    ],
)
def test_an_opt_out_says_whether_it_covers_every_channel(text: str, every_channel: bool) -> None:
    result = _assert_reads(text, Intent.UNSUBSCRIBE)
    assert result.every_channel is every_channel
    # The scope cues explain it, and weigh nothing in the decision
    assert any(c.weight == 0 for c in result.cues) is every_channel


def test_every_channel_belongs_to_an_opt_out_only() -> None:
    result = classify("Je ne suis plus du tout intéressé")
    assert result.intent is Intent.NOT_INTERESTED
    assert not result.every_channel
    assert all(c.weight > 0 for c in result.cues)


ACCEPTANCES = [
    "Ça me plaît bien, on y va !",
    "Partante !",
    "Go 👍",
    "Top, je prends !",
    "Je suis preneuse !",
    "Vendu ! Comment on procède ?",
    "ça roule, on part là-dessus",
    "Envoyez-moi le bon de commande",
    "Chaud pour tester !",
    "Count us in!",
    "That works, send over the paperwork",
    "Sure thing, sign me up",
    "Happy to go ahead",
    "Deal 🤝",
    "This is exactly what we need",
    "Ok for me",
    "Comment on fait pour commencer ?",
    "Let me know how to proceed",
    "Bon pour accord",
    "Devis accepté",
    "Can't wait to start",
    "Send it over, I'll have a look",
    "Merci pour la démo, on est partants",
    "Ça pourrait nous intéresser",
    "Vous m'avez convaincu",
    "I'm on board",
    "Looks good to me",
]
"""Acceptances without "intéressé"."""


MEETINGS = [
    "Passez nous voir à la boutique samedi matin",
    "Venez à l'atelier jeudi, on en parle",
    "Vous pouvez m'appeler demain après-midi ?",
    "Un coup de fil demain ?",
    "Je vous propose jeudi matin",
    "Plutôt en fin de semaine pour moi",
    "On se voit à la foire de Lyon ?",
    "je passe vous voir lundi",
    "Je vous rappelle vendredi",
    "Drop by our office next Tuesday",
    "Are you free for a quick chat this week?",
    "Can you do Thursday at 2pm?",
    "Ring me after 6",
    "Tuesday at 3?",
    "Could we do a video call next week?",
    "Call tomorrow?",
    "On dit 14h ?",
    "Txt me tmrw",
    "I'm around all week, call whenever",
    "Zoom?",
    "Any chance we could chat this afternoon?",
    "Can you come to our site on the 12th?",
]
"""Meetings proposed by a day, a time or a place."""


QUESTIONS_WITHOUT_MARK = [
    "Et ça coûte combien",
    "Vous faites des remises pour les associations",
    "C'est sans engagement",
    "Ça s'intègre avec Google Agenda",
    "Vous pouvez m'envoyer une proposition chiffrée",
    "Il faut compter quel délai pour la mise en place",
    "Vous intervenez à Bordeaux",
    "Is there a setup fee",
    "Does it work with Shopify",
    "Do you offer a discount for annual billing",
    "How long does onboarding take",
    "Is it GDPR compliant",
    "ça marche comment exactement",
]
"""Price, quote, feature, delay and compatibility questions, without a question mark."""


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        *((text, Intent.NOT_INTERESTED) for text in DECLINES_WITHOUT_NON),
        *((text, Intent.UNSUBSCRIBE) for text in OPT_OUTS_WITHOUT_STOP),
        *((text, Intent.INTERESTED) for text in ACCEPTANCES),
        *((text, Intent.MEETING_REQUEST) for text in MEETINGS),
        *((text, Intent.QUESTION) for text in QUESTIONS_WITHOUT_MARK),
    ],
)
def test_each_kind_of_reply_is_read_as_its_intent(text: str, intent: Intent) -> None:
    _assert_reads(text, intent)


@pytest.mark.parametrize(
    "text",
    [
        # who is writing, and how they got the number
        "Vous êtes qui ?",
        "Bonjour, qui est à l'appareil ?",
        "C'est de la part de qui ?",
        "Euh c'est qui ?",
        "Quelle entreprise ?",
        "Sorry, who's this?",
        "Who gave you my number?",
        "How did you get my number?",
        "Sorry, I think you have the wrong number",
        # bare acknowledgements, confusion, busy
        "ok",
        "OK 👍",
        "Bien reçu 👍",
        "D'accord, bien noté",
        "OK noted, thanks",
        "👍",
        "?",
        "Je ne comprends pas votre message",
        "Je suis au volant, je vous rappelle",
        "I'm in a meeting, will get back to you",
        "ok top merci",
        "c ki ?",
        "who dis",
        "Thanks for the info, I'll pass it on to my manager",
        "Is this a scam?",
        "Bonjour, je ne suis plus dans l'entreprise.",
    ],
)
def test_who_is_this_and_bare_acknowledgements_are_neutral(text: str) -> None:
    result = _assert_reads(text, Intent.NEUTRAL)
    assert not result.hot
    assert not result.automatic, "a person wrote it"


@pytest.mark.parametrize(
    "text",
    [
        "Nous avons bien reçu votre message et vous répondrons dans les meilleurs délais.",
        "Ceci est un message automatique, merci de ne pas y répondre.",
        "Votre demande a été enregistrée sous le numéro 48213.",
        "Ceci est un accusé de réception automatique.",
        "This is an automated response.",
        "Thank you for contacting us. A member of our team will respond within 1 business day.",
        "Your ticket #88213 has been created",
        "This mailbox is not monitored. Please do not reply.",
        "Read receipt: your message was read on 12/03",
        "Delivery Status Notification (Failure)",
    ],
)
def test_a_machine_answer_is_neutral_and_automatic(text: str) -> None:
    result = _assert_reads(text, Intent.NEUTRAL)
    assert result.automatic


@pytest.mark.parametrize(
    "text",
    [
        "Réponse automatique : je suis absente jusqu'au 14 juillet",
        "This is an automated response: I am out of the office until Monday.",
    ],
)
def test_an_automatic_absence_notice_is_out_of_office_not_automatic(text: str) -> None:
    result = _assert_reads(text, Intent.OUT_OF_OFFICE)
    assert not result.automatic


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # a refused slot with another one proposed is still a meeting request
        ("je ne suis pas dispo demain, plutôt jeudi", Intent.MEETING_REQUEST),
        ("Not available tomorrow, maybe Friday?", Intent.MEETING_REQUEST),
        # an idiom that looks like a negation
        ("pas de souci, appelez-moi", Intent.MEETING_REQUEST),
        # an explicit STOP is an opt-out, whatever else the text says
        ("STOP, on est déjà équipés", Intent.UNSUBSCRIBE),
        ("Stop merci bonne journée", Intent.UNSUBSCRIBE),
        # ... but not a "stop" that is no request to stop
        ("Stop by the shop on Saturday", Intent.MEETING_REQUEST),
        ("non stop", Intent.NEUTRAL),
        # "rendez-vous" as a feature of the product is no meeting
        ("Votre outil gère la prise de rendez-vous en ligne ?", Intent.QUESTION),
        # a slot to block is no opt-out; being happy to talk is no decline
        ("Bloquez-moi un créneau mardi", Intent.MEETING_REQUEST),
        ("I'm happy to chat next week", Intent.MEETING_REQUEST),
        ("Thanks, but I'm only free on Friday", Intent.MEETING_REQUEST),
        # a decline that names a missing budget is no absence
        ("En l'absence de budget, on ne donnera pas suite", Intent.NOT_INTERESTED),
        # a question about the sender's company is a question when it is about the offer too
        ("Vous êtes qui ? Et ça coûte combien ?", Intent.QUESTION),
        # an opt-out wins over the question about the number
        ("How did you get my number? Stop messaging me", Intent.UNSUBSCRIBE),
        # a word of a decline or an opt-out inside a question is neither
        ("Vous avez une autre option ?", Intent.QUESTION),
        ("Je n'ai eu aucun contact avec votre équipe, c'est normal ?", Intent.QUESTION),
        ("I accepted your invite on LinkedIn, what do you sell?", Intent.QUESTION),
        ("Je ne reçois plus vos mails, c'est normal ?", Intent.QUESTION),
        ("Est-ce qu'on peut arrêter l'abonnement quand on veut ?", Intent.QUESTION),
        ("We want to stop using spreadsheets, can you help?", Intent.QUESTION),
        # a deferral is neutral, even with a day; a call promised on a day is a meeting
        ("Je reviens vers vous lundi", Intent.NEUTRAL),
        ("I'll get back to you next week", Intent.NEUTRAL),
        ("Let me check with my team and get back to you", Intent.NEUTRAL),
        ("Je regarde et je vous rappelle demain", Intent.MEETING_REQUEST),
        # a signature's opening hours propose no slot
        (
            "Bien reçu, merci.\nMarie Dubois\nInstitut Beauté\nOuvert du mardi au samedi de 9h à 19h",
            Intent.NEUTRAL,
        ),
        # a signed contract on its way is an acceptance
        ("Je vous transmets le contrat signé demain", Intent.INTERESTED),
        # a person's thanks for the message is not a machine's
        ("Merci pour votre message, je regarde et je reviens vers vous", Intent.NEUTRAL),
    ],
)
def test_tricky_replies_do_not_flip(text: str, intent: Intent) -> None:
    result = _assert_reads(text, intent)
    assert not result.automatic


@pytest.mark.parametrize(
    ("text", "received_at", "expected"),
    [
        # RECEIVED is Friday 10 July 2026
        (
            "Je suis absente jusqu'à vendredi",
            RECEIVED,
            date(2026, 7, 18),
        ),  # the next Friday, back on Saturday
        ("Absente jusqu'au vendredi 17 juillet inclus", RECEIVED, date(2026, 7, 18)),
        ("En congés jusqu'au 12", RECEIVED, date(2026, 7, 13)),
        ("Absent until Monday", RECEIVED, date(2026, 7, 14)),
        ("En congés, retour en mars", RECEIVED, date(2027, 3, 1)),
        ("En congé maternité jusqu'en septembre", RECEIVED, date(2026, 9, 1)),
        ("Je suis en vacances jusqu'à la fin du mois", RECEIVED, date(2026, 8, 1)),
        ("Out of office, back on the 14th", RECEIVED, date(2026, 7, 14)),
        ("Absent, de retour le 9", RECEIVED, date(2026, 8, 9)),  # the 9th has passed: next month's
        ("De retour le lundi 12 janvier", RECEIVED, date(2027, 1, 12)),
        ("En formation, joignable à partir du 3/08", RECEIVED, date(2026, 8, 3)),
        ("I'm away this week, back next week", RECEIVED, date(2026, 7, 13)),  # the next Monday
        ("Absent demain, de retour après-demain", RECEIVED, date(2026, 7, 12)),
        ("Fermé pour congés annuels, réouverture le 24 août", RECEIVED, date(2026, 8, 24)),
        (
            "Je suis absent et ne pourrai pas vous répondre avant le mardi 21 juillet",
            RECEIVED,
            date(2026, 7, 21),
        ),
        ("Out of the office on Tuesday 14 July", RECEIVED, date(2026, 7, 15)),  # a day away
        ("En vacances, retour mi-août", RECEIVED, date(2026, 8, 15)),
        ("Absente jusqu'à fin août", RECEIVED, date(2026, 9, 1)),
        ("Je suis hospitalisée, retour prévu le 20", RECEIVED, date(2026, 7, 20)),
        ("Nos bureaux sont fermés du 24/12 au 2/01", RECEIVED, date(2027, 1, 3)),
    ],
)
def test_a_return_date_is_the_first_day_back(text: str, received_at: datetime, expected: date) -> None:
    result = _assert_reads(text, Intent.OUT_OF_OFFICE)
    assert result.return_date == expected


@pytest.mark.parametrize(
    "text",
    [
        "Je suis absente pour une durée indéterminée",
        "En congés, je reviens dans 2 semaines",  # a duration is no date
        "Absent, joignable au 06 12 34 56 78 jusqu'à 18h",  # a time is no day
    ],
)
def test_a_return_date_stays_none_when_no_day_is_written(text: str) -> None:
    assert _assert_reads(text, Intent.OUT_OF_OFFICE).return_date is None


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("4", 4),
        ("5/5", 5),
        ("3 sur 5", 3),
        ("4 étoiles", 4),
        ("note : 3", 3),
        ("Five stars!", 5),
        ("⭐⭐⭐⭐", 4),
        ("2 merci", 2),
        ("10/10", None),
        ("6", None),
        ("0", None),
        ("Je vous rappelle à 5 heures", None),
        ("J'ai 4 salons", None),
        ("⭐⭐⭐⭐⭐⭐", 5),  # one star too many: the top mark, given with enthusiasm
    ],
)
def test_a_survey_answer_is_read_as_a_score_from_1_to_5(text: str, score: int | None) -> None:
    assert classify(text).survey_score == score


@pytest.mark.parametrize(
    ("text", "confirmed"),
    [
        ("OUI", True),
        ("yes", True),
        ("Je confirme, à demain", True),
        ("I'll be there", True),
        ("C'est noté, je serai là", True),
        ("NON", False),
        ("j'annule", False),
        ("Désolée, je ne pourrai pas venir", False),
        ("Can't make it, sorry", False),
        ("Oui mais je dois annuler", False),  # a cancellation wins
        ("I need to reschedule", None),  # asks for another slot: the rep answers it
        ("Bonjour", None),
        ("Combien ça coûte ?", None),
    ],
)
def test_an_answer_to_a_reminder_confirms_or_cancels(text: str, confirmed: bool | None) -> None:
    assert classify(text).confirmation is confirmed


def test_the_context_readings_leave_the_intent_alone() -> None:
    # "5" is neutral whatever the survey, "OUI" interested whatever the reminder: the caller decides
    assert classify("5").intent is Intent.NEUTRAL
    assert classify("OUI").intent is Intent.INTERESTED
    data = classify("5/5").to_dict()
    assert (data["survey_score"], data["confirmation"]) == (5, None)
