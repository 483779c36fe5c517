"""A tenant's own Telegram commands, through the handlers, with the fake Bot API behind the channel.

An admin maps ``/tarifs`` to an active Telegram template; a lead who sends it gets the template filled
for them, once, however often Telegram delivers the update, and both sides stay on the lead's thread.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devserver.events import LocalContext
from devserver.functions import load_handler
from maxcore.dal.telegram_commands import TelegramCommandRepository
from maxcore.dal.templates import TemplateRepository
from maxcore.models.tenant import Locale, UpdateTenantRequest
from maxcore.services.tenants import TenantService, provision_tenant
from maxcore.settings import reset_settings
from tests.support.api import ApiClient
from tests.support.dynamodb_requests import RequestCounter
from tests.support.fake_providers import FakeTelegram, running_fake_telegram, telegram_error
from tests.support.webhook_samples import telegram_event, telegram_update

pytestmark = pytest.mark.integration

BOT_TOKEN = "7000000002:AAH-commands-bot-token_xyz0123456789"
WEBHOOK_SECRET = "telegram-commands-secret"
CHAT_ID = 777000555
TEMPLATES = "functions/templates/"


@pytest.fixture
def bot(
    tenant_id: str, ssm_endpoint: str, fanout_queue: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeTelegram]:
    """A provisioned tenant whose bot sends through the fake Bot API (the webhook queues follow-ups)."""
    provision_tenant(tenant_id, "Atelier Lumière")
    with running_fake_telegram(bot_token=BOT_TOKEN) as fake:
        monkeypatch.setenv("TELEGRAM_API_URL", fake.url)
        reset_settings()
        _set_up_bot(tenant_id)
        yield fake
    reset_settings()


def _set_up_bot(tenant_id: str) -> None:
    credentials = {"bot_token": BOT_TOKEN, "webhook_secret": WEBHOOK_SECRET}
    response = ApiClient("functions/messaging/", tenant_id).request(
        "PUT", "/channels/telegram", json_body={"credentials": credentials}
    )
    assert response.status == 200, response.body


def admin(tenant_id: str) -> ApiClient:
    return ApiClient(TEMPLATES, tenant_id)


def template(tenant_id: str, body: str, channel: str = "telegram", *, active: bool = True) -> str:
    """A template of the tenant, activated unless ``active`` is false; its id."""
    api = admin(tenant_id)
    created = api.post("/templates", {"channel": channel, "name": f"Commande {body[:20]}", "body": body})
    assert created.status == 201, created.body
    template_id: str = created.body["id"]
    if active:
        assert api.post(f"/templates/{template_id}/activate").status == 200
    return template_id


def set_command(api: ApiClient, name: str, template_id: str, description: str = "Nos tarifs") -> Any:
    return api.request(
        "PUT",
        f"/telegram/commands/{name}",
        json_body={"template_id": template_id, "description": description},
    )


def commands(api: ApiClient) -> list[dict[str, Any]]:
    response = api.get("/telegram/commands")
    assert response.status == 200, response.body
    items: list[dict[str, Any]] = response.body["items"]
    return items


def deliver(tenant_id: str, update: dict[str, Any]) -> dict[str, Any]:
    """Deliver one Telegram update to the webhooks function; its JSON answer."""
    handler = load_handler("functions/webhooks/", "app.lambda_handler")
    result = handler(telegram_event(tenant_id, update, WEBHOOK_SECRET), LocalContext())
    assert result["statusCode"] == 200, result
    answer: dict[str, Any] = json.loads(result["body"])
    return answer


def said(update_id: int, text: str, chat_id: int = CHAT_ID) -> dict[str, Any]:
    """An update where the person in ``chat_id`` writes ``text`` now."""
    return telegram_update(update_id, chat_id, text, update_id % 100_000, int(time.time()))


def thread(tenant_id: str) -> list[dict[str, Any]]:
    """The only conversation's messages, newest first."""
    messaging = ApiClient("functions/messaging/", tenant_id)
    (row,) = messaging.get("/conversations").body["items"]
    items: list[dict[str, Any]] = messaging.get(f"/leads/{row['lead_id']}/messages").body["items"]
    return items


