"""Automation triggers: each fires at its threshold, once per episode, unless a listed stop holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from maxcore.models.automation import DEFAULT_STOPS, Automation, StopCondition, TriggerType
from maxcore.models.common import Channel
from maxcore.models.lead import ConsentState, Lead, LeadStatus, LeadSummary
from maxcore.models.prospection import Outcome
from maxcore.rules.automation_triggers import Fire, Stop, evaluate, left_open_text, reason_text, stop

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
H = timedelta(hours=1)
D = timedelta(days=1)
EMAIL = Channel.EMAIL


def _automation(
    trigger: TriggerType, config: dict[str, Any] | None = None, stops: list[StopCondition] | None = None
) -> Automation:
    return Automation(
        id="01JBBBBBBBBBBBBBBBBBBBBBBB",
        name="Relance",
        trigger_type=trigger,
        trigger_config=config or {},
        template_id="01JCCCCCCCCCCCCCCCCCCCCCCC",
        stop_conditions=list(DEFAULT_STOPS) if stops is None else stops,
        enabled=True,
        created_at=NOW - 90 * D,
        updated_at=NOW - 90 * D,
    )


def _lead(
    status: LeadStatus = LeadStatus.CONTACTED,
    opted_out: Channel | None = None,
    created: timedelta = 60 * D,
    **ago: timedelta | str | None,
) -> Lead:
    """A lead whose summary times are given as how long ``ago`` (``last_intent`` as its value)."""
    fields = {name: (NOW - value if isinstance(value, timedelta) else value) for name, value in ago.items()}
    consent: dict[Channel, ConsentState] = {}
    if opted_out is not None:
        consent[opted_out] = ConsentState(granted=False, updated_at=NOW - D, reason="STOP reply")
    return Lead(
        id="01JAAAAAAAAAAAAAAAAAAAAAAA",
        first_name="Jean",
        email="jean@example.fr",
        phone="+33612345678",
        status=status,
        consent=consent,
        summary=LeadSummary(**fields),
        created_at=NOW - created,
        updated_at=NOW,
    )


def _fire(result: Fire | Stop | None) -> Fire:
    assert isinstance(result, Fire), result
    return result


# --- silence -------------------------------------------------------------------------------------------
def test_silence_fires_when_our_last_message_is_days_old_and_not_one_minute_before() -> None:
    automation = _automation(TriggerType.SILENCE, {"days": 5})
    # Given our last message went out 5 days ago and nothing came back
    fired = evaluate(automation, _lead(last_outbound_at=5 * D, last_contact_at=5 * D), EMAIL, NOW)
    # Then the automation acts, for the occurrence of that message, with the days of silence
    assert fired == Fire("silence:2026-03-05T12:00:00.000000Z", "silence", {"days": 5})
    # But a minute earlier it is too soon
    assert evaluate(automation, _lead(last_outbound_at=5 * D - MIN), EMAIL, NOW) is None


def test_silence_counts_the_actual_days() -> None:
    fired = _fire(
        evaluate(
            _automation(TriggerType.SILENCE, {"days": 3}), _lead(last_outbound_at=8 * D + 5 * H), EMAIL, NOW
        )
    )
    assert fired.values == {"days": 8}


def test_silence_is_broken_by_a_reply_after_our_message() -> None:
    # No stop condition listed: only the trigger's own "no inbound after" applies
    automation = _automation(TriggerType.SILENCE, {"days": 3}, stops=[])
    answered = _lead(last_outbound_at=6 * D, last_inbound_at=5 * D)
    assert evaluate(automation, answered, EMAIL, NOW) is None
    # A reply before our message does not break the silence that followed it
    earlier = _lead(last_outbound_at=4 * D, last_inbound_at=5 * D)
    assert _fire(evaluate(automation, earlier, EMAIL, NOW)).code == "silence"


def test_silence_needs_a_message_sent() -> None:
    assert evaluate(_automation(TriggerType.SILENCE, stops=[]), _lead(), EMAIL, NOW) is None


def test_the_silence_episode_is_stable_until_a_new_message_goes_out() -> None:
    automation = _automation(TriggerType.SILENCE, {"days": 3})
    lead = _lead(last_outbound_at=4 * D)
    # Given the same lead evaluated on two sweeps a day apart
    first = _fire(evaluate(automation, lead, EMAIL, NOW))
    second = _fire(evaluate(automation, lead, EMAIL, NOW + D))
    # Then the episode is the same (the days grow), so the caller acts once
    assert first.episode == second.episode
    assert (first.values, second.values) == ({"days": 4}, {"days": 5})
    # When a new message goes out on 14 March and is 3 days old in its turn, Then it is a new episode
    later = _lead(last_outbound_at=-4 * D)
    third = _fire(evaluate(automation, later, EMAIL, NOW + 7 * D))
    assert third.episode != first.episode
    assert third.episode == "silence:2026-03-14T12:00:00.000000Z"


def test_silence_is_real_elapsed_time_whatever_zone_the_times_carry() -> None:
    paris = ZoneInfo("Europe/Paris")
    # Sent Friday 27 March 10:00 Paris (UTC+1); three wall-clock days later it is only 71 real hours
    sent = datetime(2026, 3, 27, 10, 0, tzinfo=paris)
    now = datetime(2026, 3, 30, 10, 0, tzinfo=paris)
    lead = _lead()
    lead.summary.last_outbound_at = sent
    automation = _automation(TriggerType.SILENCE, {"days": 3})
    assert evaluate(automation, lead, EMAIL, now) is None
    assert _fire(evaluate(automation, lead, EMAIL, now + H)).episode == "silence:2026-03-27T09:00:00.000000Z"


# --- opened, no reply --------------------------------------------------------------------------------
def test_opened_no_reply_fires_hours_after_the_open() -> None:
    automation = _automation(TriggerType.OPENED_NO_REPLY, {"hours": 30})
    lead = _lead(last_outbound_at=2 * D, last_opened_at=30 * H)
    assert evaluate(automation, lead, EMAIL, NOW) == Fire(
        "opened:2026-03-09T06:00:00.000000Z", "opened_no_reply", {"hours": 30}
    )
    assert (
        evaluate(automation, _lead(last_outbound_at=2 * D, last_opened_at=30 * H - MIN), EMAIL, NOW) is None
    )


def test_opened_no_reply_is_broken_by_a_reply_after_the_open() -> None:
    automation = _automation(TriggerType.OPENED_NO_REPLY, {"hours": 24}, stops=[])
    assert evaluate(automation, _lead(last_opened_at=2 * D, last_inbound_at=D), EMAIL, NOW) is None
    assert evaluate(automation, _lead(last_opened_at=2 * D, last_inbound_at=3 * D), EMAIL, NOW) is not None


def test_opened_no_reply_needs_an_open_and_starts_a_new_episode_on_a_new_open() -> None:
    automation = _automation(TriggerType.OPENED_NO_REPLY)
    assert evaluate(automation, _lead(last_outbound_at=5 * D), EMAIL, NOW) is None
    first = _fire(evaluate(automation, _lead(last_opened_at=2 * D), EMAIL, NOW))
    again = _fire(evaluate(automation, _lead(last_opened_at=2 * D), EMAIL, NOW + 3 * H))
    reopened = _fire(evaluate(automation, _lead(last_opened_at=2 * D - 5 * H), EMAIL, NOW + D))
    assert first.episode == again.episode
    assert reopened.episode != first.episode


# --- not opened --------------------------------------------------------------------------------------
def test_not_opened_fires_hours_after_the_delivery() -> None:
    automation = _automation(TriggerType.NOT_OPENED, {"hours": 48})
    lead = _lead(last_outbound_at=49 * H, last_delivered_at=48 * H)
    assert evaluate(automation, lead, EMAIL, NOW) == Fire(
        "delivered:2026-03-08T12:00:00.000000Z", "not_opened", {"hours": 48}
    )
    assert evaluate(automation, _lead(last_delivered_at=48 * H - MIN), EMAIL, NOW) is None


@pytest.mark.parametrize(
    ("opened", "fires"),
    [
        (None, True),
        (5 * D, True),  # opened an older message: this one is not opened
        (3 * D, False),  # opened at the delivery time: opened
        (2 * D, False),  # opened after the delivery
    ],
)
def test_not_opened_means_no_open_since_the_delivery(opened: timedelta | None, fires: bool) -> None:
    automation = _automation(TriggerType.NOT_OPENED, {"hours": 24})
    lead = _lead(last_delivered_at=3 * D, last_opened_at=opened)
    assert (evaluate(automation, lead, EMAIL, NOW) is not None) is fires


def test_not_opened_is_broken_by_a_reply_after_the_delivery() -> None:
    automation = _automation(TriggerType.NOT_OPENED, {"hours": 24}, stops=[])
    assert evaluate(automation, _lead(last_delivered_at=3 * D, last_inbound_at=D), EMAIL, NOW) is None


def test_not_opened_starts_a_new_episode_on_a_new_delivery() -> None:
    automation = _automation(TriggerType.NOT_OPENED)
    first = _fire(evaluate(automation, _lead(last_delivered_at=3 * D), EMAIL, NOW))
    same = _fire(evaluate(automation, _lead(last_delivered_at=3 * D), EMAIL, NOW + D))
    new = _fire(evaluate(automation, _lead(last_delivered_at=3 * D - 2 * D), EMAIL, NOW + 2 * D))
    assert first.episode == same.episode != new.episode


# --- never contacted ------------------------------------------------------------------------------------
def test_never_contacted_fires_days_after_the_creation() -> None:
    automation = _automation(TriggerType.NEVER_CONTACTED, {"days": 2})
    assert evaluate(automation, _lead(LeadStatus.NEW, created=2 * D), EMAIL, NOW) == Fire(
        "never", "never_contacted", {"days": 2}
    )
    assert evaluate(automation, _lead(LeadStatus.NEW, created=2 * D - MIN), EMAIL, NOW) is None


@pytest.mark.parametrize("field", ["last_contact_at", "last_outbound_at", "last_inbound_at"])
def test_any_contact_means_contacted(field: str) -> None:
    automation = _automation(TriggerType.NEVER_CONTACTED, {"days": 1}, stops=[])
    assert evaluate(automation, _lead(created=10 * D, **{field: 5 * D}), EMAIL, NOW) is None


def test_never_contacted_with_zero_days_fires_at_creation() -> None:
    automation = _automation(TriggerType.NEVER_CONTACTED, {"days": 0})
    assert _fire(evaluate(automation, _lead(created=timedelta(0)), EMAIL, NOW)).values == {"days": 0}


# --- inbound intent -------------------------------------------------------------------------------------
def test_an_unanswered_intent_fires_at_once() -> None:
    # The lead's reply came after our message: replied is not listed, the intent is the trigger
    automation = _automation(TriggerType.INBOUND_INTENT, stops=[StopCondition.STATUS_CONVERTED])
    lead = _lead(last_outbound_at=D, last_inbound_at=H, last_intent="meeting_request", last_intent_at=H)
    assert evaluate(automation, lead, EMAIL, NOW) == Fire(
        "intent:2026-03-10T11:00:00.000000Z", "inbound_intent", {"intent": "meeting_request"}
    )


@pytest.mark.parametrize(
    ("intent", "fires"),
    [("interested", True), ("meeting_request", True), ("question", False), ("neutral", False), (None, False)],
)
def test_only_the_configured_intents_fire(intent: str | None, fires: bool) -> None:
    automation = _automation(TriggerType.INBOUND_INTENT, stops=[])  # default: interested, meeting
    lead = _lead(last_inbound_at=H, last_intent=intent, last_intent_at=H)
    assert (evaluate(automation, lead, EMAIL, NOW) is not None) is fires
    custom = _automation(TriggerType.INBOUND_INTENT, {"intents": ["question"]}, stops=[])
    assert (evaluate(custom, lead, EMAIL, NOW) is not None) is (intent == "question")


def test_an_intent_we_answered_does_not_fire() -> None:
    automation = _automation(TriggerType.INBOUND_INTENT, stops=[])
    answered = _lead(last_outbound_at=H, last_intent="interested", last_intent_at=2 * H)
    same_time = _lead(last_outbound_at=H, last_intent="interested", last_intent_at=H)
    without_time = _lead(last_intent="interested")
    assert evaluate(automation, answered, EMAIL, NOW) is None
    assert evaluate(automation, same_time, EMAIL, NOW) is None
    assert evaluate(automation, without_time, EMAIL, NOW) is None


def test_a_new_intent_is_a_new_episode() -> None:
    automation = _automation(TriggerType.INBOUND_INTENT, stops=[])
    first = _fire(evaluate(automation, _lead(last_intent="interested", last_intent_at=H), EMAIL, NOW))
    later = _fire(evaluate(automation, _lead(last_intent="interested", last_intent_at=H), EMAIL, NOW + H))
    new = _fire(evaluate(automation, _lead(last_intent="interested", last_intent_at=H - D), EMAIL, NOW + D))
    assert first.episode == later.episode != new.episode


# --- stop conditions ------------------------------------------------------------------------------------
SILENT = {"last_outbound_at": 10 * D}


def test_a_converted_lead_stops_only_when_listed() -> None:
    converted = _lead(LeadStatus.CONVERTED, **SILENT)
    listed = _automation(TriggerType.SILENCE, stops=[StopCondition.STATUS_CONVERTED])
    unlisted = _automation(TriggerType.SILENCE, stops=[StopCondition.REPLIED, StopCondition.OPTED_OUT])
    assert evaluate(listed, converted, EMAIL, NOW) == Stop("status_converted")
    assert _fire(evaluate(unlisted, converted, EMAIL, NOW)).code == "silence"


def test_an_opt_out_stops_only_on_its_channel_and_only_when_listed() -> None:
    opted_out = _lead(opted_out=Channel.SMS, **SILENT)
    listed = _automation(TriggerType.SILENCE, stops=[StopCondition.OPTED_OUT])
    assert evaluate(listed, opted_out, Channel.SMS, NOW) == Stop("opted_out")
    assert _fire(evaluate(listed, opted_out, EMAIL, NOW)).code == "silence"
    assert (
        _fire(evaluate(_automation(TriggerType.SILENCE, stops=[]), opted_out, Channel.SMS, NOW)).code
        == "silence"
    )


def test_consent_granted_is_no_opt_out() -> None:
    lead = _lead(**SILENT)
    lead.consent[EMAIL] = ConsentState(granted=True, updated_at=NOW, reason="double opt-in")
    assert stop(_automation(TriggerType.SILENCE), lead, EMAIL) is None


@pytest.mark.parametrize(
    ("times", "replied"),
    [
        ({"last_outbound_at": 2 * D, "last_inbound_at": D}, True),
        ({"last_inbound_at": D}, True),  # the lead wrote first and we never answered
        ({"last_outbound_at": D, "last_inbound_at": 2 * D}, False),
        ({"last_outbound_at": D, "last_inbound_at": D}, False),
        ({"last_outbound_at": D}, False),
        ({}, False),
    ],
)
def test_replied_is_a_message_in_after_our_last_one(times: dict[str, timedelta], replied: bool) -> None:
    automation = _automation(TriggerType.NEVER_CONTACTED, stops=[StopCondition.REPLIED])
    assert (stop(automation, _lead(**times), EMAIL) == Stop("replied")) is replied


def test_replied_stops_an_intent_trigger_when_listed() -> None:
    # With the default stops, a reply (even one carrying an intent) stops the automation
    lead = _lead(last_outbound_at=D, last_inbound_at=H, last_intent="interested", last_intent_at=H)
    assert evaluate(_automation(TriggerType.INBOUND_INTENT), lead, EMAIL, NOW) == Stop("replied")


def test_stops_are_checked_before_the_trigger_in_a_fixed_order() -> None:
    lead = _lead(LeadStatus.CONVERTED, opted_out=EMAIL, last_outbound_at=2 * D, last_inbound_at=D)
    every = [StopCondition.REPLIED, StopCondition.OPTED_OUT, StopCondition.STATUS_CONVERTED]
    assert evaluate(_automation(TriggerType.SILENCE, stops=every), lead, EMAIL, NOW) == Stop(
        "status_converted"
    )
    without_status = [StopCondition.REPLIED, StopCondition.OPTED_OUT]
    assert evaluate(_automation(TriggerType.SILENCE, stops=without_status), lead, EMAIL, NOW) == Stop(
        "opted_out"
    )
    assert evaluate(
        _automation(TriggerType.SILENCE, stops=[StopCondition.REPLIED]), lead, EMAIL, NOW
    ) == Stop("replied")


def test_a_stop_holds_even_when_the_trigger_would_not_fire() -> None:
    # Created an hour ago: never_contacted (1 day) would not fire, but the lead is converted
    lead = _lead(LeadStatus.CONVERTED, created=H)
    assert evaluate(_automation(TriggerType.NEVER_CONTACTED), lead, EMAIL, NOW) == Stop("status_converted")


# --- defaults --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("trigger", "field", "threshold"),
    [
        (TriggerType.SILENCE, "last_outbound_at", 3 * D),
        (TriggerType.OPENED_NO_REPLY, "last_opened_at", 24 * H),
        (TriggerType.NOT_OPENED, "last_delivered_at", 48 * H),
    ],
)
def test_an_empty_config_takes_the_triggers_defaults(
    trigger: TriggerType, field: str, threshold: timedelta
) -> None:
    automation = _automation(trigger, {})
    assert evaluate(automation, _lead(**{field: threshold}), EMAIL, NOW) is not None
    assert evaluate(automation, _lead(**{field: threshold - MIN}), EMAIL, NOW) is None


def test_never_contacted_defaults_to_one_day() -> None:
    automation = _automation(TriggerType.NEVER_CONTACTED, {})
    assert evaluate(automation, _lead(created=D), EMAIL, NOW) is not None
    assert evaluate(automation, _lead(created=D - MIN), EMAIL, NOW) is None


def test_an_invalid_config_is_refused() -> None:
    with pytest.raises(ValueError, match="days"):
        evaluate(_automation(TriggerType.SILENCE, {"days": 0}), _lead(**SILENT), EMAIL, NOW)


# --- the reason of what an automation did -------------------------------------------------------------
SILENCE = Fire("silence:2026-03-06T12:00:00.000000Z", "silence", {"days": 4})


@pytest.mark.parametrize(
    ("outcome", "detail", "values", "until", "ending"),
    [
        (Outcome.SENT, None, {}, None, "Message envoyé (mode Automatique)."),
        (Outcome.DRAFTED, None, {}, None, "Brouillon prêt, il attend votre validation (mode Assisté)."),
        (Outcome.SKIPPED, "opted_out", {"channel": "sms"}, None, "le lead s'est désinscrit du canal SMS."),
        (
            Outcome.FAILED,
            "provider_refused",
            {"channel": "sms"},
            None,
            "le fournisseur SMS a refusé le message.",
        ),
        (
            Outcome.DEFERRED,
            "daily_cap",
            {"channel": "email"},
            "mercredi 11 mars à 09:00",
            "Reporté : le plafond quotidien de messages e-mail est atteint. "
            "Nouvel essai mercredi 11 mars à 09:00.",
        ),
        (
            Outcome.SKIPPED,
            "template_incomplete",
            {"missing": "company"},
            None,
            "Rien n'est parti : le modèle n'a pas de valeur pour company.",
        ),
    ],
)
def test_the_reason_names_the_automation_its_trigger_and_what_was_done(
    outcome: Outcome, detail: str | None, values: dict[str, str], until: str | None, ending: str
) -> None:
    text = reason_text("Relance", SILENCE, outcome, "fr", detail_code=detail, values=values, until=until)
    assert text.startswith("« Relance » : aucune réponse depuis 4 jours après votre dernier message. ")
    assert text.endswith(ending)


def test_the_reason_is_in_english_for_an_english_tenant() -> None:
    fire = Fire("intent:2026-03-10T08:00:00.000000Z", "inbound_intent", {"intent": "interested"})
    assert reason_text("Hot", fire, Outcome.RECOMMENDED, "en") == (
        '"Hot": the lead replied (clear interest) and is waiting to hear back. '
        "M.A.X. suggests a follow-up; nothing is sent (advise mode)."
    )


@pytest.mark.parametrize("outcome", [Outcome.STOPPED, Outcome.TASK_CREATED, Outcome.COMPLETED])
def test_an_outcome_no_automation_ends_in_is_refused(outcome: Outcome) -> None:
    with pytest.raises(ValueError, match=outcome.value):
        reason_text("Relance", SILENCE, outcome, "fr")


@pytest.mark.parametrize(
    ("outcome", "locale", "expected"),
    [
        (
            Outcome.SENT,
            "fr",
            "« Relance » : l'envoi interrompu était bien parti ; il est enregistré, sans second message.",
        ),
        (
            Outcome.UNCONFIRMED,
            "en",
            '"Relance": the send was interrupted and is not retried, so the lead never gets it twice; '
            "its arrival is not confirmed.",
        ),
        (Outcome.SKIPPED, "en", '"Relance": the trigger no longer holds for this lead; nothing went out.'),
    ],
)
def test_an_occurrence_left_open_says_how_it_was_closed(outcome: Outcome, locale: str, expected: str) -> None:
    assert left_open_text("Relance", outcome, locale) == expected


@pytest.mark.parametrize("outcome", [Outcome.DEFERRED, Outcome.DRAFTED, Outcome.FAILED])
def test_an_occurrence_left_open_is_never_closed_as_deferred_drafted_or_failed(outcome: Outcome) -> None:
    with pytest.raises(ValueError, match="left open"):
        left_open_text("Relance", outcome, "fr")


@pytest.mark.parametrize(
    ("fire", "locale", "trigger"),
    [
        (Fire("silence:x", "silence", {"days": 1}), "fr", "« A » : aucune réponse depuis 1 jour après"),
        (Fire("silence:x", "silence", {"days": 1}), "en", '"A": no answer for 1 day after'),
        (Fire("opened:x", "opened_no_reply", {"hours": 47}), "fr", "« A » : e-mail ouvert il y a 47 heures,"),
        (Fire("opened:x", "opened_no_reply", {"hours": 140}), "fr", "« A » : e-mail ouvert il y a 5 jours,"),
        (Fire("sent:x", "not_opened", {"hours": 140}), "en", '"A": e-mail delivered 5 days ago and'),
        (Fire("never", "never_contacted", {"days": 0}), "fr", "« A » : lead créé il y a 0 jour et"),
        (
            Fire("intent:x", "inbound_intent", {"intent": "meeting_request"}),
            "fr",
            "« A » : le lead a répondu (demande de rendez-vous)",
        ),
    ],
)
def test_a_trigger_reads_its_counts_durations_and_intent_as_words(
    fire: Fire, locale: str, trigger: str
) -> None:
    assert reason_text("A", fire, Outcome.SENT, locale).startswith(trigger)
