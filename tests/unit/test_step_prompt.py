"""What the model is told to write a scenario step, and to draft templates: the business, the lead."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from maxcore.ai.prompts import step_prompt, system_prompt
from maxcore.models.intent import ReplyKind
from maxcore.models.lead import Lead, LeadStatus, LeadSummary
from maxcore.models.prospection import ScenarioStep
from maxcore.models.tenant import BusinessProfile

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PROFILE = BusinessProfile(
    offer="Soins du visage et épilation laser",
    audience="Femmes actives de 25 à 55 ans à Lyon",
    tone="chaleureux, vouvoiement",
    signature="Camille Martin\nInstitut Belle Peau",
    website="https://belle-peau.fr",
)
LEAD = Lead(
    id="01KBQ3Z8Y7X6W5V4T3S2R1Q0P9",
    first_name="Sophie",
    last_name="Durand",
    company="Durand Conseil",
    status=LeadStatus.CONTACTED,
    summary=LeadSummary(last_reply_kind=ReplyKind.NEUTRAL),
    created_at=AT,
    updated_at=AT,
)


def _step(channel: str = "sms", **fields: object) -> ScenarioStep:
    return ScenarioStep.model_validate(
        {"order": 2, "delay_days": 3, "channel": channel, "objective": "Relancer avec une offre claire"}
        | fields
    )


def _prompt(locale: str, profile: BusinessProfile = PROFILE, **step: object) -> tuple[str, str]:
    [system, user] = step_prompt(
        tenant_name="Institut Belle Peau",
        locale=locale,
        profile=profile,
        step=_step(**step),
        lead=LEAD,
        history=["step 1 (email): Se présenter"],
    )
    assert (system["role"], user["role"]) == ("system", "user")
    return system["content"], user["content"]


def test_the_step_prompt_holds_the_filled_profile_fields_and_leaves_out_the_empty_ones() -> None:
    # Given a profile without its value field
    system, _ = _prompt("fr")
    # Then the offer, the audience, the tone and the website are there, in French
    assert "- Ce qu'elle vend : Soins du visage et épilation laser" in system
    assert "- Sa clientèle : Femmes actives de 25 à 55 ans à Lyon" in system
    assert "- Ton : chaleureux, vouvoiement" in system
    assert "- Site web : https://belle-peau.fr" in system
    # And the empty value has no line, and the signature is not given to the model to copy
    assert "Ce qu'elle apporte" not in system
    assert "Camille Martin" not in system
    assert "aucun champ à compléter ([Prénom], {{...}}), aucune signature" in system


def test_an_empty_profile_leaves_no_business_section() -> None:
    system, _ = _prompt("fr", BusinessProfile())
    assert "L'entreprise" not in system
    assert "Institut Belle Peau" in system


def test_the_step_prompt_holds_the_objective_and_the_leads_context() -> None:
    _, user = _prompt("fr", cta="Proposer un appel jeudi", ai_prompt="Mentionne l'offre d'hiver")
    assert "Objectif : Relancer avec une offre claire." in user
    assert "Appel à l'action suggéré : Proposer un appel jeudi." in user
    assert "Consignes : Mentionne l'offre d'hiver." in user
    for line in (
        "- Nom : Sophie Durand",
        "- Société : Durand Conseil",
        "- Statut : contacted",
        "- Sa dernière réponse : neutral",
        "- Déjà envoyé : step 1 (email): Se présenter",
    ):
        assert line in user


def test_the_step_prompt_is_written_in_the_tenants_language() -> None:
    system, user = _prompt("en")
    assert "in English" in system
    assert "- What it sells: Soins du visage et épilation laser" in system
    assert "no signature" in system
    assert "Objective: Relancer avec une offre claire." in user
    assert "- Name: Sophie Durand" in user


@pytest.mark.parametrize(("channel", "asks_a_subject"), [("email", True), ("sms", False)])
def test_only_an_email_step_asks_for_a_subject(channel: str, asks_a_subject: bool) -> None:
    system, _ = _prompt("fr", channel=channel)
    assert ("« Objet : ... »" in system) is asks_a_subject


def test_the_template_assistant_writes_from_the_profile_and_writes_no_signature() -> None:
    prompt = system_prompt(
        tenant_name="Institut Belle Peau",
        locale="fr",
        mode="assisted",
        builtin_variables=["firstName"],
        categories=["follow_up"],
        profile=PROFILE,
    )
    assert "- What it sells: Soins du visage et épilation laser" in prompt
    assert "The value it brings" not in prompt
    assert "Camille Martin" not in prompt
    assert "Never write a signature" in prompt