# --- the answer -----------------------------------------------------------------------------------
def test_a_command_answers_its_template_filled_for_the_lead_once_across_redeliveries(
    tenant_id: str, bot: FakeTelegram
) -> None:
    # Given /tarifs answered by an active Telegram template that names the lead
    api = admin(tenant_id)
    template_id = template(tenant_id, "Bonjour {{firstName}}, nos soins commencent à 45 €.")
    assert set_command(api, "tarifs", template_id).status == 200

    # When Sophie sends /Tarifs@MaxBot with words after it, and Telegram delivers the update three times
    update = said(930001, "/Tarifs@MaxBot combien ?")
    answers = [deliver(tenant_id, update) for _ in range(3)]

    # Then the template went once, filled for her, and the webhook's reply carries nothing more
    assert [m["text"] for m in bot.sent] == ["Bonjour Sophie, nos soins commencent à 45 €."]
    assert bot.sent[0]["chat"]["id"] == CHAT_ID
    assert answers == [{}, {}, {}]
    # And the thread holds the command in and the answer out, marked as the command's answer
    answer, command = thread(tenant_id)
    assert (command["direction"], command["metadata"]["command"]) == ("in", "tarifs")
    assert (answer["direction"], answer["status"]) == ("out", "sent")
    assert answer["metadata"]["command_answer"] == "tarifs"
    assert answer["metadata"]["command_message"] == command["provider_message_id"]


def test_ap89_a_command_answer_is_claimed_once_and_settled(tenant_id: str, bot: FakeTelegram) -> None:
    # Given a command and one lead's message that used it
    template_id = template(tenant_id, "Nos horaires : 9 h - 19 h.")
    set_command(admin(tenant_id), "horaires", template_id)
    deliver(tenant_id, said(930101, "/horaires"))
    repository = TelegramCommandRepository(tenant_id)
    key = thread(tenant_id)[-1]["provider_message_id"]  # the command, the oldest message
    now = datetime.now(UTC)

    # When another worker tries to claim the same answer, even long after
    again = repository.claim_answer(key, "horaires", ("other-token", now + timedelta(minutes=15)), now)
    later = now + timedelta(days=1)
    much_later = repository.claim_answer(key, "horaires", ("late-token", later), later)

    # Then it is settled: no claim, no second message
    assert (again, much_later) == (None, None)
    assert len(bot.sent) == 1
    # And a fresh answer is claimable once, its send noted and settled under that claim only
    fresh = "555:1"
    assert repository.claim_answer(fresh, "horaires", ("t1", now + timedelta(minutes=15)), now) == ""
    assert repository.claim_answer(fresh, "horaires", ("t2", now + timedelta(minutes=15)), now) is None
    assert repository.note_answer_sending(fresh, "t2") is False
    assert repository.note_answer_sending(fresh, "t1") is True
    assert repository.settle_answer(fresh, "t2", "sent", None, None) is False
    assert repository.settle_answer(fresh, "t1", "sent", None, None) is True
    assert repository.claim_answer(fresh, "horaires", ("t3", later), later) is None


def test_an_unknown_command_answers_the_help_listing_the_commands_that_work(
    tenant_id: str, bot: FakeTelegram
) -> None:
    # Given two usable commands and one whose template was archived since
    api = admin(tenant_id)
    set_command(api, "tarifs", template(tenant_id, "Nos tarifs."), "Nos tarifs")
    set_command(api, "rdv", template(tenant_id, "Prenez rendez-vous ici."), "Prendre rendez-vous")
    archived = template(tenant_id, "Nos promotions.")
    set_command(api, "promo", archived, "Nos promotions")
    assert api.post(f"/templates/{archived}/archive").status == 200

    # When a lead sends a command the tenant does not have, then the broken one
    unknown = deliver(tenant_id, said(930201, "/livraison"))
    broken = deliver(tenant_id, said(930202, "/promo"))

    # Then both get the help, in French, listing the working commands only; nothing was sent
    assert unknown["method"] == "sendMessage"
    assert unknown["text"] == (
        "Je ne connais pas cette commande. Voici les commandes proposées par Atelier Lumière :\n"
        "/rdv - Prendre rendez-vous\n/tarifs - Nos tarifs\n"
        "Ou écrivez-nous simplement ici : une personne de l'équipe vous répond."
    )
    assert broken["text"] == unknown["text"]
    assert bot.sent == []
    # And the admin list shows the broken command and why
    by_name = {c["name"]: c for c in commands(api)}
    assert (by_name["promo"]["usable"], by_name["tarifs"]["usable"]) == (False, True)
    assert by_name["promo"]["problem"].startswith("Son modèle n'est plus actif")


