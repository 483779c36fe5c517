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
}


def render(key: str, locale: str, **values: Any) -> str:
    """The text ``key`` in ``locale`` (French when the locale has no text), with ``values`` filled in."""
    texts = CATALOGUE[key]
    return texts.get(locale, texts["fr"]).format(**values)
