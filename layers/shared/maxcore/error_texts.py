"""The error messages a user reads, in the tenant's language (French by default, English on request).

The code raises its errors in English (readable in the code and the logs; the ``code`` of an error
never changes). This catalogue maps each English message, written as a pattern whose ``{name}``
placeholders stand for the values the raise site puts in, to its French text. The API layer
(:mod:`maxcore.api`) translates a message only when it answers, so the ~170 raise sites stay as they
are and a new one only needs a line here (tests/unit/test_error_texts.py scans the code and fails on
a message with no French). Pydantic's validation errors are translated by their stable ``type``
with their ``ctx`` values, and our validators' own ``ValueError`` messages through the same patterns.

A message the catalogue does not know (a library's text, a value built at run time) is answered as
it is rather than lost.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from functools import cache
from typing import Any

FRENCH = "fr"
ENGLISH = "en"

DOMAIN_MESSAGES: dict[str, str] = {
    # --- E-mail senders, WhatsApp Content templates, unsubscribe links ------------------------------
    "senders is for e-mail only": "senders ne concerne que l'e-mail",
    "every e-mail sender has reached its daily limit; sending resumes tomorrow": (
        "chaque adresse d'envoi a atteint sa limite d'e-mails du jour ; l'envoi reprend demain"
    ),
    "register the template's Twilio Content SID first (PUT /templates/{template_id}/whatsapp)": (
        "enregistrez d'abord le Content SID Twilio du modèle (PUT /templates/{template_id}/whatsapp)"
    ),
    "the account has no Twilio credentials to ask about the template: set them with PUT /channels/whatsapp, "
    "or set the approval state by hand": (
        "le compte n'a pas d'identifiants Twilio pour interroger Twilio sur ce modèle : renseignez-les avec "
        "PUT /channels/whatsapp, ou indiquez l'état de validation à la main"
    ),
    "Twilio has no Content {content_sid} in this account": (
        "Twilio n'a pas de Content {content_sid} sur ce compte"
    ),
    "Twilio did not say how the template stands ({reason}); nothing changed": (
        "Twilio n'a pas indiqué où en est le modèle ({reason}) ; rien n'a changé"
    ),
    "not a WhatsApp template": "ce n'est pas un modèle WhatsApp",
    "only a WhatsApp template has a Twilio Content; this one is for {channel}": (
        "seul un modèle WhatsApp a un Content Twilio ; celui-ci est pour le canal {channel}"
    ),
    "marketing e-mails need an unsubscribe link: set the API's public URL (PublicApiUrl) first": (
        "les e-mails marketing ont besoin d'un lien de désinscription : renseignez d'abord l'URL publique "
        "de l'API (PublicApiUrl)"
    ),
    # --- The request itself (maxcore/api.py) ---------------------------------------------------------
    "the body is not valid base64": "le corps de la requête n'est pas du base64 valide",
    "the body is not UTF-8 text": "le corps de la requête n'est pas un texte UTF-8",
    "the body is over {limit} bytes": "le corps de la requête dépasse {limit} octets",
    "the body nests more than {depth} arrays or objects": (
        "le corps de la requête imbrique plus de {depth} tableaux ou objets"
    ),
    "send the body as application/json": "envoyez le corps de la requête en application/json",
    "the body is not valid JSON": "le corps de la requête n'est pas du JSON valide",
    "some fields are missing or invalid": "des champs manquent ou ne sont pas valides",
    "no such route": "cette route n'existe pas",
    "the token carries no valid tenant": "le jeton ne désigne aucun compte valide",
    "the token's role is not known": "le rôle indiqué par le jeton est inconnu",
    "this action needs the admin role": "cette action est réservée aux administrateurs",
    "the cursor is not valid; start again without it": (
        "le curseur n'est pas valide : recommencez sans curseur"
    ),
    "the items could not all be read in time; try again in a moment": (
        "tous les éléments n'ont pas pu être lus à temps : réessayez dans un instant"
    ),
    "the same request is being processed; retry in a moment": (
        "la même requête est déjà en cours de traitement : réessayez dans un instant"
    ),
    "this idempotency key was already used for a different request; use a new key": (
        "cette clé d'idempotence a déjà servi pour une autre requête : utilisez-en une nouvelle"
    ),
    # --- Objects that do not exist for the tenant -----------------------------------------------------
    "alert {alert_id} not found": "alerte {alert_id} introuvable",
    "approval {approval_id} not found": "validation {approval_id} introuvable",
    "automation {automation_id} not found": "automatisation {automation_id} introuvable",
    "campaign {campaign_id} not found": "campagne {campaign_id} introuvable",
    "lead {lead_id} not found": "lead {lead_id} introuvable",
    "lead {lead_id} is not in campaign {campaign_id}": (
        "le lead {lead_id} n'est pas dans la campagne {campaign_id}"
    ),
    "reservation {reservation_id} not found": "réservation {reservation_id} introuvable",
    "reservation {reservation_id} is already settled": "la réservation {reservation_id} est déjà réglée",
    "conversation {conversation_id} not found (it may have expired)": (
        "conversation {conversation_id} introuvable (elle a peut-être expiré)"
    ),
    "scenario {scenario_id} not found": "scénario {scenario_id} introuvable",
    "scenario {scenario_id} has no version {version}": (
        "le scénario {scenario_id} n'a pas de version {version}"
    ),
    "template {template_id} not found": "template {template_id} introuvable",
    "template {template_id} has no version {version}": (
        "le template {template_id} n'a pas de version {version}"
    ),
    "tenant {tenant_id} not found": "compte {tenant_id} introuvable",
    "tenant {tenant_id} is not provisioned: provision it before acting for it": (
        "le compte {tenant_id} n'est pas encore créé : créez-le avant d'agir pour lui"
    ),
    "no such scenario for this tenant": "ce scénario n'existe pas dans ce compte",
    "no such template for this tenant": "ce template n'existe pas dans ce compte",
    "unknown scenario {scenario_id}": "scénario inconnu : {scenario_id}",
    "unknown template {template_id}": "template inconnu : {template_id}",
    "the lead is gone": "ce lead a été supprimé",
    # --- Concurrent changes ---------------------------------------------------------------------------
    "the alert changed meanwhile; read it again": "l'alerte a changé entre-temps : relisez-la",
    "the automation changed meanwhile; read it again": "l'automatisation a changé entre-temps : relisez-la",
    "the campaign changed meanwhile; read it again": "la campagne a changé entre-temps : relisez-la",
    "the scenario changed meanwhile; read it again": "le scénario a changé entre-temps : relisez-le",
    "the channel's settings changed meanwhile; read them again": (
        "les réglages du canal ont changé entre-temps : relisez-les"
    ),
    "the lead's alerts changed meanwhile; read them again": (
        "les alertes du lead ont changé entre-temps : relisez-les"
    ),
    "the lead changed meanwhile; retry": "le lead a changé entre-temps : réessayez",
    "the lead changed while it was being deleted; read it again and retry": (
        "le lead a changé pendant sa suppression : relisez-le et réessayez"
    ),
    "the lead changed while it was being saved; read it again and retry": (
        "le lead a changé pendant son enregistrement : relisez-le et réessayez"
    ),
    "the template changed while it was being deleted; read it again and retry": (
        "le template a changé pendant sa suppression : relisez-le et réessayez"
    ),
    "the template changed while this change was being saved; read it again and retry": (
        "le template a changé pendant l'enregistrement de cette modification : relisez-le et réessayez"
    ),
    "the tenant's settings changed while they were being saved; read them again and retry": (
        "les réglages du compte ont changé pendant leur enregistrement : relisez-les et réessayez"
    ),
    "the budget changed during the reset; run it again": (
        "le budget a changé pendant la remise à zéro : relancez-la"
    ),
    "the conversation changed meanwhile (another message was being answered); send it again": (
        "la conversation a changé entre-temps (une autre réponse était en cours) : renvoyez le message"
    ),
    "the prospect's step is running right now; try again in a minute": (
        "l'étape de ce prospect est en cours d'exécution : réessayez dans une minute"
    ),
    # --- Duplicates and states ------------------------------------------------------------------------
    "another lead of this account already has this {field}": (
        "un autre lead de ce compte a déjà la même valeur pour {field}"
    ),
    "{entry} is already blacklisted": "{entry} est déjà sur la liste noire",
    "{value} is not blacklisted": "{value} n'est pas sur la liste noire",
    "this provider message is already recorded": "ce message du fournisseur est déjà enregistré",
    "this item was already decided": "cet élément a déjà été traité",
    "this {kind} was already {status}": "cet élément ({kind}) est déjà à l'état {status}",
    "the prospect is {current} and cannot be {wanted} now": (
        "le prospect est à l'état {current} : il ne peut pas passer à l'état {wanted} maintenant"
    ),
    "a completed campaign cannot be reopened; create a new one": (
        "une campagne terminée ne peut pas être rouverte : créez-en une nouvelle"
    ),
    "the campaign is completed: enroll prospects in an active or paused campaign": (
        "la campagne est terminée : inscrivez les prospects dans une campagne active ou en pause"
    ),
    "predefined scenarios cannot be changed: create your own scenario from its steps": (
        "les scénarios prédéfinis ne se modifient pas : créez votre propre scénario à partir de leurs étapes"
    ),
    "a step names a template it cannot use": "une étape désigne un template qu'elle ne peut pas utiliser",
    "a manual step has nothing to send": "une étape manuelle n'a rien à envoyer",
    "no model or template can write this step's message any more": (
        "ni le modèle ni un template ne peuvent plus rédiger le message de cette étape"
    ),
    "only a draft's text can be edited": "seul le texte d'un brouillon peut être modifié",
    "not for a task": "ne s'applique pas à une tâche",
    "the template is archived": "le template est archivé",
    "the template is archived; activate it again before changing it": (
        "le template est archivé : réactivez-le avant de le modifier"
    ),
    "the template is already active and has no draft waiting for activation": (
        "le template est déjà actif et aucun brouillon n'attend d'être activé"
    ),
    "the template is {status}, not active": "le template est à l'état {status}, il n'est pas actif",
    "the template is written for {written_for}, not {requested}": (
        "le template est écrit pour {written_for}, pas pour {requested}"
    ),
    "the template is written for {written_for}, the step is a {step_channel} step": (
        "le template est écrit pour {written_for}, l'étape est une étape {step_channel}"
    ),
    "use {channel} or auto": "utilisez {channel} ou auto",
    "only an active template can be sent: have it validated and activated first": (
        "seul un template actif peut être envoyé : faites-le valider et activer d'abord"
    ),
    "choose a template that is not archived": "choisissez un template qui n'est pas archivé",
    "an automation is turned on only with an active template: have it validated first": (
        "une automatisation ne s'active qu'avec un template actif : faites-le valider d'abord"
    ),
    "the template cannot be saved: {problems}": "le template ne peut pas être enregistré : {problems}",
    "the template cannot be activated: {problems}": "le template ne peut pas être activé : {problems}",
    "a variable's value makes the HTML unsafe: {problem}": (
        "la valeur d'une variable rend le HTML dangereux : {problem}"
    ),
    # --- Sending --------------------------------------------------------------------------------------
    "an e-mail needs a subject": "un e-mail doit avoir un objet",
    "required for e-mail": "obligatoire pour un e-mail",
    "the template needs values for: {names}": "le template a besoin de valeurs pour : {names}",
    "no value and no fallback": "aucune valeur et aucune valeur par défaut",
    "set the {channel} channel's sender (PUT /channels/{channel_again}) before sending": (
        "renseignez l'expéditeur du canal {channel} (PUT /channels/{channel_again}) avant d'envoyer"
    ),
    "the {channel} channel is turned off for this account": "le canal {channel} est désactivé pour ce compte",
    "the lead has no phone number for {channel}": "le lead n'a pas de numéro de téléphone pour {channel}",
    "the lead has no e-mail address for {channel}": "le lead n'a pas d'adresse e-mail pour {channel}",
    "the lead has no Telegram chat for {channel}": "le lead n'a pas de conversation Telegram pour {channel}",
    "the lead opted out of {channel} ({reason})": "le lead s'est désinscrit de {channel} ({reason})",
    "the lead opted out of {channel} at {provider}; their consent is now revoked": (
        "le lead s'est désinscrit de {channel} auprès de {provider} : son consentement est retiré"
    ),
    "{provider} says the lead's {channel} address cannot receive messages": (
        "d'après {provider}, l'adresse {channel} du lead ne peut pas recevoir de messages"
    ),
    "{provider} refused the message: {reason}": "{provider} a refusé le message : {reason}",
    "the lead's e-mail address bounced or complained; it is suppressed": (
        "l'adresse e-mail du lead a rejeté un message ou s'est plainte : elle est bloquée"
    ),
    "the lead has not written on WhatsApp in the last 24 hours: only an approved (active) "
    "WhatsApp template can be sent": (
        "le lead n'a pas écrit sur WhatsApp depuis 24 heures : seul un template WhatsApp approuvé "
        "(actif) peut être envoyé"
    ),
    "no channel can reach this lead now ({refusals})": (
        "aucun canal ne peut joindre ce lead maintenant ({refusals})"
    ),
    "the daily cap of {cap} {channel} messages is reached; it resets at midnight UTC": (
        "le plafond quotidien de {cap} messages {channel} est atteint : il repart à zéro à minuit UTC"
    ),
    "the campaign's daily cap of {cap} {channel} messages is reached": (
        "le plafond quotidien de la campagne ({cap} messages {channel}) est atteint"
    ),
    "{provider} already sent another message under this key; nothing more was sent": (
        "{provider} a déjà envoyé un autre message sous cette clé : rien de plus n'est parti"
    ),
    "{provider} is not taking messages right now ({reason}); nothing was sent, try again later": (
        "{provider} n'accepte pas de messages en ce moment ({reason}) : rien n'est parti, réessayez plus tard"
    ),
    # --- Modes, tokens and the assistant --------------------------------------------------------------
    "the tenant's {mode} mode does not allow this {action} action": (
        "le mode {mode} du compte n'autorise pas cette action ({action})"
    ),
    "{action} costs {cost} tokens and the balance is {balance}": (
        "{action} coûte {cost} tokens et le solde est de {balance}"
    ),
    "this account has no token budget yet": "ce compte n'a pas encore de budget de tokens",
    "the M.A.X. assistant is not configured: no API key for its language model (set ASSISTANT_API_KEY "
    "locally, or the SSM parameter named by ASSISTANT_API_KEY_PARAMETER)": (
        "l'assistant M.A.X. n'est pas configuré : aucune clé d'API pour son modèle de langage "
        "(définissez ASSISTANT_API_KEY en local, ou le paramètre SSM nommé par ASSISTANT_API_KEY_PARAMETER)"
    ),
    "the assistant's model answered with an error (HTTP {status}); try again shortly": (
        "le modèle de l'assistant a répondu par une erreur (HTTP {status}) : réessayez dans un instant"
    ),
    "the assistant's model could not be reached; try again shortly": (
        "le modèle de l'assistant est injoignable : réessayez dans un instant"
    ),
    "the assistant's model returned no answer": "le modèle de l'assistant n'a rien répondu",
    "the language model gave no usable intent": "le modèle de langage n'a donné aucune intention exploitable",
    "switching to auto mode needs an explicit confirmation: in auto mode M.A.X. sends messages and runs "
    'automations on its own, without asking anyone for approval; send "confirm_auto_mode": true with '
    '"mode": "auto" to confirm': (
        "passer en mode automatique demande une confirmation explicite : dans ce mode, M.A.X. envoie "
        "des messages et lance des automatisations tout seul, sans demander de validation à personne ; "
        'envoyez "confirm_auto_mode": true avec "mode": "auto" pour confirmer'
    ),
    # --- Settings, channels and credentials -----------------------------------------------------------
    "some credentials are not valid": "certains identifiants ne sont pas valides",
    "unknown credential": "identifiant inconnu",
    "twilio takes {expected}": "twilio attend {expected}",
    "resend takes {expected}": "resend attend {expected}",
    "telegram takes {expected}": "telegram attend {expected}",
    "not a valid {credential}": "{credential} non valide",
    "Telegram sends as the bot: set bot_name, not sender": (
        "Telegram envoie au nom du bot : renseignez bot_name, pas sender"
    ),
    "inbound_address is for e-mail only": "inbound_address ne concerne que l'e-mail",
    "bot_name is for Telegram only": "bot_name ne concerne que Telegram",
    "sender_name is for e-mail only": "sender_name ne concerne que l'e-mail",
    "opt_out_number is for SMS only": "opt_out_number ne concerne que les SMS",
    "SMS only": "SMS uniquement",
    "Telegram only": "Telegram uniquement",
    "e-mail only": "e-mail uniquement",
    "{problem}; expected {expected}": "{problem} ; attendu : {expected}",
    "an E.164 number or an alphanumeric sender id (up to 11 letters and digits)": (
        "un numéro E.164 ou un nom d'expéditeur alphanumérique (11 lettres et chiffres au plus)"
    ),
    "an E.164 number": "un numéro E.164",
    "unknown timezone {name}: use an IANA name such as Europe/Paris": (
        "fuseau horaire inconnu : {name} ; utilisez un nom IANA comme Europe/Paris"
    ),
    "unknown country {code}: use an ISO 3166 alpha-2 code in capitals, such as FR, BE or GB": (
        "pays inconnu : {code} ; utilisez un code ISO 3166 alpha-2 en majuscules, comme FR, BE ou GB"
    ),
    "days must not repeat": "les jours ne doivent pas se répéter",
    "start ({start}) must be before end ({end})": "le début ({start}) doit précéder la fin ({end})",
    "marketing hours can only narrow {legal_start}-{legal_end}, got {start}-{end}": (
        "les heures de prospection peuvent seulement réduire la plage {legal_start}-{legal_end}, "
        "reçu : {start}-{end}"
    ),
    "plan cannot be changed here: it follows the subscription (billing)": (
        "l'offre ne se change pas ici : elle suit l'abonnement (facturation)"
    ),
    'confirm_auto_mode goes with "mode": "auto"': 'confirm_auto_mode va avec "mode": "auto"',
    # --- Leads, contacts and phone numbers ------------------------------------------------------------
    "a lead needs a name, a company, a phone, an e-mail or a Telegram chat id": (
        "un lead doit avoir un nom, une société, un téléphone, un e-mail ou un identifiant de conversation "
        "Telegram"
    ),
    "'{raw}' is not a valid e-mail address": "'{raw}' n'est pas une adresse e-mail valide",
    "{problem}; it was read as a national number of {country}: write + and the country code for a "
    "number of another country": (
        "{problem} ; il a été lu comme un numéro national de {country} : écrivez + et l'indicatif du pays "
        "pour un numéro d'un autre pays"
    ),
    "{raw} is not stored in E.164 (no leading +)": "{raw} n'est pas enregistré en E.164 (pas de + au début)",
    "{raw} is not in E.164: it is {normalised}": "{raw} n'est pas en E.164 : sa forme E.164 est {normalised}",
    "{raw} is not a phone number: write digits, with spaces, dots or dashes if you like, "
    "and + before a country code": (
        "{raw} n'est pas un numéro de téléphone : écrivez des chiffres, avec des espaces, points ou "
        "tirets si vous voulez, et + devant un indicatif de pays"
    ),
    "{raw} is not a phone number": "{raw} n'est pas un numéro de téléphone",
    "{raw} is not a valid number for its country ({region}): no number there is numbered this way": (
        "{raw} n'est pas un numéro valide pour son pays ({region}) : aucun numéro n'y est formé ainsi"
    ),
    "{raw} does not start with a country calling code that exists "
    "(write + and the country code, such as +33 for France)": (
        "{raw} ne commence pas par un indicatif de pays existant "
        "(écrivez + et l'indicatif, comme +33 pour la France)"
    ),
    "{raw} is too short to be a phone number": "{raw} est trop court pour être un numéro de téléphone",
    "{raw} is too long to be a phone number": "{raw} est trop long pour être un numéro de téléphone",
    "{raw} has too many digits for a number of {region}": (
        "{raw} a trop de chiffres pour un numéro de {region}"
    ),
    "{raw} has a number of digits that no number of {region} has": (
        "{raw} n'a le nombre de chiffres d'aucun numéro de {region}"
    ),
    "{raw} has too few digits for a number of {region}": (
        "{raw} a trop peu de chiffres pour un numéro de {region}"
    ),
    "occurred_at needs a timezone (e.g. 2026-03-10T08:30:00Z)": (
        "occurred_at doit indiquer un fuseau horaire (par ex. 2026-03-10T08:30:00Z)"
    ),
    "occurred_at is in the future; log what has happened": (
        "occurred_at est dans le futur : enregistrez ce qui s'est déjà passé"
    ),
    # --- Changes (PATCH) and request shapes -----------------------------------------------------------
    "nothing to change: send at least one field": "rien à modifier : envoyez au moins un champ",
    "{field} cannot be null": "{field} ne peut pas être null",
    "enabled cannot be null": "enabled ne peut pas être null",
    "name cannot be null": "name ne peut pas être null",
    "steps cannot be null": "steps ne peut pas être null",
    "send either a template_id or a body": "envoyez soit un template_id, soit un body",
    "send either email or phone": "envoyez soit email, soit phone",
    "send exactly one of lead_ids, csv and csv_file": "envoyez un seul champ parmi lead_ids, csv et csv_file",
    "csv_file is not base64": "csv_file n'est pas du base64",
    "a new campaign is active or paused": "une nouvelle campagne est active ou en pause",
    "a prospect is paused or resumed (active); remove it with DELETE": (
        "un prospect se met en pause ou reprend (active) ; retirez-le avec DELETE"
    ),
    "steps must be numbered 1 to {count} in order, got {orders}": (
        "les étapes doivent être numérotées de 1 à {count} dans l'ordre, reçu : {orders}"
    ),
    "stop_conditions must not repeat": "stop_conditions ne doit pas se répéter",
    "stop_conditions: an inbound_intent automation answers replies, so it cannot stop on `replied`": (
        "stop_conditions : une automatisation inbound_intent répond aux réponses, "
        "elle ne peut donc pas s'arrêter sur `replied`"
    ),
    "trigger_config.{where}: {problem} (for a {trigger} trigger)": (
        "trigger_config.{where} : {problem} (pour un déclencheur {trigger})"
    ),
    "after_due names a place in one shard: the message needs its shard": (
        "after_due désigne une position dans une partition : le message doit indiquer sa partition"
    ),
    "the day is past: preview today ({today}) or a later day": (
        "ce jour est passé : prévisualisez aujourd'hui ({today}) ou un jour suivant"
    ),
    "preview at most {days} days ahead (until {last})": (
        "prévisualisez au plus {days} jours à l'avance (jusqu'au {last})"
    ),
    "must be a single line: line break (U+{code}) at position {position}": (
        "doit tenir sur une seule ligne : saut de ligne (U+{code}) à la position {position}"
    ),
    "contains a control character (U+{code}) at position {position}": (
        "contient un caractère de contrôle (U+{code}) à la position {position}"
    ),
    # --- A/B variants -----------------------------------------------------------------------------------
    "a variant has either a template_id or instructions": (
        "une variante a soit un template_id, soit des instructions"
    ),
    "a {channel} step is done by a person: it has no variants": (
        "une étape {channel} est faite par une personne : elle n'a pas de variantes"
    ),
    "step {step} of this campaign has no variants": "l'étape {step} de cette campagne n'a pas de variantes",
    "no variant of this step is significantly better yet; name the variant to send": (
        "aucune variante de cette étape n'est encore significativement meilleure ; "
        "indiquez la variante à envoyer"
    ),
    "step {step} has no variant {variant}": "l'étape {step} n'a pas de variante {variant}",
    "the step's variants are {letters}": "les variantes de l'étape sont {letters}",
    # --- Scheduled sends --------------------------------------------------------------------------------
    "scheduled message {message_id} not found": "message programmé introuvable : {message_id}",
    "the scheduled message is {state} already: it can no longer change": (
        "le message programmé est déjà {state} : il ne peut plus être modifié ni annulé"
    ),
    "the scheduled message changed meanwhile; read it again": (
        "le message programmé a changé entre-temps : relisez-le"
    ),
    "a template message takes its text from its template: schedule a new one instead": (
        "un message fait à partir d'un template prend son texte du template : programmez-en un nouveau"
    ),
    "send_at is in the past: pick a time to come": "send_at est dans le passé : choisissez un moment à venir",
    "send_at is more than a year ahead": "send_at est à plus d'un an",
    "only a text message's body and subject change": "seuls le texte et l'objet d'un message libre changent",
    "in the past": "dans le passé",
    "at most a year ahead": "au plus un an à l'avance",
    # --- Bulk sends -------------------------------------------------------------------------------------
    "bulk send {bulk_id} not found": "envoi groupé {bulk_id} introuvable",
    "the segment holds no lead: nobody would receive this message": (
        "le segment ne contient aucun lead : personne ne recevrait ce message"
    ),
    "a bulk send reaches at most {limit} recipients: this segment holds {count}": (
        "un envoi groupé touche au plus {limit} destinataires : ce segment en compte {count}"
    ),
    "unknown template: {template_id}": "modèle inconnu : {template_id}",
    "this bulk send is over ({state}): there is nothing left to cancel": (
        "cet envoi groupé est terminé ({state}) : il n'y a plus rien à annuler"
    ),
    "a segment is either a list of lead ids or filters, not both": (
        "un segment est soit une liste de leads, soit des filtres, pas les deux"
    ),
    "a segment needs a status, a tag, a search or lead ids": (
        "un segment a besoin d'un statut, d'un tag, d'une recherche ou d'une liste de leads"
    ),
    "a body needs its channel": "un texte a besoin de son canal",
    "no such template": "ce modèle n'existe pas",
    "the template is {status}": "le modèle est {status}",
    "written for {channel}": "écrit pour {channel}",
    "no lead matches": "aucun lead ne correspond",
    "{count} recipients": "{count} destinataires",
    # --- Per-channel analytics and the reporting overview -----------------------------------------------
    "the period ends on {last} before it begins on {first}": (
        "la période se termine le {last}, avant de commencer le {first}"
    ),
    "the period covers {days} days; a report covers at most {limit}": (
        "la période couvre {days} jours ; un rapport en couvre au plus {limit}"
    ),
    "no backfill was started for this tenant": "aucun rattrapage des compteurs n'a été lancé pour ce compte",
    # --- Exports ----------------------------------------------------------------------------------------
    "export {export_id} not found": "export {export_id} introuvable",
    "{slots} exports are already being prepared: wait until one is ready": (
        "{slots} exports sont déjà en préparation : attendez que l'un d'eux soit prêt"
    ),
    "required for an export of kind {kind}": "obligatoire pour un export de type {kind}",
    "not a filter of an export of kind {kind}": "ce filtre ne s'applique pas à un export de type {kind}",
    "the period ends before it starts": "la période se termine avant de commencer",
    "the period is at most {days} days": "la période couvre au plus {days} jours",
    "the export could not be queued: try again in a moment": (
        "l'export n'a pas pu être mis en file d'attente : réessayez dans un instant"
    ),
    # --- Why a template cannot be saved or activated (rules/templates.py, rules/html.py) -------------
    "{fragment} is not a placeholder; write {{{{name}}}} or {{{{name|fallback}}}}": (
        "{fragment} n'est pas une variable ; écrivez {{{{nom}}}} ou {{{{nom|valeur par défaut}}}}"
    ),
    "unknown variable {{{{{name}}}}}: use a lead or tenant field ({fields}) or declare it in variables": (
        "variable inconnue {{{{{name}}}}} : utilisez un champ du lead ou du compte ({fields}) ou "
        "déclarez-la dans variables"
    ),
    "{variables} already come from the lead or the tenant; do not declare them": (
        "{variables} viennent déjà du lead ou du compte ; ne les déclarez pas"
    ),
    "{a_channel} template has no {field}; only e-mail templates do": (
        "un template {a_channel} n'a pas de champ {field} ; seuls les templates e-mail en ont"
    ),
    "the body is {length} characters; {a_channel} body is at most {limit}": (
        "le corps fait {length} caractères ; un corps {a_channel} en fait au plus {limit}"
    ),
    "an SMS": "SMS",
    "a WhatsApp": "WhatsApp",
    "a Telegram": "Telegram",
    "an e-mail": "e-mail",
    "an e-mail template needs a subject": "un template e-mail doit avoir un objet",
    "this SMS takes {segments} {encoding} segments; the limit is {limit}": (
        "ce SMS prend {segments} segments {encoding} ; la limite est de {limit}"
    ),
    "a WhatsApp template body is at most {limit} characters; this one has {length}": (
        "le corps d'un template WhatsApp fait au plus {limit} caractères ; celui-ci en a {length}"
    ),
    "html contains no unsafe content": "le html ne contient rien de dangereux",
    "html has what e-mail does not allow; the sanitiser would remove: {problems}": (
        "le html contient ce que l'e-mail n'autorise pas ; le nettoyage retirerait : {problems}"
    ),
    "html contains {problems}": "le html contient {problems}",
    "{item} (line {line})": "{item} (ligne {line})",
    "{attribute} on <{tag}> ({why})": "{attribute} sur <{tag}> ({why})",
    "{attribute} on <{tag}>": "{attribute} sur <{tag}>",
    "{what} in <style>": "{what} dans <style>",
    "{what} in <style> (images must use https)": "{what} dans <style> (les images doivent utiliser https)",
    "{what} in {attribute} of <{tag}>": "{what} dans {attribute} de <{tag}>",
    "{what} in style of <{tag}>": "{what} dans le style de <{tag}>",
    "unreadable markup {snippet}": "balisage illisible {snippet}",
    "unclosed <{tag}>": "<{tag}> non fermé",
    "unterminated markup at end of input {snippet}": "balisage inachevé en fin de texte {snippet}",
    "unreadable tag {snippet}": "balise illisible {snippet}",
    "images must use https": "les images doivent utiliser https",
    "links must use https, mailto or tel": "les liens doivent utiliser https, mailto ou tel",
    "only Content-Type and X-UA-Compatible are allowed": (
        "seuls Content-Type et X-UA-Compatible sont autorisés"
    ),
    "not allowed in e-mail": "interdit dans un e-mail",
    "removed by the sanitiser": "retiré par le nettoyage",
    "no url(), expression(), @import, behavior or -moz-binding in a style attribute": (
        "pas de url(), expression(), @import, behavior ni -moz-binding dans un attribut style"
    ),
    # --- Appointments and surveys -----------------------------------------------------------------------
    "appointment {appointment_id} not found": "rendez-vous {appointment_id} introuvable",
    "this appointment exists already": "ce rendez-vous existe déjà",
    "the appointment changed meanwhile; read it again": "le rendez-vous a changé entre-temps ; relisez-le",
    "send at least one field to change": "envoyez au moins un champ à modifier",
    "status can only be set to cancelled or done": "le statut ne peut passer qu'à cancelled ou done",
    "a field sent cannot be null": "un champ envoyé ne peut pas être null",
    "the appointment is {status} and can no longer change": (
        "le rendez-vous est {status} et ne peut plus changer"
    ),
    "an appointment is booked at most {days} days ahead": (
        "un rendez-vous se prend au plus {days} jours à l'avance"
    ),
    "an appointment is booked ahead: at is in the past": (
        "un rendez-vous se prend à l'avance : cette date est passée"
    ),
    "{name} must be a month, YYYY-MM": "{name} doit être un mois, AAAA-MM",
    "from must not be after to": "le premier mois doit précéder le dernier",
    "the period is at most {months} months": "la période fait au plus {months} mois",
    # --- Outbound events ----------------------------------------------------------------------------
    "the endpoint URL cannot be read": "l'URL du point de réception est illisible",
    "the endpoint URL must use https": "l'URL du point de réception doit être en https",
    "the endpoint URL must not carry a user name or password": (
        "l'URL du point de réception ne doit contenir ni identifiant ni mot de passe"
    ),
    "the endpoint URL needs a host name": "l'URL du point de réception doit nommer un hôte",
    "the endpoint URL must not have a fragment (#...)": (
        "l'URL du point de réception ne doit pas avoir de fragment (#...)"
    ),
    "the host {host} does not resolve to any address": "l'hôte {host} ne correspond à aucune adresse",
    "the host {host} resolves to {address}, which is not a public address (see details.kind)": (
        "l'hôte {host} correspond à {address}, qui n'est pas une adresse publique (voir details.kind)"
    ),
    "this endpoint exists already": "ce point de réception existe déjà",
    "webhook endpoint {endpoint_id} not found": "point de réception {endpoint_id} introuvable",
    "delivery {event_id} not found": "envoi {event_id} introuvable",
    # --- Team inbox ---------------------------------------------------------------------------------------
    "nothing to change: give a status, an owner or unassign": (
        "rien à changer : indiquez un statut, un responsable ou unassign"
    ),
    "give an owner or unassign, not both": "indiquez un responsable ou unassign, pas les deux",
    "a snooze needs snoozed_until": "une mise en attente demande snoozed_until",
    "snoozed_until goes with status snoozed only": "snoozed_until ne va qu'avec le statut snoozed",
    "snoozed_until must be a time with its offset, in the future, at most a year ahead": (
        "snoozed_until doit être une heure avec son décalage, dans le futur, à un an au plus"
    ),
    "the conversation changed since it was read; read it again": (
        "la conversation a changé depuis sa lecture ; relisez-la"
    ),
    "mine and unassigned exclude each other": "mine et unassigned s'excluent",
    "round_robin needs at least one user, fixed exactly one, none no user": (
        "round_robin demande au moins un utilisateur, fixed exactement un, none aucun"
    ),
    # --- Inbox replies across channels --------------------------------------------------------------------
    "the lead has not written yet, so the conversation has no channel: choose the channel to reply on "
    "(sms, whatsapp, email or telegram)": (
        "le lead n'a pas encore écrit, la conversation n'a donc pas de canal : choisissez le canal de la "
        "réponse (sms, whatsapp, email ou telegram)"
    ),
    "required while the lead has sent no message": "obligatoire tant que le lead n'a envoyé aucun message",
    # --- Suggested and automatic replies ------------------------------------------------------------------
    "the lead has sent no message to answer yet": "le lead n'a encore envoyé aucun message auquel répondre",
    "the model gave no usable reply; try again shortly": (
        "le modèle n'a proposé aucune réponse utilisable ; réessayez dans un instant"
    ),
    "M.A.X. never answers {intent} messages by itself": "M.A.X. ne répond jamais seul aux messages {intent}",
    "the FAQ asks {question} twice: keep one answer per question": (
        "la FAQ pose deux fois la question « {question} » : gardez une seule réponse par question"
    ),
    # --- Telegram commands --------------------------------------------------------------------------------
    "a command name is 1 to 32 lowercase letters, digits or underscores, without the slash": (
        "un nom de commande fait de 1 à 32 caractères : lettres minuscules, chiffres ou _, sans la "
        "barre oblique"
    ),
    "/{name} is answered by M.A.X. itself: /start, /stop, /help and the opt-out words are reserved": (
        "M.A.X. répond lui-même à /{name} : /start, /stop, /help et les mots de désinscription sont réservés"
    ),
    "only an active template can answer a command; this one is {status}": (
        "seul un modèle actif peut répondre à une commande ; celui-ci est {status}"
    ),
    "a command is answered on Telegram: the template is written for {channel}": (
        "une commande reçoit sa réponse sur Telegram : ce modèle est écrit pour le canal {channel}"
    ),
    "a bot has at most {limit} commands: delete one first": (
        "un bot a au plus {limit} commandes : supprimez-en une d'abord"
    ),
    "Telegram command /{name} not found": "commande Telegram /{name} introuvable",
    "the Telegram commands changed meanwhile; read them again": (
        "les commandes Telegram ont changé entre-temps ; relisez-les"
    ),
    # --- Outbound events follow-up ------------------------------------------------------------------------
    "the endpoint's secret was changed meanwhile; try again": (
        "le secret du point de réception vient d'être changé ; réessayez"
    ),
    # --- Provider webhooks (answered in English, translated for completeness) -------------------------
    "unknown tenant": "compte inconnu",
    "the webhook's signature cannot be verified": "la signature du webhook ne peut pas être vérifiée",
    "the delivery carries no event id": "la livraison ne porte aucun identifiant d'événement",
    "the event cannot be read: {problem}": "l'événement est illisible : {problem}",
    "the update cannot be read: {problem}": "la mise à jour est illisible : {problem}",
}
"""English message pattern -> French text; ``{name}`` placeholders carry the raise site's values."""

