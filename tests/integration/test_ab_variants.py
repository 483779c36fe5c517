"""A/B variants of a scenario step (issue 19 §1), through the handlers on the table.

Prospects are enrolled through the API, the scheduler sends through the real Twilio SDK against the
fake Twilio, status callbacks and replies come through the webhooks handler signed with the tenant's
secret, and the replies' evaluation through the worker: the variants' counters move with each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine

from maxcore.dal.activities import ActivityRepository
from maxcore.dal.enrollments import EnrollmentRepository
from maxcore.dal.keys import DUE_SHARDS
from maxcore.dal.variants import VariantCount, VariantRepository, counter_update
from maxcore.ids import new_id
from maxcore.models.activity import Direction
from maxcore.models.prospection import PreviewItem
from maxcore.models.tenant import Mode
from maxcore.rules.variants import MIN_SAMPLE, assign
from maxcore.services.budget import BudgetService
from maxcore.services.schedule_preview import SchedulePreviewService
from maxcore.services.sequencer import Sequencer
from tests.integration.conftest import RESEND_LIVE_KEY, run_worker_until_idle
from tests.integration.test_prospection import PROSPECTION, TEMPLATES, _campaign
from tests.integration.test_prospection import _tenant as _prospection_tenant
from tests.integration.test_unsubscribe import _page
from tests.integration.test_webhooks import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    OUR_NUMBER,
    inbound,
    leads,
    messaging,
    resend,
    twilio_for_tenants,
    webhook,
    webhook_tenant,
)
from tests.support.api import ApiClient
from tests.support.fake_providers import FakeResend, FakeTwilio
from tests.support.webhook_samples import resend_payload, twilio_event, twilio_status_params

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("ssm_endpoint")]

TODAY = date(2026, 11, 16)
"""The session's Monday (tests/conftest.py), inside the campaigns' Monday-Friday 09:00-18:00 window."""


@pytest.fixture
def mode() -> Mode:
    """The tenant's autonomy mode (a test parametrizes it to run assisted)."""
    return Mode.AUTO


@pytest.fixture
def tenant(tenant_id: str, fanout_queue: str, mode: Mode) -> str:
    """A tenant (automatic unless told) whose SMS go through Twilio and whose webhooks are signed."""
    _prospection_tenant(tenant_id, mode)
    webhook_tenant(tenant_id, fanout_queue)
    BudgetService(tenant_id).add_packs(1, "the campaigns' follow-ups")
    return tenant_id


@pytest.fixture
def fake_twilio(monkeypatch: pytest.MonkeyPatch, tenant: str) -> Iterator[FakeTwilio]:
    for fake in twilio_for_tenants(monkeypatch):
        channel = messaging(tenant).request(
            "PUT",
            "/channels/sms",
            json_body={"sender": OUR_NUMBER, "credentials": {"account_sid": ACCOUNT_SID}},
        )
        assert channel.status == 200, channel.body
        yield fake


@pytest.fixture
def api(tenant: str) -> ApiClient:
    return ApiClient(PROSPECTION, tenant)


def _template(tenant_id: str, body: str, channel: str = "sms") -> str:
    templates = ApiClient(TEMPLATES, tenant_id)
    fields = {"subject": "Bonjour"} if channel == "email" else {}
    created = templates.post("/templates", {"channel": channel, "name": body[:40], "body": body, **fields})
    assert created.status == 201, created.body
    activated = templates.post(f"/templates/{created.body['id']}/activate")
    assert activated.status == 200, activated.body
    return str(created.body["id"])


