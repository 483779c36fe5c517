"""The tenant's own Telegram commands: which names it may take, which templates answer, how it reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from maxcore.models.common import Channel
from maxcore.models.template import Template, TemplateContent, TemplateStatus
from maxcore.rules.keywords import OPT_OUT_WORDS, keyword_of, telegram_command
from maxcore.rules.telegram_commands import (
    MORE,
    RESERVED_COMMANDS,
    menu_lines,
    name_problem,
    template_problem,
)

AT = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/Tarifs@MaxBot hello", "tarifs"),
        ("/tarifs", "tarifs"),
        ("  /nouveau_rdv demain 10h", "nouveau_rdv"),
        ("/rdv@Salon_Bot", "rdv"),
        ("/" + "a" * 32, "a" * 32),
        ("/" + "a" * 33, None),
        ("/prix-promo", None),
        ("tarifs", None),
        ("donnez-moi vos /tarifs", None),
        ("/", None),
    ],
)
def test_a_command_is_read_from_the_start_of_the_message_without_the_bot_name_or_arguments(
    text: str, command: str | None
) -> None:
    assert telegram_command(text) == command


def test_a_tenants_command_is_no_keyword() -> None:
    # The product leaves /tarifs to the tenant: it neither opts out, nor in, nor asks for help.
    assert keyword_of("/Tarifs@MaxBot hello", Channel.TELEGRAM) is None


@pytest.mark.parametrize("name", ["tarifs", "rdv", "nouveau_rdv", "info", "a", "x" * 32, "promo2027"])
def test_a_name_telegram_accepts_and_the_product_leaves_free_is_usable(name: str) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize("name", ["", "Tarifs", "prix-promo", "/tarifs", "x" * 33, "rdv ", "réduction"])
def test_a_name_telegram_refuses_is_malformed(name: str) -> None:
    assert name_problem(name) == "malformed"


@pytest.mark.parametrize("name", ["start", "stop", "help", "cancel", "unsubscribe", "arret", "stopall"])
def test_the_products_commands_and_the_opt_out_words_are_reserved(name: str) -> None:
    assert name_problem(name) == "reserved"


def test_every_opt_out_word_a_command_could_spell_is_reserved() -> None:
    spellable = {w.word for w in OPT_OUT_WORDS if " " not in w.word}
    assert spellable <= RESERVED_COMMANDS


def _template(
    channel: Channel = Channel.TELEGRAM, status: TemplateStatus = TemplateStatus.ACTIVE
) -> Template:
    return Template(
        id="01JAAAAAAAAAAAAAAAAAAAAAAA",
        channel=channel,
        name="Tarifs",
        category="custom",
        locale="fr",
        status=status,
        generated_by="user",
        content=TemplateContent(body="Nos tarifs."),
        created_at=AT,
        updated_at=AT,
    )


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        (_template(), None),
        (None, "template_missing"),
        (_template(status=TemplateStatus.DRAFT), "template_not_active"),
        (_template(status=TemplateStatus.ARCHIVED), "template_not_active"),
        (_template(channel=Channel.SMS), "template_not_telegram"),
        (_template(channel=Channel.EMAIL, status=TemplateStatus.DRAFT), "template_not_active"),
    ],
)
def test_only_an_active_telegram_template_answers_a_command(
    template: Template | None, problem: str | None
) -> None:
    assert template_problem(template) == problem


def test_the_help_lists_the_commands_by_name_one_a_line() -> None:
    lines = menu_lines([("tarifs", "Nos tarifs"), ("rdv", "Prendre rendez-vous")])

    assert lines == "/rdv - Prendre rendez-vous\n/tarifs - Nos tarifs"


def test_a_help_too_long_for_one_message_keeps_whole_lines_and_says_more_exist() -> None:
    commands = [(f"cmd{n:03d}", "d" * 250) for n in range(100)]

    lines = menu_lines(commands, 4000)

    assert len(lines) <= 4000
    kept = lines.split("\n")
    assert kept[-1] == MORE
    assert kept[:-1] == [f"/cmd{n:03d} - {'d' * 250}" for n in range(len(kept) - 1)]
    assert len(kept) - 1 == (4000 - len(MORE)) // (260 + 1)  # each line and its newline
    assert menu_lines(commands[:2], 4000) == menu_lines(commands[:2])