VALIDATION_MESSAGES: dict[str, str] = {
    "missing": "Champ obligatoire",
    "extra_forbidden": "Champ non autorisé",
    "string_type": "Doit être une chaîne de caractères",
    "string_too_short": "Doit contenir au moins {min_length} caractères",
    "string_too_long": "Doit contenir au plus {max_length} caractères",
    "string_pattern_mismatch": "Doit respecter le format {pattern}",
    "string_unicode": "Doit être un texte Unicode valide",
    "int_type": "Doit être un nombre entier",
    "int_parsing": "Doit être un nombre entier",
    "int_from_float": "Doit être un nombre entier, sans décimales",
    "float_type": "Doit être un nombre",
    "float_parsing": "Doit être un nombre",
    "decimal_parsing": "Doit être un nombre décimal",
    "bool_type": "Doit être un booléen (true ou false)",
    "bool_parsing": "Doit être un booléen (true ou false)",
    "greater_than": "Doit être supérieur à {gt}",
    "greater_than_equal": "Doit être supérieur ou égal à {ge}",
    "less_than": "Doit être inférieur à {lt}",
    "less_than_equal": "Doit être inférieur ou égal à {le}",
    "multiple_of": "Doit être un multiple de {multiple_of}",
    "finite_number": "Doit être un nombre fini",
    "enum": "Doit valoir {expected}",
    "literal_error": "Doit valoir {expected}",
    "json_invalid": "JSON non valide",
    "json_type": "Doit être du JSON",
    "list_type": "Doit être une liste",
    "set_type": "Doit être un ensemble de valeurs distinctes",
    "dict_type": "Doit être un objet",
    "model_type": "Doit être un objet",
    "model_attributes_type": "Doit être un objet",
    "too_short": "Doit contenir au moins {min_length} éléments",
    "too_long": "Doit contenir au plus {max_length} éléments",
    "date_type": "Doit être une date (AAAA-MM-JJ)",
    "date_parsing": "Doit être une date (AAAA-MM-JJ)",
    "date_from_datetime_parsing": "Doit être une date (AAAA-MM-JJ)",
    "date_from_datetime_inexact": "Doit être une date sans heure",
    "datetime_type": "Doit être une date et une heure ISO 8601",
    "datetime_parsing": "Doit être une date et une heure ISO 8601",
    "datetime_from_date_parsing": "Doit être une date et une heure ISO 8601",
    "time_type": "Doit être une heure (HH:MM)",
    "time_parsing": "Doit être une heure (HH:MM)",
    "timezone_aware": "Doit indiquer un fuseau horaire",
    "timezone_naive": "Ne doit pas indiquer de fuseau horaire",
    "url_type": "Doit être une URL",
    "url_parsing": "Doit être une URL valide",
    "url_scheme": "L'URL doit commencer par {expected_schemes}",
    "url_too_long": "L'URL doit contenir au plus {max_length} caractères",
    "uuid_type": "Doit être un UUID",
    "uuid_parsing": "Doit être un UUID valide",
    "none_required": "Doit être null",
    "union_tag_invalid": "{tag} n'est pas un type reconnu : attendu {expected_tags}",
    "union_tag_not_found": "Le champ {discriminator} est obligatoire",
    "value_error": "Valeur non valide",
    "assertion_error": "Valeur non valide",
}
"""French text of a pydantic validation error, by its ``type``; placeholders are the error's ``ctx``."""