def _ab_scenario(
    api: ApiClient, tenant_id: str, channel: str = "sms", **variant_b: Any
) -> tuple[str, dict[str, str]]:
    """A scenario whose first step tests two templates (A and B), then a plain second step."""
    bodies = {
        "A": "Bonjour {{firstName|}}, -20 % sur votre premier soin cette semaine !",
        "B": "Bonjour {{firstName|}}, un diagnostic de peau offert : on vous le réserve ?",
    }
    ids = {letter: _template(tenant_id, body, channel) for letter, body in bodies.items()}
    first = {
        "order": 1,
        "delay_days": 0,
        "channel": channel,
        "objective": "Se présenter",
        "variants": [{"template_id": ids["A"]}, {"template_id": ids["B"], **variant_b}],
    }
    second = {"order": 2, "delay_days": 3, "channel": channel, "objective": "Relancer"} | {
        "template_id": ids["A"]
    }
    response = api.post("/scenarios", {"name": "Test A/B", "steps": [first, second]})
    assert response.status == 201, response.body
    return str(response.body["id"]), bodies


def _leads(tenant_id: str, count: int, first: int = 0) -> dict[str, str]:
    """``count`` new leads with a mobile number each (numbered from ``first``): their ids to their numbers."""
    found = {}
    for n in range(first, first + count):
        phone = f"+336112{n:05d}"
        created = leads(tenant_id).post("/leads", {"first_name": f"Léa{n}", "phone": phone})
        assert created.status == 201, created.body
        found[str(created.body["id"])] = phone
    return found


def _enroll(api: ApiClient, campaign_id: str, lead_ids: list[str]) -> None:
    response = api.post(f"/campaigns/{campaign_id}/prospects", {"lead_ids": lead_ids})
    assert response.status == 200, response.body
    assert response.body["rejected"] == [], response.body


@dataclass(frozen=True)
class AbCampaign:
    """A campaign testing two SMS templates at its first step, with prospects enrolled."""

    campaign_id: str
    bodies: dict[str, str]
    """Each variant's template body."""
    phones: dict[str, str]
    """The prospects' numbers, by lead id."""
    expected: dict[str, str]
    """The variant each prospect gets."""


def _tested(api: ApiClient, tenant_id: str, prospects: int) -> AbCampaign:
    scenario_id, bodies = _ab_scenario(api, tenant_id)
    campaign_id = _campaign(api, scenario_id)
    phones = _leads(tenant_id, prospects)
    _enroll(api, campaign_id, list(phones))
    expected = {lead: assign(campaign_id, lead, 1, [1, 1]) for lead in phones}
    return AbCampaign(campaign_id, bodies, phones, expected)


def _run(tenant_id: str, at: datetime | None = None) -> Counter[str]:
    """The scheduler's run over every shard, now or at ``at``."""
    sequencer = Sequencer(tenant_id) if at is None else Sequencer(tenant_id, lambda: at)
    outcomes = Counter[str]()
    for shard in range(DUE_SHARDS):
        outcomes.update(sequencer.run_shard(shard).outcomes)
    return outcomes


def _previewed(tenant_id: str, campaign_id: str) -> dict[str, str | None]:
    """The variant the schedule preview says each prospect of the campaign gets today."""
    return {i.lead_id: i.variant for i in _preview_items(tenant_id, campaign_id)}


def _preview_items(tenant_id: str, campaign_id: str) -> list[PreviewItem]:
    """The schedule preview's items of the campaign today."""
    preview = SchedulePreviewService(tenant_id).preview(TODAY)
    return [i for i in preview.items if i.campaign_id == campaign_id]


def _significant_counters(tenant_id: str, campaign_id: str) -> None:
    """Step 1's variants have sent 200 each: B 15 % positive replies, A 7.5 % (p = 0.018)."""
    for letter, positive in (("A", 15), ("B", 30)):
        item, actions = counter_update(
            tenant_id, VariantCount(campaign_id, 1, letter, {"sent": 200, "positive_replies": positive})
        )
        item.update(actions=actions)


def _sent(tenant_id: str, campaign_id: str, lead_id: str) -> list[tuple[int, str | None]]:
    enrollment = EnrollmentRepository(tenant_id).get(campaign_id, lead_id)
    return [(s.step, s.variant) for s in enrollment.sent]


def _message(tenant_id: str, lead_id: str, step: int = 1) -> Any:
    """The message the campaign sent the lead at ``step``."""
    (activity,) = [
        a
        for a in ActivityRepository(tenant_id).page_for_lead(lead_id, None, 20)
        if a.direction is Direction.OUT and a.metadata.get("step") == step
    ]
    return activity


