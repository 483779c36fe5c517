"""Error messages in the reader's language: the catalogue, and a scan that keeps it complete."""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, get_args

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core.core_schema import ErrorType

from maxcore.error_texts import (
    DOMAIN_MESSAGES,
    VALIDATION_MESSAGES,
    localize,
    localize_details,
    localize_validation,
    placeholders_as_wildcards,
)
from maxcore.models.common import Channel

ROOT = Path(__file__).resolve().parents[2]
MAXCORE = ROOT / "layers" / "shared" / "maxcore"
SCANNED = sorted([*MAXCORE.rglob("*.py"), *(ROOT / "functions").rglob("*.py")])

VALUE_ERRORS_READ_BY_USERS = [
    *sorted((MAXCORE / "models").rglob("*.py")),
    # Services answer these modules' ValueError texts as they are (a sender, a phone number, an e-mail).
    MAXCORE / "rules" / "contact.py",
    MAXCORE / "rules" / "channels.py",
]
"""Where a plain ``ValueError``'s message reaches a user: validators, and the checks services pass on."""

ENGLISH_WORDS = {
    "the", "is", "are", "was", "not", "and", "or", "cannot", "must", "should", "with", "this", "that",
    "please", "field", "required", "only", "already", "found", "send", "again", "value", "invalid",
    "for", "of", "to", "be", "has", "have", "no", "at", "by", "from", "your", "can", "will", "it",
    "in", "one", "any", "than", "try", "needs",
}  # fmt: skip
"""Common English words, none of which is a French word."""


@dataclass(frozen=True)
class Site:
    """One English message written in the code."""

    where: str
    pattern: str


def _error_classes(trees: dict[Path, ast.Module], roots: set[str]) -> dict[str, int]:
    """Every class deriving from ``roots`` in ``trees``, with the position of its ``message`` argument."""
    classes: dict[str, int] = dict.fromkeys(roots, 0)
    growing = True
    while growing:
        growing = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in classes:
                    bases = {base.id for base in node.bases if isinstance(base, ast.Name)}
                    parent = next((classes[b] for b in bases if b in classes), None)
                    if parent is not None:
                        classes[node.name] = _message_position(node, parent)
                        growing = True
    return classes


def _message_position(node: ast.ClassDef, inherited: int) -> int:
    """Where ``message`` comes in the class's ``__init__`` (self left out), or its parent's place."""
    for item in node.body:
        if isinstance(item, ast.FunctionDef) and item.name == "__init__":
            names = [arg.arg for arg in item.args.args[1:]]
            return names.index("message") if "message" in names else inherited
    return inherited


def _pattern(node: ast.expr) -> str | None:
    """The text ``node`` builds, each value put in written ``{}``; None when it is not built here."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        return "".join(_pattern(part) or "{}" for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return (_pattern(node.left) or "{}") + (_pattern(node.right) or "{}")
    return None


def _messages(call: ast.Call, position: int) -> list[str]:
    """The message of an error's construction, and the ``message`` of each entry of its details."""
    found = [kw.value for kw in call.keywords if kw.arg == "message"]
    if len(call.args) > position:
        found.append(call.args[position])
    for node in ast.walk(call):
        if isinstance(node, ast.Dict):
            found += [
                value
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant) and key.value == "message"
            ]
    return [p for p in map(_pattern, found) if p is not None]


def _detail_messages(node: ast.Dict) -> list[str]:
    """The ``message`` of an error's detail (a dict with a ``field`` and a ``message``), if it is one."""
    entries = {
        key.value: value
        for key, value in zip(node.keys, node.values, strict=True)
        if isinstance(key, ast.Constant)
    }
    found = _pattern(entries["message"]) if {"field", "message"} <= entries.keys() else None
    return [found] if found is not None else []


def _sites() -> list[Site]:
    """Every English error message the code writes, and every error detail's (a value passed on, such
    as ``str(exc)``, is scanned where it was written)."""
    trees = {path: ast.parse(path.read_text(), filename=str(path)) for path in SCANNED}
    domain = _error_classes(trees, {"MaxError"})
    plain = _error_classes(trees, {"ValueError"})
    sites = []
    for path, tree in trees.items():
        classes = {**domain, **plain} if path in VALUE_ERRORS_READ_BY_USERS else domain
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes:
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                sites += [Site(where, m) for m in _messages(node, classes[node.func.id])]
            elif isinstance(node, ast.Dict):
                sites += [Site(f"{path.relative_to(ROOT)}:{node.lineno}", m) for m in _detail_messages(node)]
    return sorted(set(sites), key=lambda site: site.where)


COMPOSED = {
    "{}: {}": (
        "services/templates.py joins what failed and the template's problems: each of its 'what' has "
        "its own entry ('the template cannot be saved: {problems}')"
    ),
    "{} takes {}": (
        "services/channels.py names the provider's credentials: each provider has its own entry "
        "('twilio takes {expected}'), a pattern this general would take other messages for its own"
    ),
}
"""Messages built at their site from parts one pattern cannot match, with where their texts are."""

