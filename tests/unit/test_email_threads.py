"""The pure parts of e-mail threading: our Message-IDs, what a reply's headers name, follow-up subjects."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from maxcore.models.prospection import Scenario, ScenarioStep, SentStep, StepChannel, ThreadMode
from maxcore.rules.email_threads import (
    Thread,
    answered_ids,
    current_thread,
    lead_named,
    message_id,
    received_thread,
    reply_subject,
)

LEAD = "01JFVENTS0DEMA0000000000SM"
AT = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


# --- Message-IDs ---------------------------------------------------------------------------------
def test_a_message_id_is_the_same_for_every_try_of_one_send_and_differs_between_sends() -> None:
    # Given the keys of two sends
    first = message_id("acme:step:C1:L1:1", LEAD, "contact@bellepeau.fr")
    # Then the same key gives the same id, another key another id
    assert message_id("acme:step:C1:L1:1", LEAD, "contact@bellepeau.fr") == first
    assert message_id("acme:step:C1:L1:2", LEAD, "contact@bellepeau.fr") != first
    assert message_id("other:step:C1:L1:1", LEAD, "contact@bellepeau.fr") != first


def test_a_message_id_names_the_lead_and_ends_with_the_senders_domain() -> None:
    # Given a sender written with its display name
    found = message_id("acme:k", LEAD, '"Belle Peau, Paris" <Contact@BellePeau.FR>')
    # Then the id is bare, names the lead and ends with the sender's domain, lower-cased
    token, _, rest = found.partition(".")
    assert rest == f"{LEAD}@bellepeau.fr"
    assert len(token) == 16
    assert "<" not in found
    assert lead_named(found) == LEAD


@pytest.mark.parametrize("written", ["<{id}>", " <{id}> ", "{id}"])
def test_our_id_names_its_lead_with_or_without_angle_brackets(written: str) -> None:
    ours = message_id("acme:k", LEAD, "contact@bellepeau.fr")
    assert lead_named(written.format(id=ours)) == LEAD


@pytest.mark.parametrize(
    "foreign",
    [
        "CAF=abc123@mail.gmail.com",
        f"abcdefghijklmnop.{LEAD.lower()}@bellepeau.fr",  # not a ULID any more
        f"abcdefghijklmno.{LEAD}@bellepeau.fr",  # token too short
        f"abcdefghijklmnop.{LEAD}",  # no domain
        f"abcdefghijklmnop.{LEAD}@a@b",
        "",
    ],
)
def test_an_id_that_is_not_ours_names_no_lead(foreign: str) -> None:
    assert lead_named(foreign) is None


def test_a_reply_names_in_reply_to_first_then_references_newest_first_each_once() -> None:
    ids = answered_ids("<c@x>", ("a@x", "<b@x>", "c@x"))
    assert ids == ["c@x", "b@x", "a@x"]
    assert answered_ids(None, ()) == []
    assert answered_ids(None, ("a@x", " ")) == ["a@x"]


# --- subjects --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Votre planning atelier", "Re: Votre planning atelier"),
        ("Re: Votre planning atelier", "Re: Votre planning atelier"),
        ("RE : Re: re:Votre planning", "Re: Votre planning"),
        ("  Réservation  ", "Re: Réservation"),
        ("Rendez-vous", "Re: Rendez-vous"),
    ],
)
def test_a_follow_up_subject_is_re_once(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


# --- the thread of an e-mail received ----------------------------------------------------------------
def test_a_reply_to_a_received_email_continues_its_references_then_names_it() -> None:
    # Given the lead's e-mail, itself an answer in a thread of two, under a French "RE :" subject
    thread = received_thread("RE : Votre devis", "c3@mail.example.fr", ["a1@max.example.com", "b2@x.fr"])

    # Then the reply's References are the thread's then the e-mail's; In-Reply-To is the e-mail's
    assert thread.message_ids == ("a1@max.example.com", "b2@x.fr", "c3@mail.example.fr")
    assert thread.message_ids[-1] == "c3@mail.example.fr"
    # And its subject says "Re:" once, as mail clients write it in every language
    assert thread.reply_subject == "Re: Votre devis"
    assert thread.sender is None


def test_a_received_email_without_a_subject_is_a_thread_without_one() -> None:
    thread = received_thread(None, "c3@mail.example.fr", [])
    assert (thread.subject, thread.message_ids) == ("", ("c3@mail.example.fr",))


# --- the thread of a sequence --------------------------------------------------------------------
def _scenario(*steps: tuple[StepChannel, ThreadMode]) -> Scenario:
    return Scenario(
        id="s",
        version=1,
        name="Relances",
        steps=[
            ScenarioStep(order=i, delay_days=1, channel=channel, objective="Relancer", thread=thread)
            for i, (channel, thread) in enumerate(steps, start=1)
        ],
        created_at=AT,
    )


def _sent(step: int, channel: StepChannel = StepChannel.EMAIL, subject: str | None = None) -> SentStep:
    email = channel is StepChannel.EMAIL
    return SentStep(
        step=step,
        channel=channel,
        at=AT,
        message_id=f"m{step}@x" if email else None,
        subject=subject or (f"Sujet {step}" if email else None),
    )


def test_no_email_sent_yet_means_no_thread() -> None:
    scenario = _scenario((StepChannel.SMS, ThreadMode.SAME), (StepChannel.EMAIL, ThreadMode.SAME))
    assert current_thread([], scenario) is None
    assert current_thread([_sent(1, StepChannel.SMS)], scenario) is None


def test_same_thread_steps_chain_their_ids_oldest_first_under_the_first_subject() -> None:
    # Given three e-mail steps in one thread, with an SMS between them
    scenario = _scenario(
        (StepChannel.EMAIL, ThreadMode.SAME),
        (StepChannel.SMS, ThreadMode.SAME),
        (StepChannel.EMAIL, ThreadMode.SAME),
        (StepChannel.EMAIL, ThreadMode.SAME),
    )
    sent = [
        _sent(1, subject="Votre atelier"),
        _sent(2, StepChannel.SMS),
        _sent(3, subject="Re: Votre atelier"),
    ]
    # When the fourth step asks for its thread
    thread = current_thread(sent, scenario)
    # Then it answers the third e-mail, references both, and keeps the first subject
    assert thread == Thread("Votre atelier", ("m1@x", "m3@x"))
    assert thread is not None
    assert thread.reply_subject == "Re: Votre atelier"


def test_a_new_thread_step_starts_the_thread_its_followers_continue() -> None:
    scenario = _scenario(
        (StepChannel.EMAIL, ThreadMode.SAME),
        (StepChannel.EMAIL, ThreadMode.NEW),
        (StepChannel.EMAIL, ThreadMode.SAME),
    )
    thread = current_thread([_sent(1), _sent(2, subject="Autre sujet")], scenario)
    assert thread == Thread("Autre sujet", ("m2@x",))


def test_an_email_sent_without_a_message_id_is_in_no_thread() -> None:
    # Given a first e-mail recorded before Message-IDs were kept
    scenario = _scenario((StepChannel.EMAIL, ThreadMode.SAME), (StepChannel.EMAIL, ThreadMode.SAME))
    older = SentStep(step=1, channel=StepChannel.EMAIL, at=AT)
    # Then the next step starts its own thread
    assert current_thread([older], scenario) is None


def test_a_thread_keeps_the_sender_of_its_first_email() -> None:
    # Given a thread whose first e-mail went from one sender and its follow-up from another
    scenario = _scenario(
        (StepChannel.EMAIL, ThreadMode.SAME),
        (StepChannel.EMAIL, ThreadMode.SAME),
        (StepChannel.EMAIL, ThreadMode.NEW),
    )
    first = _sent(1).model_copy(update={"sender": "claire@bellepeau.fr"})
    second = _sent(2).model_copy(update={"sender": "marc@bellepeau.fr"})
    # Then the thread's sender is the first e-mail's
    thread = current_thread([first, second], scenario)
    assert thread is not None
    assert thread.sender == "claire@bellepeau.fr"
    # And a new thread takes its own first e-mail's sender
    third = _sent(3).model_copy(update={"sender": "marc@bellepeau.fr"})
    new_thread = current_thread([first, second, third], scenario)
    assert new_thread is not None
    assert new_thread.sender == "marc@bellepeau.fr"
