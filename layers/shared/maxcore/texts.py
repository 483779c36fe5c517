"""The message catalogue: every text shown to users, in French (default) and English.

Texts speak as M.A.X. does in the product documents: warm, direct, human. Rules return a key and its
values; :func:`render` picks the tenant's language.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
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
    # --- counts and durations (counted(), days_text(), duration_text() below) -------------------
    "duration.days.one": {"fr": "{n} jour", "en": "{n} day"},
    "duration.days.other": {"fr": "{n} jours", "en": "{n} days"},
    "duration.hours.one": {"fr": "{n} heure", "en": "{n} hour"},
    "duration.hours.other": {"fr": "{n} heures", "en": "{n} hours"},
    "duration.hours.less_than_one": {"fr": "moins d'une heure", "en": "less than an hour"},
    "count.messages.one": {"fr": "{n} message", "en": "{n} message"},
    "count.messages.other": {"fr": "{n} messages", "en": "{n} messages"},
    # --- what a lead's reply means (alerts' and automations' reasons) ---------------------------
    "intent.interested": {"fr": "intérêt marqué", "en": "clear interest"},
    "intent.meeting_request": {"fr": "demande de rendez-vous", "en": "meeting request"},
    "intent.question": {"fr": "question posée", "en": "a question asked"},
    "intent.not_interested": {"fr": "pas intéressé", "en": "not interested"},
    "intent.unsubscribe": {"fr": "demande de désinscription", "en": "asked to unsubscribe"},
    "intent.out_of_office": {"fr": "absent", "en": "out of office"},
    "intent.neutral": {"fr": "réponse neutre", "en": "neutral reply"},
    # --- Living alerts and follow-up recommendations (rules/alerts.py, rules/recommendations.py) ---
    "channel.whatsapp.via": {"fr": "par WhatsApp", "en": "on WhatsApp"},
    "channel.email.via": {"fr": "par e-mail", "en": "by e-mail"},
    "channel.sms.via": {"fr": "par SMS", "en": "by SMS"},
    "channel.telegram.via": {"fr": "sur Telegram", "en": "on Telegram"},
    "channel.call.via": {"fr": "par téléphone", "en": "by phone"},
    # A channel's bare label, as a step or a cap names it ("envoyée par e-mail", "le canal SMS").
    "channel.email.label": {"fr": "e-mail", "en": "email"},
    "channel.sms.label": {"fr": "SMS", "en": "SMS"},
    "channel.whatsapp.label": {"fr": "WhatsApp", "en": "WhatsApp"},
    "channel.telegram.label": {"fr": "Telegram", "en": "Telegram"},
    "channel.linkedin.label": {"fr": "LinkedIn", "en": "LinkedIn"},
    "channel.call.label": {"fr": "appel", "en": "call"},
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
    "alert.HotLead24h.action": {"fr": "Répondre maintenant", "en": "Reply now"},
    "alert.HotLead24h.action_channel": {"fr": "Répondre maintenant {via}", "en": "Reply now {via}"},
    "alert.StaleLead30d.message": {
        "fr": "Ça fait {days} que {name} ne donne plus de nouvelles... Dernier essai avant d'archiver ?",
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
    # --- why an alert resolved itself, or was resolved (rules/alerts.py, services/alerts.py) ---
    "alert.resolved.still_holds": {"fr": "L'alerte tient toujours.", "en": "the alert still holds"},
    "alert.resolved.replaced": {
        "fr": "Une nouvelle occurrence la remplace (épisode {episode}).",
        "en": "a new occurrence replaces it (episode {episode})",
    },
    "alert.resolved.closed.converted": {
        "fr": "Le lead est converti : plus de relance.",
        "en": "the lead is converted: no more follow-ups",
    },
    "alert.resolved.closed.lost": {
        "fr": "Le lead est marqué perdu : plus de relance.",
        "en": "the lead is lost: no more follow-ups",
    },
    "alert.resolved.out_of_office": {
        "fr": "Le lead est absent jusqu'au {date}.",
        "en": "the lead is out of office until {date}",
    },
    "alert.resolved.superseded.NoContact7d": {
        "fr": "Remplacée par l'alerte « premier contact » : le lead n'a jamais été contacté.",
        "en": "superseded by NoContact7d: the lead was never contacted",
    },
    "alert.resolved.superseded.NoReply3d": {
        "fr": (
            "Remplacée par l'alerte « sans réponse » : le dernier échange est notre message "
            "resté sans réponse."
        ),
        "en": "superseded by NoReply3d: the last contact is our unanswered message",
    },
    "alert.resolved.superseded.StaleLead30d": {
        "fr": "Remplacée par l'alerte « lead endormi » : aucune activité depuis {days}.",
        "en": "superseded by StaleLead30d: no activity for {days}",
    },
    "alert.resolved.message_sent": {
        "fr": "Un message lui a été envoyé le {date}.",
        "en": "a message was sent on {date}",
    },
    "alert.resolved.new_message_sent": {
        "fr": "Un nouveau message lui a été envoyé le {date}.",
        "en": "a new message was sent on {date}",
    },
    "alert.resolved.lead_replied": {"fr": "Le lead a répondu le {date}.", "en": "the lead replied on {date}"},
    "alert.resolved.reply_sent": {
        "fr": "Une réponse lui a été envoyée le {date}.",
        "en": "a reply was sent on {date}",
    },
    "alert.resolved.contact_took_place": {
        "fr": "Un échange a eu lieu le {date}.",
        "en": "a contact took place on {date}",
    },
    "alert.resolved.activity_resumed": {
        "fr": "L'activité a repris le {date}.",
        "en": "activity resumed on {date}",
    },
    "alert.resolved.nothing_sent": {
        "fr": "Aucun message ne lui a été envoyé.",
        "en": "no message was sent to the lead",
    },
    "alert.resolved.nothing_received": {
        "fr": "Le lead n'a envoyé aucun message.",
        "en": "the lead sent no message",
    },
    "alert.resolved.no_contact": {
        "fr": "Aucun échange avec le lead n'est enregistré.",
        "en": "no contact with the lead was recorded",
    },
    "alert.resolved.hot_message_old": {
        "fr": "Le dernier message du lead date de plus de {hours}.",
        "en": "the lead's last message is more than {hours} old",
    },
    "alert.resolved.no_hot_intent": {
        "fr": "Le dernier message du lead ne montre pas d'intérêt marqué.",
        "en": "the lead's last message shows no hot intent",
    },
    "alert.resolved.under.created": {
        "fr": "Le lead a été créé il y a {days}, en deçà du seuil de {threshold}.",
        "en": "the lead was created {days} ago, under the threshold of {threshold}",
    },
    "alert.resolved.under.last_message": {
        "fr": "Le dernier message est parti il y a {days}, en deçà du seuil de {threshold}.",
        "en": "the last message was sent {days} ago, under the threshold of {threshold}",
    },
    "alert.resolved.under.last_contact": {
        "fr": "Le dernier échange remonte à {days}, en deçà du seuil de {threshold}.",
        "en": "the last contact was {days} ago, under the threshold of {threshold}",
    },
    "alert.resolved.under.last_activity": {
        "fr": "La dernière activité remonte à {days}, en deçà du seuil de {threshold}.",
        "en": "the last activity was {days} ago, under the threshold of {threshold}",
    },
    "alert.resolved.no_channel_enough": {
        "fr": "Plus aucun canal n'a assez de messages envoyés sur la période.",
        "en": "no channel has enough messages sent in the window any more",
    },
    "alert.resolved.only_channel": {
        "fr": "Seul {channel} a assez de messages envoyés pour comparer.",
        "en": "only {channel} has enough messages sent to compare",
    },
    "alert.resolved.channel_not_standing_out": {
        "fr": "{channel} ne se démarque plus : {rate} % contre {runner_up_rate} % pour {runner_up}.",
        "en": "{channel} no longer stands out: {rate}% vs {runner_up_rate}% on {runner_up}",
    },
    "alert.resolved.by_user": {"fr": "Marquée comme traitée.", "en": "resolved by a user"},
    "alert.resolved.by_user_note": {
        "fr": "Marquée comme traitée : {note}",
        "en": "resolved by a user: {note}",
    },
    "alert.resolved.lead_deleted": {"fr": "Le lead a été supprimé.", "en": "the lead was deleted"},
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
            "{name} n'a toujours pas ouvert votre {message}, délivré il y a {ago}. "
            "Un autre canal fera peut-être mouche."
        ),
        "en": (
            "{name} still hasn't opened your {message}, delivered {ago} ago. Another channel may land better."
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
    # Telegram only (the answer to /start), so not held to one SMS.
    "messaging.telegram_welcome": {
        "fr": (
            "Bonjour et bienvenue chez {company} ! Écrivez-nous ici vos questions : une personne de "
            "l'équipe vous répond. Vous recevrez aussi nos messages dans cette conversation. "
            "Envoyez /stop à tout moment pour ne plus rien recevoir."
        ),
        "en": (
            "Hello and welcome to {company}! Send us your questions here: someone from our team "
            "will answer you. You'll also get our messages in this chat. "
            "Send /stop at any time to stop receiving them."
        ),
    },
    # --- enrollment: why a row of an upload (CSV or lead ids) was not enrolled --------------------
    "enrollment.row.listed_twice": {
        "fr": "Ce lead est déjà plus haut dans la liste.",
        "en": "This lead is already listed above.",
    },
    "enrollment.row.unknown_lead": {
        "fr": "Aucun lead ne porte cet identifiant.",
        "en": "No lead has this id.",
    },
    "enrollment.row.already_in_campaign": {
        "fr": "Ce lead est déjà dans cette campagne.",
        "en": "This lead is already in this campaign.",
    },
    "enrollment.row.unreachable": {
        "fr": "Ce lead n'a ni e-mail, ni téléphone, ni conversation Telegram.",
        "en": "This lead has no e-mail, no phone and no Telegram chat.",
    },
    "enrollment.row.blacklisted": {
        "fr": "L'adresse de ce lead est dans votre liste noire.",
        "en": "This lead's address is on your blacklist.",
    },
    "enrollment.row.opted_out": {
        "fr": "Ce lead s'est désinscrit de tous les canaux du scénario ({channels}).",
        "en": "This lead opted out of every channel of the scenario ({channels}).",
    },
    "enrollment.row.bad_email": {
        "fr": "Ce n'est pas une adresse e-mail.",
        "en": "This is not an e-mail address.",
    },
    "enrollment.row.no_contact": {
        "fr": "Ni e-mail ni téléphone sur cette ligne.",
        "en": "No e-mail and no phone on this row.",
    },
    "enrollment.row.duplicate_in_file": {
        "fr": "Ce contact apparaît déjà plus haut dans le fichier.",
        "en": "This contact already appears earlier in the file.",
    },
    "enrollment.row.extra_cells": {
        "fr": "Cette ligne a plus de cellules que l'en-tête n'a de colonnes.",
        "en": "This row has more cells than the header has columns.",
    },
    "enrollment.row.value_too_long": {
        "fr": "La colonne « {column} » dépasse {max} caractères.",
        "en": 'The column "{column}" is longer than {max} characters.',
    },
    "enrollment.row.bad_value": {
        "fr": "Valeur refusée dans : {fields}.",
        "en": "Value refused in: {fields}.",
    },
    "enrollment.row.contact_taken": {
        "fr": "Cet e-mail ou ce téléphone appartient déjà à un autre lead.",
        "en": "This e-mail or phone already belongs to another lead.",
    },
    "enrollment.phone.not_a_number": {
        "fr": "{code} : ce n'est pas un numéro de téléphone.",
        "en": "{code}: this is not a phone number.",
    },
    "enrollment.phone.invalid_country_code": {
        "fr": "{code} : cet indicatif de pays n'existe pas.",
        "en": "{code}: this country code does not exist.",
    },
    "enrollment.phone.too_short": {
        "fr": "{code} : il manque des chiffres à ce numéro (lu en {country} s'il n'a pas d'indicatif).",
        "en": "{code}: this number is missing digits (read in {country} when it has no country code).",
    },
    "enrollment.phone.too_long": {
        "fr": "{code} : ce numéro a trop de chiffres (lu en {country} s'il n'a pas d'indicatif).",
        "en": "{code}: this number has too many digits (read in {country} when it has no country code).",
    },
    "enrollment.phone.invalid_length": {
        "fr": "{code} : aucun numéro de ce pays n'a ce nombre de chiffres (lu en {country} sans indicatif).",
        "en": "{code}: no number of its country has this many digits (read in {country} without a code).",
    },
    "enrollment.phone.invalid_number": {
        "fr": "{code} : aucun numéro de ce pays ne s'écrit ainsi (lu en {country} s'il n'a pas d'indicatif).",
        "en": "{code}: no number of its country is written this way (read in {country} without a code).",
    },
    "enrollment.csv.no_header": {
        "fr": "Le fichier est vide : il faut une ligne d'en-tête puis une ligne par lead.",
        "en": "The file is empty: it needs a header row, then one row per lead.",
    },
    "enrollment.csv.no_contact_column": {
        "fr": "L'en-tête doit avoir une colonne e-mail ou téléphone (par exemple « E-mail », « Téléphone »).",
        "en": 'The header needs an e-mail or phone column (for example "Email", "Phone").',
    },
    "enrollment.csv.duplicate_column": {
        "fr": "La colonne « {column} » apparaît deux fois dans l'en-tête.",
        "en": 'The column "{column}" appears twice in the header.',
    },
    "enrollment.csv.too_many_columns": {
        "fr": "{count} colonnes personnalisées : un lead en garde {max} au plus.",
        "en": "{count} custom columns: a lead keeps at most {max}.",
    },
    "enrollment.csv.column_name_too_long": {
        "fr": "Le nom de colonne « {column} » dépasse {max} caractères.",
        "en": 'The column name "{column}" is longer than {max} characters.',
    },
    "enrollment.csv.no_rows": {
        "fr": "Le fichier n'a aucune ligne de lead sous l'en-tête.",
        "en": "The file has no lead rows under its header.",
    },
    "enrollment.csv.unreadable": {
        "fr": "Le fichier est illisible vers la ligne {line} (une cellule démesurée ?).",
        "en": "The file cannot be read around line {line} (an oversized cell?).",
    },
    "enrollment.csv.too_many_rows": {
        "fr": "{max_rows} lignes au plus par envoi : découpez le fichier.",
        "en": "At most {max_rows} rows per upload: split the file.",
    },
    # --- prospection: why the scheduler did (or did not do) each step ---------------------------
    "prospection.enrolled": {
        "fr": "Inscrit à la campagne : première étape prévue {until}.",
        "en": "Enrolled in the campaign: first step planned {until}.",
    },
    "prospection.already_in_sequence": {
        "fr": "Ce lead suit déjà la séquence de la campagne « {campaign} » : une seule à la fois.",
        "en": 'This lead is already in the sequence of the campaign "{campaign}": one at a time.',
    },
    "prospection.enrolling_elsewhere": {
        "fr": "Une autre campagne vient d'inscrire ce lead : une seule séquence à la fois.",
        "en": "Another campaign has just enrolled this lead: one sequence at a time.",
    },
    "prospection.mode_auto": {
        "fr": "Étape {step} envoyée par {channel} (mode Automatique).",
        "en": "Step {step} sent by {channel} (auto mode).",
    },
    "prospection.mode_assisted": {
        "fr": "Étape {step} : brouillon {channel} prêt, il attend votre validation (mode Assisté).",
        "en": "Step {step}: {channel} draft ready and waiting for your approval (assisted mode).",
    },
    "prospection.mode_advise": {
        "fr": "Étape {step} : M.A.X. vous suggère ce message {channel} ; rien n'est envoyé (mode Conseil).",
        "en": "Step {step}: M.A.X. suggests this {channel} message; nothing is sent (advise mode).",
    },
    "prospection.manual_linkedin": {
        "fr": "Étape {step} : tâche LinkedIn créée pour vous, à faire à la main.",
        "en": "Step {step}: LinkedIn task created for you to do by hand.",
    },
    "prospection.manual_call": {
        "fr": "Étape {step} : appel à passer, la tâche vous attend.",
        "en": "Step {step}: a call to make, the task is waiting for you.",
    },
    "prospection.outside_window": {
        "fr": "Étape {step} reportée : hors des horaires d'envoi, prochaine fenêtre {until}.",
        "en": "Step {step} deferred: outside the send window, next window {until}.",
    },
    "prospection.quiet_sunday": {
        "fr": (
            "Étape {step} reportée : dimanche chez le destinataire, pas de message commercial. Envoi {until}."
        ),
        "en": "Step {step} deferred: Sunday where the recipient lives, no marketing texts. Sending {until}.",
    },
    "prospection.quiet_holiday": {
        "fr": (
            "Étape {step} reportée : jour férié chez le destinataire, pas de message commercial. "
            "Envoi {until}."
        ),
        "en": (
            "Step {step} deferred: public holiday where the recipient lives, no marketing texts. "
            "Sending {until}."
        ),
    },
    "prospection.quiet_hours": {
        "fr": "Étape {step} reportée : hors {start}-{end} chez le destinataire. Envoi {until}.",
        "en": "Step {step} deferred: outside {start}-{end} where the recipient lives. Sending {until}.",
    },
    "prospection.daily_cap": {
        "fr": (
            "Étape {step} reportée : plafond de {cap} par jour atteint pour le canal {channel}, "
            "reprise {until}."
        ),
        "en": "Step {step} deferred: the daily cap of {cap} on {channel} is reached, resuming {until}.",
    },
    "prospection.daily_sender_limit": {
        "fr": (
            "Étape {step} reportée : chaque adresse d'envoi a atteint sa limite d'e-mails du jour, "
            "reprise {until}."
        ),
        "en": (
            "Step {step} deferred: every sending address has reached its daily e-mail limit, "
            "resuming {until}."
        ),
    },
    "prospection.provider_unavailable": {
        "fr": "Étape {step} reportée : le fournisseur {channel} ne répond pas, nouvel essai {until}.",
        "en": "Step {step} deferred: the {channel} provider is not answering, trying again {until}.",
    },
    "prospection.insufficient_tokens": {
        "fr": (
            "Étape {step} en attente : une relance automatique coûte {cost} tokens et il en reste {balance}. "
            "Ajoutez un pack ou attendez le mois prochain ; nouvel essai {until}."
        ),
        "en": (
            "Step {step} on hold: an automatic follow-up costs {cost} tokens and {balance} are left. "
            "Add a pack or wait for next month; trying again {until}."
        ),
    },
    "prospection.replied": {
        "fr": "Séquence arrêtée : le prospect a répondu. À vous de jouer !",
        "en": "Sequence stopped: the prospect replied. Over to you!",
    },
    "prospection.declined": {
        "fr": (
            "Séquence arrêtée : le prospect a décliné. M.A.X. vous suggère de le passer en « perdu », "
            "à vous de décider."
        ),
        "en": "Sequence stopped: the prospect declined. M.A.X. suggests marking them lost; your call.",
    },
    "prospection.unsubscribed": {
        "fr": (
            "Séquence arrêtée : le prospect a demandé à ne plus être contacté. Son consentement est "
            "retiré, M.A.X. ne lui écrira plus."
        ),
        "en": (
            "Sequence stopped: the prospect asked not to be contacted again. Their consent is "
            "withdrawn; M.A.X. won't write to them."
        ),
    },
    # --- unsubscribe: the footer of marketing e-mails and the page its link opens -------------
    "unsubscribe.footer": {
        "fr": "Vous ne souhaitez plus recevoir nos e-mails ?",
        "en": "Don't want to receive our e-mails any more?",
    },
    "unsubscribe.link": {"fr": "Se désinscrire", "en": "Unsubscribe"},
    "unsubscribe.footer_text": {
        "fr": "Vous ne souhaitez plus recevoir nos e-mails ? Se désinscrire : {url}",
        "en": "Don't want to receive our e-mails any more? Unsubscribe: {url}",
    },
    "unsubscribe.page.title": {"fr": "Désinscription", "en": "Unsubscribe"},
    "unsubscribe.page.ask": {
        "fr": "{company} ne vous enverra plus d'e-mails à l'adresse {address}.",
        "en": "You will no longer receive e-mails from {company} at {address}.",
    },
    "unsubscribe.page.confirm": {"fr": "Confirmer la désinscription", "en": "Confirm unsubscribing"},
    "unsubscribe.page.done_title": {"fr": "Vous êtes désinscrit(e)", "en": "You are unsubscribed"},
    "unsubscribe.page.done": {
        "fr": "C'est noté : {company} ne vous écrira plus par e-mail à l'adresse {address}.",
        "en": "Done: {company} won't e-mail you at {address} again.",
    },
    "unsubscribe.page.invalid_title": {
        "fr": "Ce lien n'est plus valide",
        "en": "This link is no longer valid",
    },
    "unsubscribe.page.invalid": {
        "fr": (
            "Le lien de désinscription a expiré ou n'est pas complet. Pour ne plus recevoir nos e-mails, "
            "répondez simplement « STOP » à l'un d'eux."
        ),
        "en": (
            "The unsubscribe link has expired or is incomplete. To stop receiving our e-mails, just "
            'reply "STOP" to one of them.'
        ),
    },
    "prospection.out_of_office": {
        "fr": (
            "Séquence en pause : le prospect est absent (réponse d'absence). "
            "Elle reprendra toute seule {until}."
        ),
        "en": "Sequence paused: the prospect is away (out-of-office reply). It resumes by itself {until}.",
    },
    "prospection.blacklisted": {
        "fr": "Séquence arrêtée : l'adresse du prospect est sur votre liste noire.",
        "en": "Sequence stopped: the prospect's address is on your blacklist.",
    },
    "prospection.lead_deleted": {
        "fr": "Séquence arrêtée : le lead a été supprimé.",
        "en": "Sequence stopped: the lead was deleted.",
    },
    "prospection.lead_converted": {
        "fr": "Séquence arrêtée : le lead est converti, bravo !",
        "en": "Sequence stopped: the lead is converted, well done!",
    },
    "prospection.lead_lost": {
        "fr": "Séquence arrêtée : le lead est marqué perdu.",
        "en": "Sequence stopped: the lead is marked lost.",
    },
    "prospection.campaign_completed": {
        "fr": "Séquence arrêtée : la campagne est terminée.",
        "en": "Sequence stopped: the campaign is completed.",
    },
    "prospection.campaign_paused": {
        "fr": "En attente : la campagne est en pause, l'étape {step} repartira à la reprise.",
        "en": "On hold: the campaign is paused; step {step} resumes when it does.",
    },
    "prospection.replied_after_last_step": {
        "fr": "Le prospect a répondu après la dernière étape de la séquence. À vous de jouer !",
        "en": "The prospect replied after the sequence's last step. Over to you!",
    },
    "prospection.sequence_done": {
        "fr": "Séquence terminée : toutes les étapes sont passées.",
        "en": "Sequence complete: every step is done.",
    },
    "prospection.opted_out": {
        "fr": "Étape {step} sautée : le prospect s'est désinscrit du canal {channel}.",
        "en": "Step {step} skipped: the prospect opted out of {channel}.",
    },
    "prospection.no_address": {
        "fr": "Étape {step} sautée : pas d'adresse {channel} pour ce prospect.",
        "en": "Step {step} skipped: no {channel} address for this prospect.",
    },
    "prospection.address_suppressed": {
        "fr": "Étape {step} sautée : l'adresse {channel} est bloquée (rebond ou plainte).",
        "en": "Step {step} skipped: the {channel} address is suppressed (bounce or complaint).",
    },
    "prospection.whatsapp_window_closed": {
        "fr": (
            "Étape {step} sautée : WhatsApp n'autorise un message libre que 24 h après le dernier "
            "message du prospect ; utilisez un template validé."
        ),
        "en": (
            "Step {step} skipped: WhatsApp allows a free-form message only within 24 h of the "
            "prospect's last message; use an approved template."
        ),
    },
    "prospection.whatsapp_template_pending": {
        "fr": (
            "Étape {step} sautée : hors de la fenêtre de 24 h, WhatsApp n'accepte qu'un template "
            "validé, et celui de l'étape attend encore la validation de Meta."
        ),
        "en": (
            "Step {step} skipped: outside the 24-hour window WhatsApp takes only an approved "
            "template, and the step's is still waiting for Meta's approval."
        ),
    },
    "prospection.whatsapp_template_rejected": {
        "fr": (
            "Étape {step} sautée : hors de la fenêtre de 24 h, WhatsApp n'accepte qu'un template "
            "validé, et celui de l'étape a été refusé par Meta."
        ),
        "en": (
            "Step {step} skipped: outside the 24-hour window WhatsApp takes only an approved "
            "template, and Meta rejected the step's."
        ),
    },
    "prospection.channel_disabled": {
        "fr": "Étape {step} sautée : le canal {channel} est désactivé pour votre équipe.",
        "en": "Step {step} skipped: the {channel} channel is turned off for your team.",
    },
    "prospection.sender_missing": {
        "fr": "Étape {step} sautée : aucun expéditeur {channel} n'est configuré.",
        "en": "Step {step} skipped: no {channel} sender is set up.",
    },
    "prospection.unsubscribe_unavailable": {
        "fr": (
            "Étape {step} sautée : un e-mail de prospection porte toujours un lien de désinscription, "
            "et l'adresse publique de l'API n'est pas encore configurée."
        ),
        "en": (
            "Step {step} skipped: a prospection e-mail always carries an unsubscribe link, and the "
            "API's public address isn't set up yet."
        ),
    },
    "prospection.provider_refused": {
        "fr": "Étape {step} non envoyée : le fournisseur {channel} a refusé le message ({detail}).",
        "en": "Step {step} not sent: the {channel} provider refused the message ({detail}).",
    },
    "prospection.send_interrupted": {
        "fr": (
            "Étape {step} : l'envoi {channel} a été interrompu et n'est pas relancé, pour ne jamais "
            "écrire deux fois ; vérifiez la conversation."
        ),
        "en": (
            "Step {step}: the {channel} send was interrupted and is not retried, so the prospect never "
            "gets it twice; check the conversation."
        ),
    },
    "prospection.send_unanswered": {
        "fr": (
            "Étape {step} : le fournisseur {channel} n'a pas répondu à temps. Le message est peut-être "
            "parti : il n'est pas relancé, pour ne jamais écrire deux fois ; son accusé de réception "
            "le confirmera dans la conversation."
        ),
        "en": (
            "Step {step}: the {channel} provider did not answer in time. The message may have gone "
            "out: it is not retried, so the prospect never gets it twice; its delivery report will "
            "confirm it in the conversation."
        ),
    },
    "prospection.draft_approved": {
        "fr": "Étape {step} envoyée par {channel} après votre validation.",
        "en": "Step {step} sent by {channel} once you approved it.",
    },
    "prospection.draft_rejected": {
        "fr": "Étape {step} écartée : vous avez refusé le brouillon. La séquence continue.",
        "en": "Step {step} dropped: you rejected the draft. The sequence goes on.",
    },
    "prospection.paused_by_user": {
        "fr": "Prospect mis en pause.",
        "en": "Prospect paused.",
    },
    "prospection.resumed_by_user": {
        "fr": "Séquence reprise : prochaine étape {until}.",
        "en": "Sequence resumed: next step {until}.",
    },
    "prospection.resumed_after_absence": {
        "fr": "Séquence reprise, le prospect est de retour. {reason}",
        "en": "Sequence resumed, the prospect is back. {reason}",
    },
    "prospection.removed_by_user": {
        "fr": "Prospect retiré de la campagne.",
        "en": "Prospect removed from the campaign.",
    },
    # --- prospection: when nothing can write a step's message --------------------------------
    "prospection.no_message": {
        "fr": "Aucun modèle ni texte pour cette étape : rédigez le message.",
        "en": "No template and no text for this step: write the message yourself.",
    },
    # The message written for the step failed the check of what may leave (rules/templates.py).
    "prospection.message_placeholder_left": {
        "fr": "Le message prévu contient encore un champ à compléter : rédigez le message.",
        "en": "The message written still has a blank to fill in: write the message yourself.",
    },
    "prospection.message_subject": {
        "fr": "Le message prévu n'a pas d'objet utilisable : rédigez le message.",
        "en": "The message written has no usable subject: write the message yourself.",
    },
    "prospection.message_too_many_segments": {
        "fr": "Le message prévu dépasse 10 SMS : rédigez-en un plus court.",
        "en": "The message written takes more than 10 SMS: write a shorter one.",
    },
    "prospection.message_too_long": {
        "fr": "Le message prévu est trop long pour le canal {channel} : rédigez-en un plus court.",
        "en": "The message written is too long for {channel}: write a shorter one.",
    },
    "prospection.message_wrong_language": {
        "fr": "Le message prévu n'est pas rédigé en français : rédigez le message.",
        "en": "The message written is not in English: write the message yourself.",
    },
    # --- automations ------------------------------------------------------------------------
    "automation.silence": {
        "fr": "« {name} » : aucune réponse depuis {days} après votre dernier message.",
        "en": '"{name}": no answer for {days} after your last message.',
    },
    "automation.opened_no_reply": {
        "fr": "« {name} » : e-mail ouvert il y a {hours}, sans suite.",
        "en": '"{name}": e-mail opened {hours} ago, no answer.',
    },
    "automation.not_opened": {
        "fr": "« {name} » : e-mail délivré il y a {hours} et jamais ouvert.",
        "en": '"{name}": e-mail delivered {hours} ago and never opened.',
    },
    "automation.never_contacted": {
        "fr": "« {name} » : lead créé il y a {days} et jamais contacté.",
        "en": '"{name}": lead created {days} ago and never contacted.',
    },
    "automation.inbound_intent": {
        "fr": "« {name} » : le lead a répondu ({intent}) et attend une suite.",
        "en": '"{name}": the lead replied ({intent}) and is waiting to hear back.',
    },
    "automation.outcome.sent": {
        "fr": "{trigger} Message envoyé (mode Automatique).",
        "en": "{trigger} Message sent (auto mode).",
    },
    "automation.outcome.drafted": {
        "fr": "{trigger} Brouillon prêt, il attend votre validation (mode Assisté).",
        "en": "{trigger} Draft ready and waiting for your approval (assisted mode).",
    },
    "automation.outcome.recommended": {
        "fr": "{trigger} M.A.X. vous suggère de relancer ; rien n'est envoyé (mode Conseil).",
        "en": "{trigger} M.A.X. suggests a follow-up; nothing is sent (advise mode).",
    },
    "automation.outcome.skipped": {
        "fr": "{trigger} Rien n'est parti : {detail}",
        "en": "{trigger} Nothing went out: {detail}",
    },
    "automation.outcome.unconfirmed": {
        "fr": "{trigger} L'envoi a été interrompu et n'est pas relancé, pour ne jamais écrire deux fois.",
        "en": "{trigger} The send was interrupted and is not retried, so the lead never gets it twice.",
    },
    "automation.outcome.deferred": {
        "fr": "{trigger} Reporté : {detail} Nouvel essai {until}.",
        "en": "{trigger} Put off: {detail} Trying again {until}.",
    },
    # --- automations: occurrences left open whose trigger no longer holds ----------------------
    "automation.left_open.sent": {
        "fr": "« {name} » : l'envoi interrompu était bien parti ; il est enregistré, sans second message.",
        "en": '"{name}": the interrupted send had gone out; it is recorded, with no second message.',
    },
    "automation.left_open.unconfirmed": {
        "fr": (
            "« {name} » : l'envoi a été interrompu et n'est pas relancé, pour ne jamais écrire deux "
            "fois ; son arrivée n'est pas confirmée."
        ),
        "en": (
            '"{name}": the send was interrupted and is not retried, so the lead never gets it twice; '
            "its arrival is not confirmed."
        ),
    },
    "automation.left_open.skipped": {
        "fr": "« {name} » : le déclencheur ne tient plus pour ce lead ; rien n'est parti.",
        "en": '"{name}": the trigger no longer holds for this lead; nothing went out.',
    },
    # --- automations: why nothing went out (the {detail} of the outcomes above) ----------------
    "automation.detail.blacklisted": {
        "fr": "l'adresse du lead est sur votre liste noire.",
        "en": "the lead's address is on your blacklist.",
    },
    "automation.detail.in_sequence": {
        "fr": "le lead suit la séquence de la campagne « {campaign} », qui lui écrit déjà.",
        "en": 'the lead is in the sequence of the campaign "{campaign}", which already writes to them.',
    },
    "automation.detail.opted_out": {
        "fr": "le lead s'est désinscrit du canal {channel}.",
        "en": "the lead opted out of {channel}.",
    },
    "automation.detail.no_address": {
        "fr": "pas d'adresse {channel} pour ce lead.",
        "en": "no {channel} address for this lead.",
    },
    "automation.detail.address_suppressed": {
        "fr": "l'adresse {channel} est bloquée (rebond ou plainte).",
        "en": "the {channel} address is suppressed (bounce or complaint).",
    },
    "automation.detail.whatsapp_window_closed": {
        "fr": "WhatsApp n'autorise un message libre que 24 h après le dernier message du lead.",
        "en": "WhatsApp allows a free-form message only within 24 h of the lead's last message.",
    },
    "automation.detail.whatsapp_template_pending": {
        "fr": "hors de la fenêtre de 24 h, le template WhatsApp attend encore la validation de Meta.",
        "en": "outside the 24-hour window, the WhatsApp template is still waiting for Meta's approval.",
    },
    "automation.detail.whatsapp_template_rejected": {
        "fr": "hors de la fenêtre de 24 h, le template WhatsApp a été refusé par Meta.",
        "en": "outside the 24-hour window, the WhatsApp template was rejected by Meta.",
    },
    "automation.detail.channel_disabled": {
        "fr": "le canal {channel} est désactivé pour votre équipe.",
        "en": "the {channel} channel is turned off for your team.",
    },
    "automation.detail.no_channel": {
        "fr": "aucun canal ne peut joindre ce lead.",
        "en": "no channel can reach this lead.",
    },
    "automation.detail.sender_missing": {
        "fr": "aucun expéditeur {channel} n'est configuré.",
        "en": "no {channel} sender is set up.",
    },
    "automation.detail.provider_refused": {
        "fr": "le fournisseur {channel} a refusé le message.",
        "en": "the {channel} provider refused the message.",
    },
    "automation.detail.template_incomplete": {
        "fr": "le modèle n'a pas de valeur pour {missing}.",
        "en": "the template has no value for {missing}.",
    },
    "automation.detail.template_unsafe": {
        "fr": "une fois rempli, le modèle contient un lien ou une image que l'e-mail n'accepte pas.",
        "en": "once filled in, the template has a link or an image e-mail does not accept.",
    },
    "automation.detail.template_not_active": {
        "fr": "le modèle n'est plus actif.",
        "en": "the template is no longer active.",
    },
    "automation.detail.daily_cap": {
        "fr": "le plafond quotidien de messages {channel} est atteint.",
        "en": "the daily cap of {channel} messages is reached.",
    },
    "automation.detail.daily_sender_limit": {
        "fr": "chaque adresse d'envoi a atteint sa limite d'e-mails du jour.",
        "en": "every sending address has reached its daily e-mail limit.",
    },
    "automation.detail.quiet_sunday": {
        "fr": "c'est dimanche chez le destinataire, et le dimanche on ne lui écrit pas pour vendre.",
        "en": "it is Sunday where the recipient lives, and marketing texts wait for Monday.",
    },
    "automation.detail.quiet_holiday": {
        "fr": "c'est un jour férié chez le destinataire, et on ne lui écrit pas pour vendre.",
        "en": "it is a public holiday where the recipient lives, and marketing texts wait.",
    },
    "automation.detail.quiet_hours": {
        "fr": "il est hors {start}-{end} chez le destinataire.",
        "en": "it is outside {start}-{end} where the recipient lives.",
    },
    "automation.detail.insufficient_tokens": {
        "fr": "une relance automatique coûte {cost} tokens et il en reste {balance}.",
        "en": "an automatic follow-up costs {cost} tokens and {balance} are left.",
    },
    "automation.detail.provider_unavailable": {
        "fr": "le fournisseur {channel} ne répond pas.",
        "en": "the {channel} provider is not answering.",
    },
    # --- A/B variants -----------------------------------------------------------------------------------
    "variants.count.sends.one": {"fr": "{n} envoi", "en": "{n} send"},
    "variants.count.sends.other": {"fr": "{n} envois", "en": "{n} sends"},
    "variants.collecting": {
        "fr": (
            "Pas encore de verdict : il faut au moins {min} envois par variante, encore {sends} au total."
        ),
        "en": "No verdict yet: each variant needs at least {min} sends; {sends} still missing in all.",
    },
    "variants.significant": {
        "fr": (
            "La variante {leader} l'emporte : {leader_rate} de réponses positives contre {other_rate} "
            "pour la variante {other} (z = {z}, p = {p}), une différence significative à 95 %."
        ),
        "en": (
            "Variant {leader} wins: {leader_rate} positive replies against {other_rate} for {other} "
            "(z = {z}, p = {p}), a significant difference at 95%."
        ),
    },
    "variants.not_significant": {
        "fr": (
            "Pas encore significatif : {leader} à {leader_rate} de réponses positives, {other} à "
            "{other_rate} (z = {z}, p = {p}). Encore environ {sends} pour trancher."
        ),
        "en": (
            "Not significant yet: {leader} at {leader_rate} positive replies, {other} at {other_rate} "
            "(z = {z}, p = {p}). Roughly {sends} still needed to tell."
        ),
    },
    "variants.tied": {
        "fr": (
            "Égalité pour l'instant : {leader} et {other} ont le même taux de réponses positives "
            "({leader_rate}). Aucun volume ne les départagera tant que ça ne bouge pas."
        ),
        "en": (
            "A tie so far: {leader} and {other} have the same positive-reply rate ({leader_rate}). "
            "No volume will separate them unless that changes."
        ),
    },
    "variants.chosen_by_user": {
        "fr": "Variante {variant} choisie par un utilisateur pour tous les nouveaux prospects. {verdict}",
        "en": "Variant {variant} chosen by a user for every new prospect. {verdict}",
    },
    "variants.chosen_automatically": {
        "fr": "Variante {variant} choisie automatiquement pour tous les nouveaux prospects. {verdict}",
        "en": "Variant {variant} chosen automatically for every new prospect. {verdict}",
    },
    "variants.foreseen": {
        "fr": "Variante {variant} : la campagne l'enverra d'elle-même à tous les nouveaux prospects à son "
        "prochain passage (choix automatique du gagnant). {verdict}",
        "en": "Variant {variant}: the campaign will send it to every new prospect from its next run on "
        "(the winner chosen automatically). {verdict}",
    },
    "variants.assigned": {
        "fr": "Variante {variant} du test A/B, attribuée à ce prospect par la répartition "
        "({share} des prospects) : il recevra toujours la même.",
        "en": "A/B test variant {variant}, assigned to this prospect by the split ({share} of "
        "prospects): it always gets the same one.",
    },
    # --- Scheduled sends --------------------------------------------------------------------------------
    "scheduled.cancelled": {
        "fr": "Annulé avant son envoi : il ne partira pas.",
        "en": "Cancelled before it went: it will not be sent.",
    },
    "scheduled.failed": {
        "fr": "Le message programmé n'est pas parti : {detail}",
        "en": "The scheduled message did not go: {detail}",
    },
    "scheduled.deferred": {
        "fr": "Le message programmé attend encore : {detail} Nouvel essai {until}.",
        "en": "The scheduled message is waiting: {detail} Next try {until}.",
    },
    "scheduled.unconfirmed": {
        "fr": "Le message est parti, mais {detail} On ne le renvoie pas, pour ne pas l'envoyer deux fois.",
        "en": "The message went out, but {detail} It is not sent again, so it never goes twice.",
    },
    "scheduled.detail.lead_deleted": {
        "fr": "le lead a été supprimé entre-temps.",
        "en": "the lead was deleted meanwhile.",
    },
    "scheduled.detail.send_unanswered": {
        "fr": "le fournisseur n'a pas confirmé sa réception.",
        "en": "the provider did not confirm receiving it.",
    },
    "scheduled.detail.send_interrupted": {
        "fr": "l'envoi a été interrompu avant la réponse du fournisseur.",
        "en": "the send was interrupted before the provider answered.",
    },
    # --- Bulk sends -------------------------------------------------------------------------------------
    "bulk.refused": {"fr": "Non envoyé : {detail}", "en": "Not sent: {detail}"},
    "bulk.put_off": {"fr": "Reporté à {until} : {detail}", "en": "Put off until {until}: {detail}"},
    "bulk.unconfirmed": {
        "fr": (
            "Parti sans confirmation du fournisseur : il n'est pas renvoyé, pour ne jamais partir deux fois."
        ),
        "en": "Left without the provider's confirmation: it is not sent again, so it never goes twice.",
    },
    "bulk.cancelled": {
        "fr": "Non envoyé : l'envoi groupé a été annulé avant son tour.",
        "en": "Not sent: the bulk send was cancelled before its turn.",
    },
    "bulk.detail.lead_not_found": {
        "fr": "ce lead n'existe plus.",
        "en": "this lead no longer exists.",
    },
    "bulk.detail.invalid_address": {
        "fr": "le fournisseur {channel} refuse l'adresse de ce lead.",
        "en": "the {channel} provider refuses this lead's address.",
    },
    "bulk.detail.outside_window": {
        "fr": "la fenêtre d'envoi est fermée jusque-là.",
        "en": "the send window is closed until then.",
    },
    "bulk.detail.put_off": {
        "fr": "les destinataires restants attendent leurs heures (dimanche, jour férié, soirée).",
        "en": "the recipients left are waiting for their hours (Sunday, public holiday, evening).",
    },
    "bulk.preview.batch.one": {
        "fr": "Envoi groupé : {n} destinataire en attente, le prochain lot part {at}.",
        "en": "Bulk send: {n} recipient waiting, the next batch goes {at}.",
    },
    "bulk.preview.batch.other": {
        "fr": "Envoi groupé : {n} destinataires en attente, le prochain lot part {at}.",
        "en": "Bulk send: {n} recipients waiting, the next batch goes {at}.",
    },
    "bulk.preview.held.one": {
        "fr": "Envoi groupé : {n} destinataire en attente, retenu jusqu'à {until} : {detail}",
        "en": "Bulk send: {n} recipient waiting, held until {until}: {detail}",
    },
    "bulk.preview.held.other": {
        "fr": "Envoi groupé : {n} destinataires en attente, retenus jusqu'à {until} : {detail}",
        "en": "Bulk send: {n} recipients waiting, held until {until}: {detail}",
    },
    # --- Per-channel analytics and the reporting overview -----------------------------------------------
    "reporting.not_followed_up.one": {"fr": "{n} lead non relancé", "en": "{n} lead not followed up"},
    "reporting.not_followed_up.other": {"fr": "{n} leads non relancés", "en": "{n} leads not followed up"},
    "reporting.hot_leads_waiting.one": {
        "fr": "{n} lead chaud attend votre réponse",
        "en": "{n} hot lead is waiting for your answer",
    },
    "reporting.hot_leads_waiting.other": {
        "fr": "{n} leads chauds attendent votre réponse",
        "en": "{n} hot leads are waiting for your answer",
    },
    # the token ledger's reasons (rules/budget.ledger_reason): the plain one, and the one that says
    # what the entry was about, when the entry keeps it
    "ledger.whatsapp_message": {
        "fr": "Message WhatsApp écrit par l'IA",
        "en": "WhatsApp message written by the AI",
    },
    "ledger.whatsapp_message.about": {
        "fr": "Message WhatsApp écrit par l'IA pour l'étape {step} de la prospection",
        "en": "WhatsApp message written by the AI for prospection step {step}",
    },
    "ledger.scheduled_ai_message": {
        "fr": "Message de prospection écrit par l'IA",
        "en": "Prospection message written by the AI",
    },
    "ledger.scheduled_ai_message.about": {
        "fr": "Message de prospection écrit par l'IA pour l'étape {step}",
        "en": "Prospection message written by the AI for step {step}",
    },
    "ledger.automation_setup": {"fr": "Mise en place d'une automatisation", "en": "An automation set up"},
    "ledger.automation_setup.about": {
        "fr": "Mise en place de l'automatisation « {name} »",
        "en": "The automation “{name}” set up",
    },
    "ledger.auto_followup": {"fr": "Relance automatique", "en": "Automatic follow-up"},
    "ledger.auto_followup.about": {
        "fr": "Relance automatique envoyée {by}",
        "en": "Automatic follow-up sent {by}",
    },
    "ledger.sent_by.campaign": {"fr": "par une campagne de prospection", "en": "by a prospection campaign"},
    "ledger.sent_by.automation": {"fr": "par une automatisation", "en": "by an automation"},
    "ledger.lead_analysis": {
        "fr": "Deuxième avis de l'IA sur l'intention d'une réponse",
        "en": "The AI's second opinion on what a reply means",
    },
    "ledger.assistant_chat": {
        "fr": "Échange avec l'assistant M.A.X.",
        "en": "A turn with the M.A.X. assistant",
    },
    "ledger.plan_allowance": {
        "fr": "Tokens du forfait à l'ouverture du budget",
        "en": "Plan tokens when the budget opened",
    },
    "ledger.monthly_reset": {
        "fr": "Nouveau mois : les tokens du forfait sont renouvelés",
        "en": "New month: the plan's tokens are renewed",
    },
    "ledger.monthly_reset.about": {
        "fr": "Nouveau mois ({period}) : {plan_tokens} tokens du forfait, {carried} tokens de packs reportés",
        "en": "New month ({period}): {plan_tokens} plan tokens, {carried} pack tokens carried over",
    },
    "ledger.pack": {"fr": "Pack de tokens ajouté", "en": "Token pack added"},
    "ledger.pack.about": {"fr": "Pack de tokens ajouté : {note}", "en": "Token pack added: {note}"},
    "ledger.other": {"fr": "Mouvement de tokens", "en": "Token movement"},
    # --- Exports ----------------------------------------------------------------------------------------
    "export.column.lead_id": {"fr": "Identifiant du lead", "en": "Lead ID"},
    "export.column.first_name": {"fr": "Prénom", "en": "First name"},
    "export.column.last_name": {"fr": "Nom", "en": "Last name"},
    "export.column.company": {"fr": "Entreprise", "en": "Company"},
    "export.column.email": {"fr": "E-mail", "en": "Email"},
    "export.column.phone": {"fr": "Téléphone", "en": "Phone"},
    "export.column.status": {"fr": "Statut", "en": "Status"},
    "export.column.tags": {"fr": "Tags", "en": "Tags"},
    "export.column.source": {"fr": "Source", "en": "Source"},
    "export.column.created_at": {"fr": "Créé le", "en": "Created at"},
    "export.column.last_contact_at": {"fr": "Dernier contact", "en": "Last contact"},
    "export.column.last_reply_at": {"fr": "Dernière réponse", "en": "Last reply"},
    "export.column.lead_name": {"fr": "Lead", "en": "Lead"},
    "export.column.prospect_status": {"fr": "Statut du prospect", "en": "Prospect status"},
    "export.column.step": {"fr": "Étape", "en": "Step"},
    "export.column.steps_total": {"fr": "Nombre d'étapes", "en": "Steps"},
    "export.column.next_action_at": {"fr": "Prochaine action", "en": "Next action"},
    "export.column.reply_kind": {"fr": "Type de réponse", "en": "Reply kind"},
    "export.column.last_decision": {"fr": "Dernière décision", "en": "Last decision"},
    "export.column.enrolled_at": {"fr": "Inscrit le", "en": "Enrolled at"},
    "export.column.occurred_at": {"fr": "Date", "en": "Date"},
    "export.column.channel": {"fr": "Canal", "en": "Channel"},
    "export.column.direction": {"fr": "Sens", "en": "Direction"},
    "export.column.activity_status": {"fr": "Statut du message", "en": "Message status"},
    "export.column.intent": {"fr": "Intention", "en": "Intent"},
    "export.column.preview": {"fr": "Aperçu", "en": "Preview"},
    "export.column.scenario_version": {"fr": "Version du scénario", "en": "Scenario version"},
    "export.column.sent": {"fr": "Envoyés", "en": "Sent"},
    "export.column.replied": {"fr": "Réponses", "en": "Replies"},
    "export.column.reply_rate": {"fr": "Taux de réponse", "en": "Reply rate"},
    "export.column.positive_replied": {"fr": "Réponses positives", "en": "Positive replies"},
    "export.column.positive_reply_rate": {"fr": "Taux de réponses positives", "en": "Positive reply rate"},
    "export.column.opted_out": {"fr": "Désinscriptions", "en": "Opt-outs"},
    # No longer given (exports now continue across invocations): kept for the records that carry it.
    "export.error.too_large": {
        "fr": "Cet export est trop volumineux pour être préparé d'un coup : affinez ses filtres.",
        "en": "This export is too large to prepare in one go: narrow its filters.",
    },
    "export.error.campaign_not_found": {
        "fr": "La campagne de cet export n'existe plus : rien n'a pu être exporté.",
        "en": "This export's campaign no longer exists: there was nothing to export.",
    },
    "export.error.not_queued": {
        "fr": "Cet export n'a pas pu être lancé : demandez-le à nouveau dans un instant.",
        "en": "This export could not be started: ask for it again in a moment.",
    },
    # --- Consent reasons, the channel a message goes on, the model's second opinion ----------------
    "consent.reason.created": {"fr": "choisi à la création du lead", "en": "set when the lead was created"},
    "consent.reason.refused_at_creation": {
        "fr": "refusé à la création du lead",
        "en": "refused when the lead was created",
    },
    "consent.reason.changed_by_user": {"fr": "modifié par un utilisateur", "en": "changed by a user"},
    "consent.reason.keyword": {"fr": "« {keyword} » reçu {via}", "en": '"{keyword}" received {via}'},
    "consent.reason.hard_bounce": {
        "fr": "e-mail rejeté définitivement (hard bounce) le {date}",
        "en": "hard bounce on {date}",
    },
    "consent.reason.complaint": {"fr": "signalé comme spam le {date}", "en": "marked as spam on {date}"},
    "consent.reason.provider_opt_out": {
        "fr": "désinscrit auprès du fournisseur (code {code}) le {date}",
        "en": "opted out at the provider (code {code}) on {date}",
    },
    "consent.reason.provider_refused": {
        "fr": "le fournisseur a refusé l'envoi : le destinataire s'est désinscrit (code {code})",
        "en": "the provider refused the message: the recipient opted out (code {code})",
    },
    "consent.reason.opt_out_reply": {
        "fr": "réponse de désinscription le {date} : {quote}",
        "en": "opt-out reply on {date}: {quote}",
    },
    "consent.reason.link": {
        "fr": "lien de désinscription d'un e-mail",
        "en": "unsubscribe link in an e-mail",
    },
    "consent.reason.revoked": {"fr": "désinscrit ({source})", "en": "opted out ({source})"},
    "consent.reason.held": {
        "fr": "désinscrit le {date} ({source}) ; la désinscription tient toujours",
        "en": "opted out on {date} ({source}); the opt-out holds",
    },
    "consent.source.keyword": {"fr": "mot-clé", "en": "keyword"},
    "consent.source.reply": {"fr": "réponse", "en": "reply"},
    "consent.source.link": {"fr": "lien de désinscription", "en": "unsubscribe link"},
    "consent.source.bounce": {"fr": "rejet de l'e-mail", "en": "bounce"},
    "consent.source.complaint": {"fr": "plainte pour spam", "en": "spam complaint"},
    "consent.source.provider": {"fr": "fournisseur", "en": "provider"},
    "consent.source.user": {"fr": "utilisateur", "en": "user"},
    "consent.source.import": {"fr": "import", "en": "import"},
    "consent.export.header.channel": {"fr": "canal", "en": "channel"},
    "consent.export.header.address": {"fr": "adresse", "en": "address"},
    "consent.export.header.granted": {"fr": "consentement", "en": "consent"},
    "consent.export.header.at": {"fr": "date", "en": "at"},
    "consent.export.header.source": {"fr": "source", "en": "source"},
    "consent.export.header.proof": {"fr": "preuve", "en": "proof"},
    "consent.export.header.reason": {"fr": "motif", "en": "reason"},
    "consent.export.granted": {"fr": "accordé", "en": "granted"},
    "consent.export.revoked": {"fr": "retiré", "en": "revoked"},
    "channel.choice.asked": {"fr": "{channel} demandé", "en": "{channel} was asked for"},
    "channel.choice.preferred": {
        "fr": "{channel} est le canal préféré du lead",
        "en": "{channel} is the lead's preferred channel",
    },
    "channel.choice.first_available": {
        "fr": "{channel} est le premier canal disponible",
        "en": "{channel} is the first channel available",
    },
    "channel.choice.first_available_after": {
        "fr": "{channel} est le premier canal disponible ({skipped})",
        "en": "{channel} is the first channel available ({skipped})",
    },
    "channel.choice.skipped": {"fr": "{channel} : {detail}", "en": "{channel}: {detail}"},
    "refinement.no_model": {
        "fr": "aucun modèle de langage n'est configuré",
        "en": "no language model is configured",
    },
    "refinement.no_tokens": {
        "fr": "pas assez de tokens pour le modèle de langage",
        "en": "not enough tokens for the language model",
    },
    "refinement.unusable": {
        "fr": "le modèle de langage n'a donné aucune intention exploitable ; ses tokens ont été rendus",
        "en": "the language model gave no usable intent; its tokens were refunded",
    },
    "refinement.failed": {
        "fr": "le modèle de langage n'a pas répondu ; ses tokens ont été rendus",
        "en": "the language model failed; its tokens were refunded",
    },
    # --- Appointments and surveys -----------------------------------------------------------------------
    "alert.resolved.event": {
        "fr": "Cette alerte suit un événement : elle reste ouverte jusqu'à ce que vous la traitiez.",
        "en": "this alert follows an event: it stays open until you resolve it",
    },
    "alert.AppointmentCancelled.message": {
        "fr": "{name} a annulé son rendez-vous du {when} en répondant au rappel.",
        "en": "{name} cancelled the appointment on {when} by answering the reminder.",
    },
    "alert.AppointmentCancelled.action": {
        "fr": "Proposer un nouveau créneau",
        "en": "Offer another time",
    },
    "appointment.answer.confirmed": {
        "fr": "Rendez-vous du {when} confirmé par le lead.",
        "en": "The lead confirmed the appointment on {when}.",
    },
    "appointment.answer.cancelled": {
        "fr": "Rendez-vous du {when} annulé par le lead.",
        "en": "The lead cancelled the appointment on {when}.",
    },
    "appointment.reminder.too_late": {
        "fr": "Non envoyé : le rendez-vous a été pris après l'heure de ce rappel.",
        "en": "Not sent: the appointment was booked after this reminder's time.",
    },
    "appointment.reminder.blacklisted": {
        "fr": "Non envoyé : l'adresse du lead est sur la liste noire.",
        "en": "Not sent: the lead's address is blacklisted.",
    },
    "appointment.reminder.template_not_active": {
        "fr": "Non envoyé : le modèle de rappel intégré a été supprimé ou désactivé.",
        "en": "Not sent: the built-in reminder template was deleted or deactivated.",
    },
    "appointment.reminder.no_channel": {
        "fr": "Non envoyé : le lead n'a ni téléphone ni e-mail pour recevoir un rappel.",
        "en": "Not sent: the lead has neither a phone nor an e-mail to receive a reminder.",
    },
    "appointment.reminder.refused": {
        "fr": "Non envoyé ({code}) : {detail}",
        "en": "Not sent ({code}): {detail}",
    },
    # --- Outbound events ----------------------------------------------------------------------------
    "outbound.endpoint.disabled": {
        "fr": (
            "Désactivé : chaque envoi vers cette adresse échoue depuis 5 jours. Vérifiez-la, puis "
            "réactivez-la et relancez les événements manqués depuis leur historique."
        ),
        "en": (
            "Disabled: every delivery to this address has failed for 5 days. Check it, then enable it "
            "again and replay the missed events from their history."
        ),
    },
    # --- Team inbox ---------------------------------------------------------------------------------------
    "inbox.reason.inbound": {
        "fr": "nouveau message sur {channel}, intention : {intent}",
        "en": "new message on {channel}, intent: {intent}",
    },
    "inbox.reason.inbound_plain": {"fr": "nouveau message sur {channel}", "en": "new message on {channel}"},
    "inbox.reason.reopened": {
        "fr": "rouverte par un nouveau message sur {channel}",
        "en": "reopened by a new message on {channel}",
    },
    "inbox.reason.assigned": {"fr": "attribuée à {owner} par {by}", "en": "assigned to {owner} by {by}"},
    "inbox.reason.unassigned": {
        "fr": "remise dans la file de l'équipe par {by}",
        "en": "put back in the team's queue by {by}",
    },
    "inbox.reason.status_open": {"fr": "rouverte par {by}", "en": "reopened by {by}"},
    "inbox.reason.status_snoozed": {"fr": "mise en attente par {by}", "en": "snoozed by {by}"},
    "inbox.reason.status_closed": {"fr": "fermée par {by}", "en": "closed by {by}"},
    "inbox.reason.other": {"fr": "placée ici par l'équipe", "en": "placed here by the team"},
    "inbox.reason.too_late": {
        "fr": "message reçu trop tard pour une réponse automatique",
        "en": "message received too late for an automatic answer",
    },
    # --- Inbox replies across channels --------------------------------------------------------------------
    "inbox_reply.transition.named": {
        "fr": "Bonjour {name}, je poursuis notre échange {origin} {via}.",
        "en": "Hello {name}, I'm continuing our {origin} conversation {via}.",
    },
    "inbox_reply.transition": {
        "fr": "Bonjour, je poursuis notre échange {origin} {via}.",
        "en": "Hello, I'm continuing our {origin} conversation {via}.",
    },
    # Where the conversation came from, as the transition names it ("notre échange de WhatsApp").
    "inbox_reply.origin.whatsapp": {"fr": "de WhatsApp", "en": "WhatsApp"},
    "inbox_reply.origin.email": {"fr": "d'e-mails", "en": "e-mail"},
    "inbox_reply.origin.sms": {"fr": "de SMS", "en": "SMS"},
    "inbox_reply.origin.telegram": {"fr": "sur Telegram", "en": "Telegram"},
    # The subject of a reply by e-mail written without a template or a subject of its own.
    "inbox_reply.subject": {"fr": "Suite à notre échange", "en": "Following up on our conversation"},
    # --- Suggested and automatic replies ------------------------------------------------------------------
    "ledger.suggested_reply": {"fr": "Réponse suggérée par l'IA", "en": "Reply suggested by the AI"},
    "ledger.suggested_reply.about": {
        "fr": "Réponse suggérée par l'IA pour le lead {lead}",
        "en": "Reply suggested by the AI for the lead {lead}",
    },
    "ledger.auto_reply": {
        "fr": "Réponse automatique écrite par l'IA",
        "en": "Automatic answer written by the AI",
    },
    "ledger.auto_reply.about": {
        "fr": "Réponse automatique écrite par l'IA pour le lead {lead}",
        "en": "Automatic answer written by the AI for the lead {lead}",
    },
    # the line that ends every answer M.A.X. sends by itself
    "auto_reply.signature": {
        "fr": "— Réponse automatique envoyée par M.A.X. pour {company}",
        "en": "— Automatic answer sent by M.A.X. for {company}",
    },
    # an inbound message M.A.X. answered (the others read their routing reason, below)
    "auto_reply.answered": {
        "fr": "M.A.X. a répondu seul, à partir de la FAQ",
        "en": "M.A.X. answered by itself, from the FAQ",
    },
    # why M.A.X. left an inbound message to a person: the conversation's routing reason (rules/inbox.py)
    "inbox.reason.intent_not_enabled": {
        "fr": "M.A.X. ne répond pas seul à ce type de message ({intent})",
        "en": "M.A.X. does not answer this kind of message by itself ({intent})",
    },
    "inbox.reason.not_auto_mode": {
        "fr": "M.A.X. ne répond seul qu'en mode automatique",
        "en": "M.A.X. only answers by itself in automatic mode",
    },
    "inbox.reason.no_faq": {
        "fr": "la FAQ est vide : M.A.X. n'a rien sur quoi s'appuyer",
        "en": "the FAQ is empty: M.A.X. has nothing to answer from",
    },
    "inbox.reason.faq_not_covered": {
        "fr": "la FAQ ne répond pas à ce message",
        "en": "the FAQ does not answer this message",
    },
    "inbox.reason.no_tokens": {
        "fr": "plus assez de tokens pour une réponse automatique",
        "en": "not enough tokens left for an automatic answer",
    },
    "inbox.reason.model_failed": {
        "fr": "M.A.X. n'a pas pu écrire de réponse (modèle indisponible)",
        "en": "M.A.X. could not write an answer (the model was unavailable)",
    },
    "inbox.reason.send_refused": {
        "fr": "la réponse de M.A.X. n'a pas pu partir sur ce canal",
        "en": "M.A.X.'s answer could not go out on this channel",
    },
    # the same, saying why (the refusal's automation.detail text)
    "inbox.reason.send_refused.detail": {
        "fr": "la réponse de M.A.X. n'a pas pu partir : {detail}",
        "en": "M.A.X.'s answer could not go out: {detail}",
    },
    # --- Telegram commands --------------------------------------------------------------------------------
    "telegram.command.help": {
        "fr": (
            "Je ne connais pas cette commande. Voici les commandes proposées par {company} :\n{commands}\n"
            "Ou écrivez-nous simplement ici : une personne de l'équipe vous répond."
        ),
        "en": (
            "I don't know that command. Here is what {company} offers:\n{commands}\n"
            "Or just write to us here: someone from the team will answer."
        ),
    },
    "telegram.command.template_missing": {
        "fr": "Son modèle a été supprimé : la commande répond par l'aide. Choisissez-lui un autre modèle.",
        "en": "Its template was deleted: the command answers with the help. Pick another template for it.",
    },
    "telegram.command.template_not_active": {
        "fr": (
            "Son modèle n'est plus actif : la commande répond par l'aide. Réactivez-le ou changez de modèle."
        ),
        "en": (
            "Its template is no longer active: the command answers with the help. Activate it or pick "
            "another."
        ),
    },
    "telegram.command.template_not_telegram": {
        "fr": (
            "Son modèle n'est pas écrit pour Telegram : la commande répond par l'aide. Choisissez un "
            "modèle Telegram."
        ),
        "en": (
            "Its template is not written for Telegram: the command answers with the help. Pick a "
            "Telegram template."
        ),
    },
    # --- Outbound events follow-up ------------------------------------------------------------------------
}


HOURS_SHOWN_UNTIL = 48
"""Below this many hours an elapsed time reads in hours ("5 heures"); from it on, in days ("6 jours")."""


def render(key: str, locale: str, **values: Any) -> str:
    """The text ``key`` in ``locale`` (French when the locale has no text), with ``values`` filled in."""
    texts = CATALOGUE[key]
    return texts.get(locale, texts["fr"]).format(**values)


def with_channel_label(values: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """``values`` with the channel code under ``channel`` as its label ("sms" reads "SMS")."""
    channel = values.get("channel")
    if isinstance(channel, str) and f"channel.{channel}.label" in CATALOGUE:
        return {**values, "channel": render(f"channel.{channel}.label", locale)}
    return dict(values)


def is_singular(count: int, locale: str) -> bool:
    """Whether ``count`` takes the singular: 0 and 1 in French ("0 message"), only 1 in English."""
    if locale == "en":
        return count == 1
    return abs(count) < 2


def counted(key: str, count: int, locale: str, **values: Any) -> str:
    """The text ``<key>.one`` or ``<key>.other`` that agrees with ``count`` (given to it as ``n``).

    Parameters
    ----------
    key
        The catalogue key without its ``.one`` / ``.other`` suffix, for instance ``duration.days``.
    count
        The number the text shows.
    locale
        ``fr`` or ``en`` (French rules otherwise).
    values
        Any other value the text needs.

    Returns
    -------
    str
        For instance "1 jour", "0 jour", "2 jours"; "1 day", "0 days".
    """
    form = "one" if is_singular(count, locale) else "other"
    return render(f"{key}.{form}", locale, n=count, **values)


def listed(items: Iterable[str], locale: str) -> str:
    """``items`` one after the other, as a reader of ``locale`` separates them: "a ; b", "a; b"."""
    return ("; " if locale == "en" else " ; ").join(items)


def date_text(day: date, locale: str) -> str:
    """A date as reasons write it: 10/03/2026 in French, 2026-03-10 in English."""
    return day.isoformat() if locale == "en" else f"{day:%d/%m/%Y}"


def days_text(days: int, locale: str) -> str:
    """``days`` as words: "1 jour", "3 jours", "3 days"."""
    return counted("duration.days", days, locale)


def duration_text(hours: float, locale: str) -> str:
    """An elapsed (or remaining) time as words, rounded down: hours below 48 hours, days from then on.

    Parameters
    ----------
    hours
        The time in hours (negative counts as none).
    locale
        ``fr`` or ``en`` (French otherwise).

    Returns
    -------
    str
        "moins d'une heure", "1 heure", "47 heures", then "2 jours", "6 jours" (never "140 heures").
    """
    whole = math.floor(max(hours, 0.0))
    if whole < 1:
        return render("duration.hours.less_than_one", locale)
    if whole < HOURS_SHOWN_UNTIL:
        return counted("duration.hours", whole, locale)
    return days_text(whole // 24, locale)