SITES = [site for site in _sites() if site.pattern not in COMPOSED]
TRANSLATED = {placeholders_as_wildcards(english) for english in DOMAIN_MESSAGES}


def test_the_scan_reads_the_raise_sites() -> None:
    # Given the code, When it is scanned, Then it finds the messages of its errors (not none at all)
    patterns = {site.pattern for site in SITES}
    assert len(patterns) > 100
    assert "lead {} not found" in patterns  # a domain error's f-string
    assert "send either email or phone" in patterns  # a validator's ValueError
    assert "{} is too short to be a phone number" in patterns  # a message at its argument's place
    assert "required for e-mail" in patterns  # a detail's message
    assert "the template is written for {}, the step is a {} step" in patterns  # a detail built apart


@pytest.mark.parametrize("site", SITES, ids=lambda site: site.where)
def test_every_error_message_of_the_code_has_its_french(site: Site) -> None:
    assert site.pattern in TRANSLATED, (
        f"{site.where}: {site.pattern!r} has no French text; add it to maxcore/error_texts.py DOMAIN_MESSAGES"
    )


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("english", DOMAIN_MESSAGES)
def test_a_french_text_puts_back_the_values_of_its_english_message(english: str) -> None:
    assert _placeholders(DOMAIN_MESSAGES[english]) == _placeholders(english)
    # A pattern of values only would take any message for its own
    assert len(placeholders_as_wildcards(english).replace("{}", "").strip(" :;()")) >= 4


def _words(text: str) -> set[str]:
    """The words of ``text`` a reader reads: placeholders, code, field names and JSON left out."""
    prose = re.sub(r"\{\w*\}|`[^`]*`|\"[^\"]*\"|\S*[_/.]\S*|\b[A-Z]{2,}\b", " ", text)
    return {word.lower() for word in re.findall(r"[A-Za-zÀ-ÿ']+", prose)}


FRENCH_TEXTS = [*DOMAIN_MESSAGES.values(), *VALIDATION_MESSAGES.values()]


@pytest.mark.parametrize("french", FRENCH_TEXTS)
def test_french_texts_have_no_english_words(french: str) -> None:
    assert not _words(french) & ENGLISH_WORDS, french


def test_the_english_words_check_catches_english() -> None:
    # Given an English sentence among French ones, Then the check sees it
    assert _words("the lead {lead_id} was not found") & ENGLISH_WORDS
    assert not _words("le lead {lead_id} est introuvable ; renvoyez `replied` (FR, BE)") & ENGLISH_WORDS


def test_validation_texts_name_real_pydantic_error_types() -> None:
    assert set(VALIDATION_MESSAGES) <= set(get_args(ErrorType))


# --- Domain messages -------------------------------------------------------------------------------


def test_a_message_reads_french_with_its_values_put_back() -> None:
    assert localize("lead 01JD2XQ not found", "fr") == "lead 01JD2XQ introuvable"
    assert localize("the body is over 262144 bytes", "fr") == "le corps de la requête dépasse 262144 octets"
    # A message composed at its raise site (COMPOSED) reads French by its composed form, and so do
    # the template rules' problems it lists
    assert localize("the template cannot be saved: an e-mail template needs a subject", "fr") == (
        "le template ne peut pas être enregistré : un template e-mail doit avoir un objet"
    )


def test_english_readers_get_the_message_as_raised() -> None:
    assert localize("lead 01JD2XQ not found", "en") == "lead 01JD2XQ not found"


def test_a_message_the_catalogue_does_not_know_is_answered_as_it_is() -> None:
    # A text already in French (a CSV file's error) or a library's text is never lost
    assert (
        localize("L'en-tête doit avoir une colonne e-mail", "fr") == "L'en-tête doit avoir une colonne e-mail"
    )


def test_the_most_literal_pattern_wins() -> None:
    # "this {kind} was already {status}" would take it too, with "item" and "decided" for values
    assert localize("this item was already decided", "fr") == "cet élément a déjà été traité"
    assert localize("this approval was already approved", "fr") == (
        "cet élément (approval) est déjà à l'état approved"
    )


def test_a_value_that_is_a_message_itself_reads_french_too() -> None:
    message = "'06 12' is too short to be a phone number; expected an E.164 number"
    assert localize(message, "fr") == (
        "'06 12' est trop court pour être un numéro de téléphone ; attendu : un numéro E.164"
    )


def test_details_messages_follow_the_locale_and_keep_their_field_and_type() -> None:
    details = [{"field": "subject", "message": "required for e-mail", "type": "missing"}, "kept"]
    assert localize_details(details, "fr") == [
        {"field": "subject", "message": "obligatoire pour un e-mail", "type": "missing"},
        "kept",
    ]
    assert localize_details(details, "en") == details
    assert localize_details({"lead_id": "01JD2XQ"}, "fr") == {"lead_id": "01JD2XQ"}


# --- Pydantic validation errors --------------------------------------------------------------------