def test_a_help_longer_than_a_telegram_message_keeps_the_first_commands_and_says_more_exist(
    tenant_id: str, bot: FakeTelegram
) -> None:
    # Given 16 commands whose descriptions are as long as the menu allows (over 4,096 characters in all)
    api = admin(tenant_id)
    template_id = template(tenant_id, "Nos tarifs.")
    for n in range(16):
        assert set_command(api, f"soin{n:02d}", template_id, "d" * 256).status == 200

    # When a lead sends a command the tenant does not have
    answer = deliver(tenant_id, said(930301, "/livraison"))

    # Then the help fits in one Telegram message: its sentences, whole lines in order, then "…"
    text = answer["text"]
    assert len(text) <= 4096
    lines = text.split("\n")
    assert lines[0].startswith("Je ne connais pas cette commande.")
    line = [f"/soin{n:02d} - {'d' * 256}" for n in range(16)]
    kept = len(lines) - 3
    assert (lines[1 : kept + 1], lines[-2]) == (line[:kept], "…")
    assert lines[-1].startswith("Ou écrivez-nous simplement ici")
    # And as many as fit: one more line would not
    assert len(text) + len(line[kept]) + 1 > 4096


def test_the_help_is_in_english_for_an_english_tenant_and_a_deleted_template_breaks_its_command(
    tenant_id: str, bot: FakeTelegram
) -> None:
    # Given an English tenant with /prices, and /gone whose template was deleted
    TenantService(tenant_id).update(UpdateTenantRequest(locale=Locale.EN), actor="test")
    api = admin(tenant_id)
    set_command(api, "prices", template(tenant_id, "Our prices start at 45 EUR."), "Our prices")
    deleted = template(tenant_id, "Soon gone.")
    set_command(api, "gone", deleted, "Gone")
    assert api.request("DELETE", f"/templates/{deleted}").status == 204

    # When a lead sends /gone
    answer = deliver(tenant_id, said(930301, "/gone"))

    # Then the help answers in English and the list says the command is broken
    assert answer["text"].startswith("I don't know that command. Here is what Atelier Lumière offers:\n")
    assert "/prices - Our prices" in answer["text"]
    assert "/gone" not in answer["text"]
    (gone,) = [c for c in commands(api) if c["name"] == "gone"]
    assert gone["usable"] is False
    assert gone["problem"].startswith("Its template")


def test_a_template_that_cannot_be_written_for_the_lead_leaves_the_answer_to_the_product(
    tenant_id: str, bot: FakeTelegram
) -> None:
    # Given /code answered by a template that needs a value no lead has
    api = admin(tenant_id)
    created = api.post(
        "/templates",
        {
            "channel": "telegram",
            "name": "Code",
            "body": "Votre code : {{promoCode}}",
            "variables": ["promoCode"],
        },
    )
    assert api.post(f"/templates/{created.body['id']}/activate").status == 200
    assert set_command(api, "code", created.body["id"], "Votre code promo").status == 200

    # When a lead sends /code
    answer = deliver(tenant_id, said(930351, "/code"))

    # Then nothing is sent and the product's help answers: the team reads the message
    assert bot.sent == []
    assert answer["text"].startswith("Bonjour, c'est Atelier Lumière !")


def test_a_tenant_without_commands_keeps_the_products_help(tenant_id: str, bot: FakeTelegram) -> None:
    # When a lead sends a command to a tenant that set none
    answer = deliver(tenant_id, said(930401, "/tarifs"))

    # Then the product's own help answers, as before
    assert answer["text"].startswith("Bonjour, c'est Atelier Lumière !")
    assert bot.sent == []


def test_a_chat_that_opted_out_hears_only_the_products_rules(tenant_id: str, bot: FakeTelegram) -> None:
    # Given /tarifs, and a lead who sent /stop
    set_command(admin(tenant_id), "tarifs", template(tenant_id, "Nos tarifs."))
    stop = deliver(tenant_id, said(930501, "/stop"))
    assert stop["text"].startswith("C'est noté")

    # When they send /tarifs
    answer = deliver(tenant_id, said(930502, "/tarifs"))

    # Then no template goes: the product's help is the only answer
    assert bot.sent == []
    assert answer["text"].startswith("Bonjour, c'est Atelier Lumière !")


