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
    assert result == Classification(Intent.NEUTRAL, hot=False, confidence=0.0, cues=())


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