_ONE_FOR_COUNTS = {
    "string_too_short": "Doit contenir au moins 1 caractère",
    "string_too_long": "Doit contenir au plus 1 caractère",
    "too_short": "Doit contenir au moins 1 élément",
    "too_long": "Doit contenir au plus 1 élément",
}
"""The singular of the counted texts above, when their count is 1 ("1 caractère", not "1 caractères")."""

_UNKNOWN_VALIDATION = "Valeur non valide"
_VALUE_ERROR_PREFIX = "Value error, "


def localize(message: str, locale: str) -> str:
    """Return ``message`` (an English error message) in ``locale``.

    Parameters
    ----------
    message
        The message as raised, in English.
    locale
        The reader's locale (``fr`` or ``en``).

    Returns
    -------
    str
        The French text with the message's values put back in; the message itself in English or when
        the catalogue has no pattern for it.
    """
    if locale == ENGLISH:
        return message
    french = _match(message, locale)
    if french is None:
        french = _match_joined(message, locale)
    return message if french is None else french


def _match(message: str, locale: str) -> str | None:
    """``message`` in French when one pattern reads the whole of it, else ``None``."""
    for pattern, french in _compiled():
        found = pattern.fullmatch(message)
        if found is not None:
            # A value may be a message itself ("{problem}; expected {expected}"): it reads French too.
            return french.format_map(
                {name: localize(value, locale) for name, value in found.groupdict().items()}
            )
    return None