# --- the admin's menu -------------------------------------------------------------------------------
def test_ap88_commands_are_set_changed_listed_and_deleted(tenant_id: str, bot: FakeTelegram) -> None:
    # Given two templates
    api = admin(tenant_id)
    first, second = template(tenant_id, "Nos tarifs."), template(tenant_id, "Nos nouveaux tarifs.")

    # When an admin sets /tarifs, changes it, and adds /rdv
    created = set_command(api, "tarifs", first)
    changed = set_command(api, "tarifs", second, "Les tarifs 2027")
    set_command(api, "rdv", first, "Prendre rendez-vous")

    # Then the list has both by name, the change kept
    assert created.status == 200, created.body
    assert (changed.body["command"], changed.body["usable"]) == ("/tarifs", True)
    listed = commands(api)
    assert [(c["name"], c["template_id"], c["description"]) for c in listed] == [
        ("rdv", first, "Prendre rendez-vous"),
        ("tarifs", second, "Les tarifs 2027"),
    ]
    assert api.get("/telegram/commands").body["limit"] == 100
    assert TelegramCommandRepository(tenant_id).menu().revision == 3
    # And the bot's menu shows them, as Telegram's app lists them to the leads
    assert bot.menu == [
        {"command": "rdv", "description": "Prendre rendez-vous"},
        {"command": "tarifs", "description": "Les tarifs 2027"},
    ]

    # When /rdv is deleted, then deleted again
    assert api.request("DELETE", "/telegram/commands/rdv").status == 204
    again = api.request("DELETE", "/telegram/commands/rdv")

    # Then it is gone, from the bot's menu too, and the second delete is a 404
    assert [c["name"] for c in commands(api)] == ["tarifs"]
    assert bot.menu == [{"command": "tarifs", "description": "Les tarifs 2027"}]
    assert again.status == 404


def test_the_bots_menu_lists_only_the_commands_that_work_and_its_failure_fails_no_change(
    tenant_id: str, bot: FakeTelegram
) -> None:
    # Given /promo whose template was archived since
    api = admin(tenant_id)
    archived = template(tenant_id, "Nos promotions.")
    set_command(api, "promo", archived, "Nos promotions")
    assert api.post(f"/templates/{archived}/archive").status == 200

    # When /tarifs is set while the Bot API is down, then /rdv once it is back
    bot.script.append(telegram_error(502, "Bad Gateway"))
    down = set_command(api, "tarifs", template(tenant_id, "Nos tarifs."), "Nos tarifs")
    set_command(api, "rdv", template(tenant_id, "Prenez rendez-vous."), "Prendre rendez-vous")

    # Then both were set, and the menu shows the working commands only
    assert down.status == 200, down.body
    assert [c["name"] for c in commands(api)] == ["promo", "rdv", "tarifs"]
    assert bot.menu == [
        {"command": "rdv", "description": "Prendre rendez-vous"},
        {"command": "tarifs", "description": "Nos tarifs"},
    ]


def test_a_tenant_without_a_bot_token_sets_commands_without_a_menu(
    other_tenant_id: str, bot: FakeTelegram
) -> None:
    # Given a tenant whose Telegram channel has no bot token yet
    provision_tenant(other_tenant_id, "Autre Salon")
    api = admin(other_tenant_id)

    # When it sets a command
    response = set_command(api, "tarifs", template(other_tenant_id, "Nos tarifs."))

    # Then the command is set and nothing was asked of Telegram
    assert response.status == 200, response.body
    assert [c["name"] for c in commands(api)] == ["tarifs"]
    assert bot.requests == []


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("Tarifs", "lettres minuscules"),
        ("prix-promo", "lettres minuscules"),
        ("a" * 33, "lettres minuscules"),
        ("start", "réservés"),
        ("stop", "réservés"),
        ("help", "réservés"),
        ("cancel", "réservés"),
        ("arret", "réservés"),
    ],
)
def test_a_name_telegram_refuses_or_the_product_keeps_is_a_422_that_writes_nothing(
    tenant_id: str, bot: FakeTelegram, name: str, why: str
) -> None:
    api = admin(tenant_id)
    response = set_command(api, name, template(tenant_id, "Nos tarifs."))

    assert response.status == 422, response.body
    assert why in response.body["error"]["message"]
    assert commands(api) == []
    assert TelegramCommandRepository(tenant_id).menu().revision == 0


def test_an_unusable_template_is_a_422_naming_why_and_writes_nothing(
    tenant_id: str, bot: FakeTelegram
) -> None:
    api = admin(tenant_id)
    draft = template(tenant_id, "Brouillon.", active=False)
    sms = template(tenant_id, "Un SMS.", channel="sms")
    missing = "01JAAAAAAAAAAAAAAAAAAAAAAA"

    refusals = {tid: set_command(api, "tarifs", tid) for tid in (draft, sms, missing)}

    assert {tid: r.status for tid, r in refusals.items()} == {draft: 422, sms: 422, missing: 422}
    assert "seul un modèle actif" in refusals[draft].body["error"]["message"]
    assert "écrit pour le canal sms" in refusals[sms].body["error"]["message"]
    assert "introuvable" in refusals[missing].body["error"]["message"]
    assert commands(api) == []


