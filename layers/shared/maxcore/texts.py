"""The message catalogue: every text shown to users, in French (default) and English.

Texts speak as M.A.X. does in the product documents: warm, direct, human. Rules return a key and its
values; :func:`render` picks the tenant's language.
"""

from __future__ import annotations

from typing import Any

CATALOGUE: dict[str, dict[str, str]] = {
    "budget.usage.warning": {
        "fr": (
            "Vous avez déjà utilisé {percent} % de vos tokens ce mois-ci. On garde un œil dessus ensemble ?"
        ),
        "en": "You've already used {percent}% of this month's tokens. Let's keep an eye on it together.",
    },
    "budget.usage.exhausted": {
        "fr": (
            "Vos tokens du mois sont épuisés : les actions IA sont en pause "
            "jusqu'à un pack ou au mois prochain."
        ),
        "en": "This month's tokens are used up: AI actions are paused until a pack or next month.",
    },
    "budget.reco.pace_ok": {
        "fr": "Votre budget tient jusqu'à la fin du mois à ce rythme. Continuez comme ça !",
        "en": "At this pace your budget lasts until the end of the month. Keep it up!",
    },
    "budget.reco.runs_out": {
        "fr": (
            "À ce rythme, vos tokens seront épuisés le {date}. Un pack de +500 ou le mode Assisté "
            "pour les relances vous ferait tenir jusqu'au bout du mois."
        ),
        "en": (
            "At this pace your tokens run out on {date}. A +500 pack, or assisted mode for follow-ups, "
            "would see you through the month."
        ),
    },
    "budget.reco.calls_heavy": {
        "fr": (
            "Les appels IA représentent {percent} % de vos dépenses. Les e-mails et WhatsApp coûtent bien "
            "moins cher : priorisez-les pour les relances."
        ),
        "en": (
            "AI calls make up {percent}% of your spending. E-mail and WhatsApp cost far less: "
            "prefer them for follow-ups."
        ),
    },
    "budget.reco.idle": {
        "fr": "Aucun token dépensé ce mois-ci : M.A.X. peut analyser vos leads pour 2 tokens seulement.",
        "en": "No tokens spent this month: M.A.X. can analyse your leads for just 2 tokens.",
    },
    "assistant.draft_created": {
        "fr": (
            "✅ Brouillon créé : Template #{template_id} ({name})\n"
            "Vous pouvez le retrouver dans Pilote Automatique > Templates, le valider, "
            "ou le faire modifier avec : « MAX, modifie le template #{template_id} »."
        ),
        "en": (
            "✅ Draft created: Template #{template_id} ({name})\n"
            "You'll find it in Autopilot > Templates to validate it, or ask: "
            '"MAX, change template #{template_id}".'
        ),
    },
    "assistant.draft_updated": {
        "fr": (
            "✏️ Brouillon mis à jour : Template #{template_id} ({name}), version {version}. "
            "Rien ne part tant que vous ne l'avez pas validé."
        ),
        "en": (
            "✏️ Draft updated: Template #{template_id} ({name}), version {version}. "
            "Nothing goes out until you validate it."
        ),
    },
    "assistant.too_many_steps": {
        "fr": (
            "Je n'ai pas réussi à tout boucler en une fois. "
            "On reprend étape par étape ? Dites-moi par quoi commencer."
        ),
        "en": "I couldn't wrap it all up in one go. Shall we take it step by step? Tell me where to start.",
    },
    "assistant.no_reply": {
        "fr": "C'est fait. Autre chose pour vous aider ?",
        "en": "Done. Anything else I can help with?",
    },
}


def render(key: str, locale: str, **values: Any) -> str:
    """The text ``key`` in ``locale`` (French when the locale has no text), with ``values`` filled in."""
    texts = CATALOGUE[key]
    return texts.get(locale, texts["fr"]).format(**values)