JOINED_MAX = 40
"""Messages joined by "; " read one by one, at most this many (a list of problems is shorter)."""


def _match_joined(message: str, locale: str) -> str | None:
    """``message``, several messages joined by "; ", in French; ``None`` unless every one is known.

    A message may hold "; " itself ("the body is 900 characters; an SMS body is at most 800"), so
    the cut is searched for: each message ends where the shortest run of parts that one pattern
    reads ends (a pattern's placeholder could otherwise swallow the messages after it).
    """
    parts = message.split("; ")
    if not 1 < len(parts) <= JOINED_MAX:
        return None
    read: dict[int, list[str]] = {0: []}
    for end in range(1, len(parts) + 1):
        for start in range(end - 1, -1, -1):
            if start not in read:
                continue
            french = _match("; ".join(parts[start:end]), locale)
            if french is not None:
                read[end] = [*read[start], french]
                break
    whole = read.get(len(parts))
    return None if whole is None else " ; ".join(whole)


def localize_validation(error: Mapping[str, Any], locale: str) -> str:
    """The message of one pydantic validation error in ``locale``.

    Our validators' ``ValueError`` texts go through :func:`localize`; pydantic's own errors are told
    by their ``type`` and ``ctx``; a type the catalogue does not know reads "Valeur non valide".
    """
    message = str(error.get("msg", "invalid value")).removeprefix(_VALUE_ERROR_PREFIX)
    kind = str(error.get("type", "value_error"))
    if locale == ENGLISH or kind == "value_error":
        return localize(message, locale)
    ctx = {name: _french_value(value) for name, value in (error.get("ctx") or {}).items()}
    counted = ctx.get("min_length", ctx.get("max_length"))
    template = _ONE_FOR_COUNTS.get(kind) if counted == "1" else None
    template = template or VALIDATION_MESSAGES.get(kind, _UNKNOWN_VALIDATION)
    try:
        return template.format_map(ctx)
    except KeyError:  # a ctx without the value the text names: say less rather than fail
        return _UNKNOWN_VALIDATION