def _figures(api: ApiClient, campaign_id: str) -> dict[str, Any]:
    response = api.get(f"/campaigns/{campaign_id}/variants")
    assert response.status == 200, response.body
    (step,) = response.body["steps"]
    return dict(step)


def _counts(step: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {v["variant"]: v["counts"] for v in step["variants"]}


def _moved(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Each variant's figures other than its sends, those at zero left out."""
    return {letter: {k: v for k, v in c.items() if k != "sent" and v} for letter, c in counts.items()}


def _status(tenant_id: str, sid: str, phone: str, status: str, error_code: str | None = None) -> None:
    params = twilio_status_params(sid, status, phone, OUR_NUMBER, error_code, account_sid=ACCOUNT_SID)
    assert webhook(twilio_event(tenant_id, params, AUTH_TOKEN))["statusCode"] == 200


# --- sends, the same variant every time, and the counters ----------------------------------------
def test_prospects_keep_their_variant_and_the_counters_follow_sends_deliveries_and_replies(
    tenant: str, api: ApiClient, fake_twilio: FakeTwilio, fanout_queue: str
) -> None:
    # Given a campaign whose first SMS step tests two templates, and ten prospects enrolled
    tested = _tested(api, tenant, 10)
    campaign_id, bodies, phones, expected = tested.campaign_id, tested.bodies, tested.phones, tested.expected

    # When the day is previewed, twice, Then each prospect is shown its variant, the same each time
    assert _previewed(tenant, campaign_id) == expected
    assert _previewed(tenant, campaign_id) == expected

    # When the scheduler runs, and runs again
    assert _run(tenant) == {"sent": 10}
    assert _run(tenant) == {}
    # Then each prospect was sent the variant it was shown: its template, recorded on the step, the
    # decision and the message
    for lead, letter in expected.items():
        assert _sent(tenant, campaign_id, lead) == [(1, letter)]
        message = _message(tenant, lead)
        assert message.metadata["variant"] == letter
        assert bodies[letter].split("}}")[1][:25] in message.preview
        prospect = api.get(f"/campaigns/{campaign_id}/prospects/{lead}").body
        assert prospect["last_decision"]["variant"] == letter
    # And the counters say how many each variant sent, without reading a prospect
    step = _figures(api, campaign_id)
    split = Counter(expected.values())
    assert {v: c["sent"] for v, c in _counts(step).items()} == {"A": split["A"], "B": split["B"]}
    assert step["verdict"]["status"] == "collecting"
    assert step["verdict"]["sends_needed"] == 2 * MIN_SAMPLE - 10

    # When Twilio reports one message delivered (twice, then a late "sent"), another undelivered
    first, second, third = list(phones)[:3]
    _status(tenant, _message(tenant, first).provider_message_id, phones[first], "delivered")
    _status(tenant, _message(tenant, first).provider_message_id, phones[first], "delivered")
    _status(tenant, _message(tenant, first).provider_message_id, phones[first], "sent")
    _status(tenant, _message(tenant, second).provider_message_id, phones[second], "undelivered")
    # And the first lead answers with interest, the third says STOP (the worker takes the replies)
    assert (
        webhook(inbound(tenant, "Oui ça m'intéresse, appelez-moi", "SM" + "b1" * 16, phone=phones[first]))[
            "statusCode"
        ]
        == 200
    )
    assert webhook(inbound(tenant, "STOP", "SM" + "b2" * 16, phone=phones[third]))["statusCode"] == 200
    run_worker_until_idle(fanout_queue, timeout_ms=60_000)

    # Then the delivery counts once for the first lead's variant, the reply as a positive one, and the
    # STOP as an unsubscribe of the third lead's variant; nothing else moved
    moved: dict[str, Counter[str]] = {"A": Counter(), "B": Counter()}
    moved[expected[first]].update(delivered=1, replies=1, positive_replies=1)
    moved[expected[third]].update(unsubscribes=1)
    counts = _counts(_figures(api, campaign_id))
    for letter in "AB":
        assert {k: v for k, v in counts[letter].items() if k != "sent" and v} == dict(moved[letter])
    rates = {v["variant"]: v["rates"] for v in _figures(api, campaign_id)["variants"]}
    assert rates[expected[first]]["positive_replies"] == round(1 / split[expected[first]], 4)

    # When the replies are evaluated again (a redelivered message), Then nothing is counted twice
    assert Sequencer(tenant).apply_reply(first) == 0
    assert Sequencer(tenant).apply_reply(third) == 0
    assert _counts(_figures(api, campaign_id)) == counts


@pytest.mark.parametrize("mode", [Mode.ASSISTED])
def test_approved_drafts_count_for_their_variant_like_automatic_sends(
    tenant: str, api: ApiClient, fake_twilio: FakeTwilio, fanout_queue: str
) -> None:
    # Given an assisted tenant whose campaign tests two variants, and six prospects enrolled
    tested = _tested(api, tenant, 6)
    campaign_id, bodies, phones, expected = tested.campaign_id, tested.bodies, tested.phones, tested.expected

    # When the scheduler runs, Then each prospect waits on a draft written as its variant
    assert _run(tenant) == {"drafted": 6}
    drafts = {d["lead_id"]: d for d in api.get("/approvals", query={"kind": "draft"}).body["items"]}
    assert {lead: d["origin"]["variant"] for lead, d in drafts.items()} == expected
    for lead, draft in drafts.items():
        assert bodies[expected[lead]].split("}}")[1][:25] in draft["body"]
    assert {v: c["sent"] for v, c in _counts(_figures(api, campaign_id)).items()} == {"A": 0, "B": 0}

    # When five drafts are approved (one twice) and the sixth rejected
    *approved, rejected = list(phones)
    for lead in approved:
        decided = api.post(f"/approvals/{drafts[lead]['id']}", {"decision": "approve"})
        assert decided.status == 200, decided.body
    assert api.post(f"/approvals/{drafts[approved[0]]['id']}", {"decision": "approve"}).status == 409
    assert api.post(f"/approvals/{drafts[rejected]['id']}", {"decision": "reject"}).status == 200
    # Then each message that went counts once as sent for its prospect's variant, the rejected one not,
    # and each is recorded as its variant on the step, the decision and the message
    split = Counter(expected[lead] for lead in approved)
    assert {v: c["sent"] for v, c in _counts(_figures(api, campaign_id)).items()} == {
        "A": split["A"],
        "B": split["B"],
    }
    for lead in approved:
        assert _sent(tenant, campaign_id, lead) == [(1, expected[lead])]
        assert _message(tenant, lead).metadata["variant"] == expected[lead]
        prospect = api.get(f"/campaigns/{campaign_id}/prospects/{lead}").body
        assert (prospect["last_decision"]["code"], prospect["last_decision"]["variant"]) == (
            "draft_approved",
            expected[lead],
        )
    assert _sent(tenant, campaign_id, rejected) == []

    # When Twilio reports the first approved message delivered, the second prospect answers with
    # interest and the third says STOP
    first, second, third = approved[:3]
    _status(tenant, _message(tenant, first).provider_message_id, phones[first], "delivered")
    hot = inbound(tenant, "Oui ça m'intéresse, appelez-moi", "SM" + "c1" * 16, phone=phones[second])
    assert webhook(hot)["statusCode"] == 200
    assert webhook(inbound(tenant, "STOP", "SM" + "c2" * 16, phone=phones[third]))["statusCode"] == 200
    run_worker_until_idle(fanout_queue, timeout_ms=60_000)

    # Then each counts for the variant its prospect was sent, as an automatic send's would
    moved: dict[str, Counter[str]] = {"A": Counter(), "B": Counter()}
    moved[expected[first]].update(delivered=1)
    moved[expected[second]].update(replies=1, positive_replies=1)
    moved[expected[third]].update(unsubscribes=1)
    assert _moved(_counts(_figures(api, campaign_id))) == {k: dict(v) for k, v in moved.items()}


# --- unsubscribes, whichever way they come -------------------------------------------------------
def test_a_provider_opt_out_counts_once_for_the_variant_of_the_message_it_names(
    tenant: str, api: ApiClient, fake_twilio: FakeTwilio
) -> None:
    # Given a campaign whose two prospects were sent their variant by SMS
    tested = _tested(api, tenant, 2)
    campaign_id, phones = tested.campaign_id, tested.phones
    assert _run(tenant) == {"sent": 2}
    opted_out = next(iter(phones))
    sid = _message(tenant, opted_out).provider_message_id

    # When Twilio reports the first message failed with 21610 (the number opted out), twice, then
    # undelivered with the same error
    _status(tenant, sid, phones[opted_out], "failed", "21610")
    _status(tenant, sid, phones[opted_out], "failed", "21610")
    _status(tenant, sid, phones[opted_out], "undelivered", "21610")

    # Then one unsubscribe is counted, for that prospect's variant, and nothing for the other's
    expected: dict[str, dict[str, int]] = {"A": {}, "B": {}}
    expected[tested.expected[opted_out]] = {"unsubscribes": 1}
    assert _moved(_counts(_figures(api, campaign_id))) == expected
    assert leads(tenant).get(f"/leads/{opted_out}").body["consent"]["sms"]["granted"] is False


def test_a_link_unsubscribe_and_a_spam_complaint_count_for_the_variant_of_their_email(
    tenant: str, api: ApiClient, resend_for_sends: FakeResend, fanout_queue: str
) -> None:
    # Given a campaign testing two e-mails at its first step, whose three prospects were sent theirs
    # through Resend, then the second step's e-mail (no variants) three days later
    channel = {"credentials": {"api_key": RESEND_LIVE_KEY}, "sender": "contact@bellepeau.fr"}
    assert messaging(tenant).request("PUT", "/channels/email", json_body=channel).status == 200
    scenario_id, _ = _ab_scenario(api, tenant, channel="email")
    campaign_id = _campaign(api, scenario_id)
    addresses = {}
    for n in range(3):
        created = leads(tenant).post("/leads", {"first_name": f"Léa{n}", "email": f"lea{n}@example.fr"})
        assert created.status == 201, created.body
        addresses[str(created.body["id"])] = f"lea{n}@example.fr"
    _enroll(api, campaign_id, list(addresses))
    assert _run(tenant) == {"sent": 3}
    expected = {lead: assign(campaign_id, lead, 1, [1, 1]) for lead in addresses}
    links = {
        email["to"][0]: email["headers"]["List-Unsubscribe"].split(">")[0].rsplit("/u/", 1)[1]
        for email in resend_for_sends.sent
    }
    later = datetime.now(UTC) + timedelta(days=3, hours=1)
    assert _run(tenant, later) == {"sent": 3}
    by_link, complaining, _ = list(addresses)

    # When the first prospect posts the unsubscribe link of its first e-mail, twice, after the second
    with time_machine.travel(later + timedelta(hours=1)):
        assert _page("POST", links[addresses[by_link]], "List-Unsubscribe=One-Click")[0] == 200
        assert _page("POST", links[addresses[by_link]], "List-Unsubscribe=One-Click")[0] == 200
    # And Resend reports the second prospect's first e-mail marked as spam, in two deliveries
    email_id = _message(tenant, complaining).provider_message_id
    complaint = resend_payload("email.complained", email_id, addresses[complaining], datetime.now(UTC))
    assert resend(tenant, complaint, "msg_complaint_ab_1")["statusCode"] == 200
    assert resend(tenant, complaint, "msg_complaint_ab_2")["statusCode"] == 200
    # And the worker evaluates the leads (the link's opt-out ends its sequence)
    run_worker_until_idle(fanout_queue, timeout_ms=60_000)

    # Then each counts one unsubscribe, for the variant of the e-mail it concerns, and nothing else
    # moved (the sequence's reading of the opt-out counts nothing more)
    moved: dict[str, Counter[str]] = {"A": Counter(), "B": Counter()}
    moved[expected[by_link]].update(unsubscribes=1)
    moved[expected[complaining]].update(unsubscribes=1)
    assert _moved(_counts(_figures(api, campaign_id))) == {k: dict(v) for k, v in moved.items()}
    assert leads(tenant).get(f"/leads/{by_link}").body["consent"]["email"]["granted"] is False


def test_a_winner_chosen_by_a_user_goes_to_new_prospects_and_the_others_keep_theirs(
    tenant: str, api: ApiClient, fake_twilio: FakeTwilio
) -> None:
    # Given a campaign testing two variants whose prospects were sent theirs
    scenario_id, _ = _ab_scenario(api, tenant)
    campaign_id = _campaign(api, scenario_id)
    first_wave = _leads(tenant, 6)
    _enroll(api, campaign_id, list(first_wave))
    assert _run(tenant) == {"sent": 6}
    before = {lead: _sent(tenant, campaign_id, lead) for lead in first_wave}

    # When the test's winner is asked for before any verdict, Then it is refused (409) and nothing changes
    refused = api.post(f"/campaigns/{campaign_id}/steps/1/winner", {})
    assert refused.status == 409, refused.body
    assert "significativement" in refused.body["error"]["message"]
    # And a variant the step does not have, or a step without variants, is refused too
    assert api.post(f"/campaigns/{campaign_id}/steps/1/winner", {"variant": "C"}).status == 422
    assert api.post(f"/campaigns/{campaign_id}/steps/1/winner", {"variant": "E"}).status == 422
    assert api.post(f"/campaigns/{campaign_id}/steps/2/winner", {"variant": "A"}).status == 404
    assert api.get(f"/campaigns/{campaign_id}").body["winners"] == {}

    # When a member sends B to every new prospect
    member = ApiClient(PROSPECTION, tenant, role="member", sub="user-7")
    chosen = member.post(f"/campaigns/{campaign_id}/steps/1/winner", {"variant": "B"})
    # Then the step says so, with who and why
    assert chosen.status == 200, chosen.body
    assert (chosen.body["winner"]["variant"], chosen.body["winner"]["chosen_by"]) == ("B", "user-7")
    assert chosen.body["winner"]["reason"].startswith("Variante B choisie par un utilisateur")
    assert _figures(api, campaign_id)["winner"]["variant"] == "B"

    # When new prospects are enrolled and the scheduler runs
    second_wave = _leads(tenant, 4, first=len(first_wave))
    _enroll(api, campaign_id, list(second_wave))
    assert set(_previewed(tenant, campaign_id).values()) == {"B"}
    assert _run(tenant) == {"sent": 4}
    # Then every new prospect got B, and those sent before keep the variant they had
    assert {_sent(tenant, campaign_id, lead)[0] for lead in second_wave} == {(1, "B")}
    assert {lead: _sent(tenant, campaign_id, lead) for lead in first_wave} == before

    # When the campaign moves to another version of its scenario, Then the new one is tested afresh
    moved = api.patch(f"/campaigns/{campaign_id}", {"scenario_id": scenario_id})
    assert moved.status == 200, moved.body
    assert moved.body["winners"] == {}


def test_auto_winner_sends_the_significant_winner_by_itself_with_its_reason(
    tenant: str, api: ApiClient, fake_twilio: FakeTwilio
) -> None:
    # Given an auto_winner campaign whose variants have sent 200 each: B 15 % positive, A 7.5 %
    scenario_id, _ = _ab_scenario(api, tenant)
    campaign_id = _campaign(api, scenario_id, auto_winner=True)
    _significant_counters(tenant, campaign_id)
    step = _figures(api, campaign_id)
    assert (step["verdict"]["status"], step["verdict"]["leader"], step["winner"]) == (
        "significant",
        "B",
        None,
    )

    # When a new prospect comes due and the scheduler runs
    lead_ids = list(_leads(tenant, 3))
    _enroll(api, campaign_id, lead_ids)
    assert _run(tenant) == {"sent": 3}

    # Then the run chose B by itself, saying why with the figures, and every prospect got B
    winner = api.get(f"/campaigns/{campaign_id}").body["winners"]["1"]
    assert (winner["variant"], winner["chosen_by"]) == ("B", "auto")
    assert "choisie automatiquement" in winner["reason"]
    assert "15,0\u00a0%" in winner["reason"]
    assert "p = 0,018" in winner["reason"]
    assert {_sent(tenant, campaign_id, lead)[0] for lead in lead_ids} == {(1, "B")}


def test_the_preview_shows_the_winner_auto_winner_is_about_to_choose_and_why(
    tenant: str, api: ApiClient
) -> None:
    # Given an auto_winner campaign whose test found B better, no run having chosen it yet, and
    # prospects enrolled
    scenario_id, _ = _ab_scenario(api, tenant)
    campaign_id = _campaign(api, scenario_id, auto_winner=True)
    _significant_counters(tenant, campaign_id)
    lead_ids = list(_leads(tenant, 6))
    _enroll(api, campaign_id, lead_ids)
    # When the day is previewed
    items = _preview_items(tenant, campaign_id)
    # Then every prospect is shown B, as the run will send it, with why and the test's figures
    assert {item.lead_id: item.variant for item in items} == dict.fromkeys(lead_ids, "B")
    (reason,) = {item.variant_reason for item in items}
    assert reason is not None
    assert reason.startswith("Variante B : la campagne l'enverra d'elle-même")
    assert "p = 0,018" in reason
    # And nothing was written: the campaign has no winner until its run chooses one
    assert api.get(f"/campaigns/{campaign_id}").body["winners"] == {}


def test_the_preview_says_a_variant_comes_from_the_split_until_a_winner_is_chosen(
    tenant: str, api: ApiClient
) -> None:
    # Given a campaign (not auto_winner) whose test found B better, and prospects enrolled
    scenario_id, _ = _ab_scenario(api, tenant)
    campaign_id = _campaign(api, scenario_id)
    _significant_counters(tenant, campaign_id)
    lead_ids = list(_leads(tenant, 6))
    _enroll(api, campaign_id, lead_ids)
    # When the day is previewed, Then each prospect keeps its own variant, from the split
    items = _preview_items(tenant, campaign_id)
    assert {i.lead_id: i.variant for i in items} == {
        lead: assign(campaign_id, lead, 1, [1, 1]) for lead in lead_ids
    }
    assert all("répartition (50,0\u00a0% des prospects)" in str(i.variant_reason) for i in items)
    # When a user sends B to every new prospect, Then the preview says so with the user's reason
    assert api.post(f"/campaigns/{campaign_id}/steps/1/winner", {"variant": "B"}).status == 200
    items = _preview_items(tenant, campaign_id)
    assert {i.variant for i in items} == {"B"}
    assert all(str(i.variant_reason).startswith("Variante B choisie par un utilisateur") for i in items)


# --- what the API refuses -------------------------------------------------------------------------
def test_another_tenants_campaign_has_no_variants_to_show_or_choose(
    tenant: str, api: ApiClient, other_tenant_id: str
) -> None:
    campaign_id = _campaign(api, _ab_scenario(api, tenant)[0])
    other = ApiClient(PROSPECTION, other_tenant_id)
    assert other.get(f"/campaigns/{campaign_id}/variants").status == 404
    assert other.post(f"/campaigns/{campaign_id}/steps/1/winner", {"variant": "A"}).status == 404
    assert api.get(f"/campaigns/{new_id()}/variants").status == 404


@pytest.mark.parametrize(
    ("variants", "field"),
    [
        ([{"instructions": "Présente l'offre"}], "variants"),
        ([{"instructions": f"Version {n}"} for n in range(5)], "variants"),
        ([{"instructions": "a", "weight": 0}, {"instructions": "b"}], "weight"),
        ([{"instructions": "a"}, {"instructions": "b", "template_id": new_id()}], "variants"),
    ],
    ids=["one", "five", "weight-0", "two-sources"],
)
def test_a_step_with_bad_variants_is_a_422_and_saves_nothing(
    api: ApiClient, variants: list[dict[str, Any]], field: str
) -> None:
    step = {"order": 1, "delay_days": 0, "channel": "sms", "objective": "Se présenter", "variants": variants}
    response = api.post("/scenarios", {"name": "Test", "steps": [step]})
    assert response.status == 422, response.body
    assert field in str(response.body["error"]["details"])
    assert len(api.get("/scenarios").body["items"]) == len(
        [s for s in api.get("/scenarios").body["items"] if s["predefined"]]
    )


def test_a_variant_naming_a_template_of_another_channel_or_tenant_is_a_422(
    tenant: str, api: ApiClient, other_tenant_id: str
) -> None:
    email = _template(tenant, "Bonjour {{firstName|}}, voici notre offre.", channel="email")
    _prospection_tenant(other_tenant_id, Mode.AUTO)
    elsewhere = _template(other_tenant_id, "Bonjour {{firstName|}} !")
    sms = _template(tenant, "Bonjour {{firstName|}} !")
    step = {
        "order": 1,
        "delay_days": 0,
        "channel": "sms",
        "objective": "Se présenter",
        "variants": [{"template_id": sms}, {"template_id": email}, {"template_id": elsewhere}],
    }
    response = api.post("/scenarios", {"name": "Test", "steps": [step]})
    assert response.status == 422, response.body
    assert [(d["field"], d["message"]) for d in response.body["error"]["details"]] == [
        ("steps.0.variants.1.template_id", "le template est écrit pour email, l'étape est une étape sms"),
        ("steps.0.variants.2.template_id", "ce template n'existe pas dans ce compte"),
    ]


# --- access patterns ------------------------------------------------------------------------------
def test_ap48_the_figures_are_read_from_the_campaigns_own_counters(
    tenant_id: str, other_tenant_id: str
) -> None:
    # Given counters of two steps of a campaign, and of the same campaign id in another tenant
    campaign_id = new_id()
    for tenant, step, letter in ((tenant_id, 1, "A"), (tenant_id, 3, "B"), (other_tenant_id, 1, "A")):
        item, actions = counter_update(
            tenant, VariantCount(campaign_id, step, letter, {"sent": 2, "opened": 1})
        )
        item.update(actions=actions)
    # When the tenant's figures are read, Then they are its own, by step and letter
    figures = VariantRepository(tenant_id).figures(campaign_id)
    assert sorted(figures) == [(1, "A"), (3, "B")]
    assert (figures[(3, "B")].sent, figures[(3, "B")].opened, figures[(3, "B")].replies) == (2, 1, 0)
    assert VariantRepository(tenant_id).figures(new_id()) == {}


def test_ap49_a_figure_is_added_once_per_message(
    tenant: str, fake_twilio: FakeTwilio, api: ApiClient
) -> None:
    # Given a message a campaign sent as variant A
    scenario_id, _ = _ab_scenario(api, tenant, weight=1)
    campaign_id = _campaign(api, scenario_id)
    lead_id = next(iter(_leads(tenant, 1)))
    _enroll(api, campaign_id, [lead_id])
    _run(tenant)
    ref = ActivityRepository(tenant).find_by_provider_id(_message(tenant, lead_id).provider_message_id)
    assert ref is not None
    letter = _sent(tenant, campaign_id, lead_id)[0][1]
    assert letter is not None
    repository = VariantRepository(tenant)
    count = VariantCount(campaign_id, 1, letter, {"delivered": 1, "opened": 1})
    # When its delivery and open are counted, then counted again
    assert repository.count_once(ref, count) == ["delivered", "opened"]
    assert repository.count_once(ref, count) == []
    # Then each was added once, next to the send
    figures = repository.figures(campaign_id)[(1, letter)]
    assert (figures.sent, figures.delivered, figures.opened) == (1, 1, 1)