class _Request(BaseModel):
    """A request with the constraints the API's models use."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(max_length=3)]
    code: Annotated[str, Field(max_length=1, pattern=r"^[A-Z]$")] = "A"
    count: Annotated[int, Field(ge=1)] = 1
    channel: Channel = Channel.SMS
    mode: Literal["advise", "auto"] = "advise"
    email: str | None = None

    @field_validator("email")
    @classmethod
    def _email_or_nothing(cls, value: str | None) -> str | None:
        if value == "":
            raise ValueError("send either email or phone")
        return value


def _errors(body: dict[str, object]) -> dict[str, dict[str, object]]:
    with pytest.raises(ValidationError) as refused:
        _Request.model_validate(body)
    return {str(error["loc"][0]): dict(error) for error in refused.value.errors()}


def test_pydantic_errors_read_french_by_their_type_and_values() -> None:
    # Given a request breaking every kind of constraint
    errors = _errors(
        {"code": "ab", "count": "0", "channel": "fax", "mode": "manual", "email": "", "extra": 1}
    )
    # When each error is written for a French reader
    french = {field: localize_validation(error, "fr") for field, error in errors.items()}
    # Then each says what is wrong in French, with the constraint's values
    assert french == {
        "name": "Champ obligatoire",
        "code": "Doit contenir au plus 1 caractère",
        "count": "Doit être supérieur ou égal à 1",
        "channel": "Doit valoir 'sms', 'whatsapp', 'email' ou 'telegram'",
        "mode": "Doit valoir 'advise' ou 'auto'",
        "email": "envoyez soit email, soit phone",
        "extra": "Champ non autorisé",
    }


def test_pydantic_errors_read_english_as_pydantic_writes_them() -> None:
    errors = _errors({"name": "abcd", "count": "x"})
    assert localize_validation(errors["name"], "en") == "String should have at most 3 characters"
    assert localize_validation(errors["count"], "en").startswith("Input should be a valid integer")
    assert localize_validation(errors["name"], "fr") == "Doit contenir au plus 3 caractères"
    assert localize_validation(errors["count"], "fr") == "Doit être un nombre entier"


def test_an_unknown_validation_type_still_reads_french() -> None:
    error = {"type": "some_future_type", "msg": "Something new went wrong", "ctx": {}}
    assert localize_validation(error, "fr") == "Valeur non valide"


# --- Why a template cannot be saved or activated ----------------------------------------------------

UNFIT_CONTENTS = [
    (Channel.SMS, {"body": "Bonjour {{prenom}} {{x " + "é" * 1700, "subject": "Hi", "html": "<p>x</p>"}),
    (Channel.SMS, {"body": "Bonjour {{firstName}}", "variables": ["firstName"]}),
    (Channel.SMS, {"body": "Bonjour " + "a" * 1590}),
    (Channel.WHATSAPP, {"body": "Bonjour " + "a" * 1600}),
    (Channel.EMAIL, {"body": "Bonjour"}),
    (
        Channel.EMAIL,
        {
            "body": "Bonjour",
            "subject": "Offre",
            "html": (
                '<p onclick="x">a</p><script>b</script><div style="x:expression(1)"><p>'
                '<meta http-equiv="refresh" content="0"><a href="javascript:x">j</a>'
            ),
        },
    ),
    (
        Channel.EMAIL,
        {
            "body": "Bonjour",
            "subject": "Offre",
            "html": (
                '<a href="http://x">l</a><img src="http://i"><p style="background:url(http://x)">'
                '<p foo="1"><meta http-equiv="x-other" content="1">'
                "<style>a{background:url(http://x)}</style>"
            ),
        },
    ),
]


@pytest.mark.parametrize(("channel", "fields"), UNFIT_CONTENTS)
def test_every_problem_of_a_template_reads_french_alone_and_listed(
    channel: Channel, fields: dict[str, object]
) -> None:
    from maxcore.models.template import TemplateContent
    from maxcore.rules.templates import activation_problems

    # Given a content the rules refuse for several reasons
    problems = activation_problems(channel, TemplateContent.model_validate(fields))
    assert problems

    # Then each reason, the refusal that lists them and the details read French
    for problem in problems:
        assert not _words(localize(problem.message, "fr")) & ENGLISH_WORDS, problem.message
    listed = "the template cannot be activated: " + "; ".join(p.message for p in problems)
    assert not _words(localize(listed, "fr")) & ENGLISH_WORDS, listed
    details = localize_details({"problems": [p.model_dump() for p in problems]}, "fr")
    for entry in details["problems"]:
        assert not _words(entry["message"]) & ENGLISH_WORDS, entry["message"]
    # And English readers get them as written
    assert localize(listed, "en") == listed


def test_a_list_of_messages_reads_french_only_when_every_one_is_known() -> None:
    known = "an e-mail template needs a subject"
    assert localize(f"{known}; {known}", "fr") == (
        "un template e-mail doit avoir un objet ; un template e-mail doit avoir un objet"
    )
    # A message holding "; " itself is read whole before it is cut
    assert localize("this SMS takes 12 GSM-7 segments; the limit is 10", "fr") == (
        "ce SMS prend 12 segments GSM-7 ; la limite est de 10"
    )
    # One unknown part: the whole list stays as it was, never half translated
    assert localize(f"{known}; something else entirely", "fr") == f"{known}; something else entirely"