def localize_details(details: Any, locale: str) -> Any:
    """``details`` with the ``message`` of each of its entries in ``locale`` (other keys unchanged).

    The entries are a list (the invalid fields), or a list under a key of a dict (a template's
    ``problems``).
    """
    if locale == ENGLISH:
        return details
    if isinstance(details, dict):
        return {
            key: localize_details(value, locale) if isinstance(value, list) else value
            for key, value in details.items()
        }
    if not isinstance(details, list):
        return details
    return [
        {**entry, "message": localize(entry["message"], locale)}
        if isinstance(entry, dict) and isinstance(entry.get("message"), str)
        else entry
        for entry in details
    ]


def placeholders_as_wildcards(pattern: str) -> str:
    """``pattern`` with every placeholder written ``{}``: two patterns that differ only by names meet."""
    return "".join(
        literal.replace("{", "{{").replace("}", "}}") + ("{}" if name is not None else "")
        for literal, name, _, _ in string.Formatter().parse(pattern)
    )


def _french_value(value: Any) -> str:
    """A ctx value as a French reader reads it (pydantic lists choices as "'a', 'b' or 'c'")."""
    return str(value).replace(" or ", " ou ")


@cache
def _compiled() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each pattern as an anchored regular expression, the most literal first (exact before general)."""
    by_literal_length = sorted(DOMAIN_MESSAGES.items(), key=lambda entry: -_literal_length(entry[0]))
    return tuple((_regex(english), french) for english, french in by_literal_length)


def _literal_length(pattern: str) -> int:
    """How many characters of ``pattern`` are fixed text (its placeholders left out)."""
    return sum(len(literal) for literal, _, _, _ in string.Formatter().parse(pattern))


NARROW_PLACEHOLDERS = {
    "tag": r"[^\s;<>]+",
    "attribute": r'[^\s;<>]+(?: "[^"]*")?',
    "line": r"\d+",
    "field": r"[^\s;]+",
    "length": r"\d+",
    "limit": r"\d+",
    "segments": r"\d+",
    "encoding": r"[\w-]+",
    "a_channel": r"an? [\w-]+",
    "item": r"[^;]+",
    "what": r"[^;]+",
    "why": r"(?!line \d+\)$)(?:(?!\) \(line \d)[^;])+",
}
"""Placeholders that catch one word, a number or a phrase without "; ": the parts of a list of
problems joined by "; " must not be read as one ("onclick on <p> (line 1); <script> (line 2)")."""


def _regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` as a regular expression whose named groups catch its placeholders' values."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(pattern):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(f"(?P<{name}>{NARROW_PLACEHOLDERS.get(name, '.+?')})")
    return re.compile("".join(parts), re.DOTALL)
