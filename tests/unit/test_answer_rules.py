"""Answers to a satisfaction survey or an appointment reminder, read by explainable rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.intent import ReplyKind
from maxcore.models.lead import LeadSummary
from maxcore.rules.answers import (
    APPOINTMENT_REMINDER,
    SATISFACTION_SURVEY,
    appointment_answer,
    could_answer,
    read_answer,
    survey_score,
)
from maxcore.rules.replies import ReplyEffect
from maxcore.rules.summary import apply_activity


# --- survey scores --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("4", 4),
        (" 3 ", 3),
        ("5/5", 5),
        ("4 / 5", 4),
        ("5!!", 5),
        ("2.", 2),
        ("4 étoiles", 4),
        ("1 etoile", 1),
        ("5 stars", 5),
        ("3 ⭐", 3),
        ("note : 3", 3),
        ("Note: 4", 4),
        ("Je vous mets un 5", 5),
        ("je mets 5", 5),
        ("je donne 4", 4),
        ("⭐⭐⭐⭐", 4),
        ("⭐️⭐️⭐️", 3),
        ("★★★☆☆", 3),
        ("⭐⭐⭐⭐⭐ merci pour tout", 5),
        ("4 sur 5", 4),
        ("4 out of 5", 4),
        ("I'd give it a 4", 4),
        ("rating: 2", 2),
        ("cinq", 5),
        ("Quatre !", 4),
        ("five", 5),
        ("4️⃣", 4),
        ("5, super accueil", 5),
        ("5 merci beaucoup 😀", 5),
        ("4/5 très bon accueil", 4),
        ("5/5 !!! 5 étoiles", 5),
        ("Excellent ⭐⭐⭐⭐⭐", 5),
    ],
)
def test_a_rating_from_1_to_5_is_read_in_its_usual_forms(text: str, score: int) -> None:
    # Given a reply to a survey, When it is read, Then its score comes with the cues it was read on
    reading = survey_score(text)
    assert reading is not None, text
    assert reading.score == score
    assert reading.cues
    assert all(cue.matched and cue.matched in text for cue in reading.cues)


@pytest.mark.parametrize(
    "text",
    [
        "j'ai 4 voitures",
        "10",
        "10/10",
        "8/10",
        "0",
        "6",
        "appelez-moi à 4h",
        "4h",
        "4 h 30",
        "06 12 34 56 78",
        "+33612345678",
        "4,5",
        "3 ou 4",
        "entre 2 et 3",
        "5 minutes",
        "je mets 5 minutes pour venir",
        "5 ans que je suis client",
        "Bonjour, 2 questions sur la facture",
        "1 rue des Lilas",
        "merci",
        "👍",
        "",
    ],
)
def test_numbers_that_are_no_rating_give_no_score(text: str) -> None:
    assert survey_score(text) is None


# --- appointment answers --------------------------------------------------------------------------
CONFIRMATIONS = [
    "OUI",
    "oui",
    "Ouiii merci",
    "oui c'est bon",
    "Je confirme",
    "ok je serai là",
    "OK",
    "D'accord, à demain !",
    "Parfait, à demain",
    "ça marche",
    "c bon",
    "j'y serai",
    "👍",
    "✅",
    "YES",
    "yes please",
    "Confirmed",
    "I'll be there",
    "see you then",
    "See you tomorrow!",
    "Sounds good",
    "Non je n'ai pas oublié, je serai là",
]
CANCELLATIONS = [
    "NON",
    "non merci",
    "Nooon",
    "j'annule",
    "Je dois annuler",
    "je ne pourrai pas venir",
    "Je ne pourrai pas être là, désolé",
    "je ne serai pas là",
    "je n'y serai pas",
    "je peux pas venir",
    "Empêchement, désolée",
    "un imprévu, je ne viendrai pas",
    "Oui désolée je ne pourrai pas venir",
    "NO",
    "cancel",
    "I need to cancel",
    "can't make it",
    "Sorry, I won't be able to come",
    "❌",
]


@pytest.mark.parametrize(
    ("text", "confirmed"),
    [(text, True) for text in CONFIRMATIONS] + [(text, False) for text in CANCELLATIONS],
)
def test_a_confirmation_or_a_cancellation_is_read_in_french_and_english(text: str, confirmed: bool) -> None:
    answer = appointment_answer(text)
    assert answer is not None, text
    assert answer.confirmed is confirmed
    assert answer.cues


@pytest.mark.parametrize(
    "text",
    [
        # A request to move the appointment: the rep must find a new time, so it is an ordinary reply
        "je peux décaler à 15h ?",
        "Non, on peut reporter à jeudi ?",
        "Plutôt 16h si possible",
        "Can we do Thursday instead?",
        "I need to reschedule",
        # A question with only a bare yes or no, no cue at all, or both sides equally
        "Oui, c'est où déjà ?",
        "C'est à quelle heure ?",
        "Bonjour",
        "oui non",
        "",
    ],
)
def test_a_reschedule_a_question_or_no_clear_answer_is_no_answer(text: str) -> None:
    assert appointment_answer(text) is None


def test_cues_name_the_rule_and_quote_the_original_fragment() -> None:
    answer = appointment_answer("Désolée, EMPÊCHEMENT de dernière minute")
    assert answer is not None
    assert [(c.pattern, c.matched) for c in answer.cues] == [("fr:empechement", "EMPÊCHEMENT")]


# --- what an answer records -----------------------------------------------------------------------
def test_an_answer_is_read_against_the_category_of_the_message_it_answers() -> None:
    # Given the same "4" and "oui" after a survey, a reminder and a follow-up
    survey = read_answer(SATISFACTION_SURVEY, "4")
    reminder = read_answer(APPOINTMENT_REMINDER, "oui")

    # Then each reads in its own terms, and a follow-up takes no answers
    assert survey is not None
    assert survey.answer_to == "satisfaction_survey"
    assert survey.metadata() == {"survey_score": 4, "answer_cues": ["score:alone: 4"]}
    assert reminder is not None
    assert reminder.metadata()["appointment"] == "confirmed"
    assert read_answer(APPOINTMENT_REMINDER, "non")
    assert read_answer(SATISFACTION_SURVEY, "oui") is None
    assert read_answer("follow_up", "4") is None
    assert could_answer("5/5")
    assert could_answer("je confirme")
    assert not could_answer("c'est qui ?")


def test_an_answer_covers_the_intent_cues_it_explains_and_not_the_others() -> None:
    # Given a confirmation that also asks for a quote, and a score with praise and a call request
    confirmation = read_answer(APPOINTMENT_REMINDER, "Oui, je serai là. Et vous faites des devis ?")
    score = read_answer(SATISFACTION_SURVEY, "5/5 super accueil, rappelez-moi pour la suite")
    assert confirmation is not None
    assert score is not None

    # Then the yes and the praise are part of the answer; the quote and the call are not
    assert confirmation.covers(["Oui", "je serai là"])
    assert not confirmation.covers(["Oui", "devis"])
    assert score.covers(["SUPER"])
    assert not score.covers(["super", "rappelez-moi"])
    assert [c.pattern for c in score.cues] == ["score:n/5", "any:praise"]


def test_the_cues_of_a_mixed_answer_list_the_winning_side_first() -> None:
    answer = appointment_answer("Oui désolée, je ne pourrai pas venir")
    assert answer is not None
    assert answer.confirmed is False
    assert [(c.pattern, c.matched) for c in answer.cues] == [
        ("fr:je ne pourrai pas", "je ne pourrai pas venir"),
        ("any:oui/ok/yes", "Oui"),
    ]


# --- what an answer does: the lead's summary, the reply rule, the sequences -------------------------
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SURVEY_ID = "01JCCCCCCCCCCCCCCCCCCCCCCC"
LEAD = "01JAAAAAAAAAAAAAAAAAAAAAAA"


def _inbound(at: datetime, **metadata: object) -> Activity:
    return Activity(
        id="01JBBBBBBBBBBBBBBBBBBBBBBB",
        lead_id=LEAD,
        channel=ActivityChannel.SMS,
        direction=Direction.IN,
        status=ActivityStatus.DELIVERED,
        preview="4",
        occurred_at=at,
        metadata=metadata,
    )


def test_the_summary_keeps_the_latest_score() -> None:
    # Given a lead who scores 4, then an older score of 2 arrives late
    first = NOW - timedelta(hours=1)
    answered = ReplyEffect(ReplyKind.ANSWER, counts_as_reply=True, counts_as_human_reply=True)
    answer = _inbound(first, answers=SURVEY_ID, answer_to="satisfaction_survey", survey_score=4)
    late = _inbound(
        first - timedelta(hours=5), answers=SURVEY_ID, answer_to="satisfaction_survey", survey_score=2
    )
    summary = apply_activity(LeadSummary(), answer, NOW, effect=answered)
    summary = apply_activity(summary, late, NOW, effect=answered)

    # Then the latest score stays, and the lead's latest reply is an answer
    assert (summary.last_survey_score, summary.last_survey_score_at) == (4, first)
    assert (summary.last_inbound_at, summary.last_reply_kind) == (first, ReplyKind.ANSWER)

    # When the lead then scores 5 and asks for a call (a score that is also a sales reply)
    hot = ReplyEffect(
        ReplyKind.HOT, "replied", counts_as_reply=True, counts_as_human_reply=True, positive=True
    )
    summary = apply_activity(summary, _inbound(NOW, answers=SURVEY_ID, survey_score=5), NOW, effect=hot)

    # Then the score moves with it, and the latest reply is a hot one
    assert (summary.last_survey_score, summary.last_survey_score_at) == (5, NOW)
    assert summary.last_reply_kind is ReplyKind.HOT


def test_an_answer_leaves_the_lead_s_sales_intent_as_its_sales_replies_made_it() -> None:
    # Given a lead who asked for a meeting, then answered a reminder "oui" (intent neutral)
    asked = NOW - timedelta(minutes=30)
    hot = ReplyEffect(
        ReplyKind.HOT, "replied", counts_as_reply=True, counts_as_human_reply=True, positive=True
    )
    meeting = _inbound(asked).model_copy(update={"intent": "meeting_request"})
    summary = apply_activity(LeadSummary(), meeting, NOW, effect=hot)
    answered = ReplyEffect(ReplyKind.ANSWER, counts_as_reply=True, counts_as_human_reply=True)
    answer = _inbound(NOW, answers=SURVEY_ID, answer_to="appointment_reminder", appointment="confirmed")
    summary = apply_activity(summary, answer.model_copy(update={"intent": "neutral"}), NOW, effect=answered)

    # Then the conversation moved, but the lead's last intent is still the meeting asked for
    assert (summary.last_inbound_at, summary.last_reply_kind) == (NOW, ReplyKind.ANSWER)
    assert (summary.last_intent, summary.last_intent_at) == ("meeting_request", asked)
