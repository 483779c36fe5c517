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
    # --- Living alerts and follow-up recommendations (rules/alerts.py, rules/recommendations.py) ---
    "duration.days.one": {"fr": "{n} jour", "en": "{n} day"},
    "duration.days.other": {"fr": "{n} jours", "en": "{n} days"},
    "duration.hours.one": {"fr": "{n} heure", "en": "{n} hour"},
    "duration.hours.other": {"fr": "{n} heures", "en": "{n} hours"},
    "duration.hours.less_than_one": {"fr": "moins d'une heure", "en": "less than an hour"},
    "channel.whatsapp.via": {"fr": "par WhatsApp", "en": "on WhatsApp"},
    "channel.email.via": {"fr": "par e-mail", "en": "by e-mail"},
    "channel.sms.via": {"fr": "par SMS", "en": "by SMS"},
    "channel.telegram.via": {"fr": "sur Telegram", "en": "on Telegram"},
    "channel.call.via": {"fr": "par téléphone", "en": "by phone"},
    "channel.whatsapp.name": {"fr": "WhatsApp", "en": "WhatsApp"},
    "channel.email.name": {"fr": "l'e-mail", "en": "e-mail"},
    "channel.sms.name": {"fr": "le SMS", "en": "SMS"},
    "channel.telegram.name": {"fr": "Telegram", "en": "Telegram"},
    "channel.call.name": {"fr": "le téléphone", "en": "phone calls"},
    "channel.whatsapp.message": {"fr": "message WhatsApp", "en": "WhatsApp message"},
    "channel.email.message": {"fr": "e-mail", "en": "e-mail"},
    "channel.sms.message": {"fr": "SMS", "en": "text message"},
    "channel.telegram.message": {"fr": "message Telegram", "en": "Telegram message"},
    "channel.call.message": {"fr": "appel", "en": "call"},
    "channel.manual.message": {"fr": "message", "en": "message"},
    "alert.NoContact7d.message": {
        "fr": "{name} attend un premier message depuis {days}. On fait les présentations ?",
        "en": "{name} has been waiting {days} for a first message. Time to say hello?",
    },
    "alert.NoContact7d.message_channel": {
        "fr": "{name} attend un premier message depuis {days}. On prend contact {via} ?",
        "en": "{name} has been waiting {days} for a first message. Shall we reach out {via}?",
    },
    "alert.NoContact7d.action": {"fr": "Prendre un premier contact", "en": "Make first contact"},
    "alert.NoContact7d.action_channel": {"fr": "Prendre contact {via}", "en": "Reach out {via}"},
    "alert.NoReply3d.message": {
        "fr": "{name} n'a pas répondu depuis {days}. Une relance douce ?",
        "en": "{name} hasn't replied in {days}. A gentle nudge?",
    },
    "alert.NoReply3d.message_channel": {
        "fr": "{name} n'a pas répondu depuis {days}. Une relance douce {via} ?",
        "en": "{name} hasn't replied in {days}. A gentle nudge {via}?",
    },
    "alert.NoReply3d.message_switch": {
        "fr": "{name} n'a pas répondu depuis {days}. Peut-être essayer {channel} ?",
        "en": "{name} hasn't replied in {days}. Maybe try {channel}?",
    },
    "alert.NoReply3d.action": {"fr": "Relance douce", "en": "Gentle follow-up"},
    "alert.NoReply3d.action_channel": {"fr": "Relance douce {via}", "en": "Gentle follow-up {via}"},
    "alert.NoFollowup7d.message": {
        "fr": "Plus d'échange avec {name} depuis {days}. On reprend le fil ?",
        "en": "No word with {name} for {days}. Shall we pick up the thread?",
    },
    "alert.NoFollowup7d.message_channel": {
        "fr": "Plus d'échange avec {name} depuis {days}. On reprend le fil {via} ?",
        "en": "No word with {name} for {days}. Shall we pick up the thread {via}?",
    },
    "alert.NoFollowup7d.action": {"fr": "Relance contextualisée", "en": "Follow-up with context"},
    "alert.NoFollowup7d.action_channel": {
        "fr": "Relance contextualisée {via}",
        "en": "Follow-up with context {via}",
    },
    "alert.HotLead24h.message": {
        "fr": "Lead chaud ! {name} a répondu il y a {ago} ({intent}). On répond sans tarder ?",
        "en": "Hot lead! {name} replied {ago} ago ({intent}). Shall we answer right away?",
    },
    "alert.HotLead24h.message_channel": {
        "fr": "Lead chaud ! {name} a répondu il y a {ago} ({intent}). On répond {via} sans tarder ?",
        "en": "Hot lead! {name} replied {ago} ago ({intent}). Shall we answer {via} right away?",
    },
    "alert.HotLead24h.intent.interested": {"fr": "intérêt marqué", "en": "clear interest"},
    "alert.HotLead24h.intent.meeting_request": {"fr": "demande de rendez-vous", "en": "meeting request"},
    "alert.HotLead24h.intent.question": {"fr": "question posée", "en": "a question asked"},
    "alert.HotLead24h.action": {"fr": "Répondre maintenant", "en": "Reply now"},
    "alert.HotLead24h.action_channel": {"fr": "Répondre maintenant {via}", "en": "Reply now {via}"},
    "alert.StaleLead30d.message": {
        "fr": "Ça fait {days} sans nouvelles de {name}... Dernier essai avant d'archiver ?",
        "en": "It's been {days} without a word from {name}... One last try before archiving?",
    },
    "alert.StaleLead30d.action": {
        "fr": "Dernier essai (offre spéciale) ou archiver",
        "en": "One last try (special offer), or archive",
    },
    "alert.PreferredChannel.message": {
        "fr": (
            "{name} répond super bien {via} ({rate} % contre {runner_up_rate} % {runner_up_via}). "
            "Continuons comme ça !"
        ),
        "en": (
            "{name} answers really well {via} ({rate}% vs {runner_up_rate}% {runner_up_via}). "
            "Let's keep it that way!"
        ),
    },
    "alert.PreferredChannel.action": {"fr": "Privilégier {channel}", "en": "Favour {channel}"},
    "alert.cta.reply": {"fr": "Répondre {via}", "en": "Reply {via}"},
    "alert.cta.write": {"fr": "Écrire {via}", "en": "Write {via}"},
    "alert.cta.callLead": {"fr": "Appeler", "en": "Call"},
    "alert.cta.draftMessage": {"fr": "Préparer un message", "en": "Draft a message"},
    "alert.cta.archiveLead": {"fr": "Archiver", "en": "Archive"},
    "alert.cta.resolveAlert": {"fr": "Marquer comme traité", "en": "Mark as done"},
    "reco.follow_up_silence.action": {"fr": "Relancer", "en": "Follow up"},
    "reco.follow_up_silence.action_channel": {"fr": "Relancer {via}", "en": "Follow up {via}"},
    "reco.follow_up_silence.reason": {
        "fr": (
            "Pas de réponse de {name} depuis votre dernier {message}, il y a {days}. "
            "Un petit mot suffit souvent à relancer l'échange."
        ),
        "en": (
            "No reply from {name} since your last {message}, {days} ago. A short nudge is often all it takes."
        ),
    },
    "reco.follow_up_opened.action": {
        "fr": "Relancer (a lu mais pas répondu)",
        "en": "Follow up (read, no reply yet)",
    },
    "reco.follow_up_opened.action_channel": {
        "fr": "Relancer {via} (a lu mais pas répondu)",
        "en": "Follow up {via} (read, no reply yet)",
    },
    "reco.follow_up_opened.reason": {
        "fr": (
            "{name} a ouvert votre {message} il y a {ago}, sans suite. "
            "Le sujet intéresse : c'est le bon moment pour relancer."
        ),
        "en": (
            "{name} opened your {message} {ago} ago but hasn't replied. "
            "It caught their eye: a good moment to follow up."
        ),
    },
    "reco.change_channel.action": {"fr": "Renvoyer avec un autre angle", "en": "Resend with a new angle"},
    "reco.change_channel.action_channel": {
        "fr": "Changer de canal : relancer {via}",
        "en": "Switch channel: follow up {via}",
    },
    "reco.change_channel.reason": {
        "fr": (
            "{name} n'a toujours pas ouvert votre {message}, délivré il y a {days}. "
            "Un autre canal fera peut-être mouche."
        ),
        "en": (
            "{name} still hasn't opened your {message}, delivered {days} ago. "
            "Another channel may land better."
        ),
    },
    # --- Keyword replies on messaging channels (rules/keywords.py); SMS-length with the company ---
    "messaging.help_reply": {
        "fr": (
            "Bonjour, c'est {company} ! Une question ? Répondez à ce message, on vous lit. "
            "Répondez STOP pour ne plus recevoir nos messages."
        ),
        "en": (
            "Hi, it's {company}! Any question? Just reply to this message, we read every one. "
            "Reply STOP to stop receiving our messages."
        ),
    },
    "messaging.opt_out_confirmation": {
        "fr": "C'est noté : {company} ne vous écrira plus. Si vous changez d'avis, répondez START.",
        "en": "Got it: you won't hear from {company} again. If you change your mind, reply START.",
    },
    "messaging.opt_in_confirmation": {
        "fr": (
            "Ravi de vous retrouver ! {company} peut à nouveau vous écrire. "
            "Répondez STOP à tout moment pour vous désinscrire."
        ),
        "en": "Welcome back! You'll hear from {company} again. Reply STOP at any time to stop.",
    },
}


def render(key: str, locale: str, **values: Any) -> str:
    """The text ``key`` in ``locale`` (French when the locale has no text), with ``values`` filled in."""
    texts = CATALOGUE[key]
    return texts.get(locale, texts["fr"]).format(**values)