def test_a_bot_has_at_most_100_commands(tenant_id: str, bot: FakeTelegram) -> None:
    # Given 100 commands
    api = admin(tenant_id)
    template_id = template(tenant_id, "Nos tarifs.")
    for number in range(100):
        assert set_command(api, f"c{number}", template_id).status == 200

    # When a 101st is set, and one of the 100 is changed
    refused = set_command(api, "c100", template_id)
    changed = set_command(api, "c7", template_id, "Changée")

    # Then the new one is refused, the change goes through
    assert refused.status == 422
    assert "au plus 100 commandes" in refused.body["error"]["message"]
    assert changed.status == 200
    assert len(commands(api)) == 100


def test_the_help_the_list_and_the_menu_read_every_template_in_one_batch(
    tenant_id: str, bot: FakeTelegram, counter: RequestCounter
) -> None:
    # Given two commands, and a lead who already wrote
    api = admin(tenant_id)
    for number in range(2):
        assert set_command(api, f"c{number}", template(tenant_id, f"Réponse {number}.")).status == 200
    deliver(tenant_id, said(930401, "Bonjour"))

    def requests(action: Callable[[], object]) -> list[str]:
        counter.operations.clear()
        action()
        return list(counter.operations)

    # When the help, the admin's list and a change (which publishes the menu) run with 2 commands
    few = [
        requests(lambda: deliver(tenant_id, said(930402, "/inconnue"))),
        requests(lambda: commands(api)),
        requests(lambda: set_command(api, "c0", template(tenant_id, "Autre réponse.")).status),
    ]
    # And again with 12 commands, each with a template of its own
    for number in range(2, 12):
        assert set_command(api, f"c{number}", template(tenant_id, f"Réponse {number}.")).status == 200
    many = [
        requests(lambda: deliver(tenant_id, said(930403, "/inconnue"))),
        requests(lambda: commands(api)),
        requests(lambda: set_command(api, "c0", template(tenant_id, "Encore une.")).status),
    ]

    # Then each sends the same requests whatever the number of commands, its templates in one batch
    assert many == few
    assert [operations.count("BatchGetItem") for operations in many] == [1, 1, 1]


def test_ap13_template_heads_are_read_by_id_in_one_batch(
    tenant_id: str, other_tenant_id: str, bot: FakeTelegram, counter: RequestCounter
) -> None:
    # Given two templates of the tenant, and one of another tenant
    first, second = template(tenant_id, "Premier."), template(tenant_id, "Second.", active=False)
    provision_tenant(other_tenant_id, "Autre")
    theirs = (
        admin(other_tenant_id)
        .post("/templates", {"channel": "telegram", "name": "Autre", "body": "Autre."})
        .body["id"]
    )

    # When their heads are read by id, with a repeat and an unknown id
    counter.operations.clear()
    heads = TemplateRepository(tenant_id).heads([first, second, first, theirs, "01KBQ3Z8Y7X6W5V4T3S2R00000"])

    # Then the tenant's two come back in one request; the other tenant's and the unknown are absent
    assert counter.operations == ["BatchGetItem"]
    assert sorted(heads) == sorted([first, second])
    assert (heads[first].status.value, heads[second].status.value) == ("active", "draft")
    assert TemplateRepository(tenant_id).heads([]) == {}


def test_a_member_reads_the_commands_but_cannot_change_them(tenant_id: str, bot: FakeTelegram) -> None:
    api = admin(tenant_id)
    template_id = template(tenant_id, "Nos tarifs.")
    set_command(api, "tarifs", template_id)
    member = ApiClient(TEMPLATES, tenant_id, role="member")

    assert [c["name"] for c in commands(member)] == ["tarifs"]
    assert set_command(member, "rdv", template_id).status == 403
    assert member.request("DELETE", "/telegram/commands/tarifs").status == 403
    assert [c["name"] for c in commands(api)] == ["tarifs"]


def test_another_tenants_commands_are_neither_seen_nor_answered(
    tenant_id: str, other_tenant_id: str, bot: FakeTelegram
) -> None:
    # Given /tarifs set by another tenant
    provision_tenant(other_tenant_id, "Autre Salon")
    _set_up_bot(other_tenant_id)
    set_command(admin(other_tenant_id), "tarifs", template(other_tenant_id, "Les tarifs de l'autre."))

    # Then this tenant sees none, cannot delete it, and its lead's /tarifs gets the product's help
    api = admin(tenant_id)
    assert commands(api) == []
    assert api.request("DELETE", "/telegram/commands/tarifs").status == 404
    answer = deliver(tenant_id, said(930601, "/tarifs"))
    assert answer["text"].startswith("Bonjour, c'est Atelier Lumière !")
    assert bot.sent == []
