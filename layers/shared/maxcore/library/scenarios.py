"""The predefined prospection scenarios: the five sequences every tenant has from the start.

They are the product seed's scenarios, identical for every tenant and at version 1: a tenant uses them
as they are or copies one into a scenario of its own to change it. Each step says when it runs (days
after the previous step, 0 for the first), on which channel (``linkedin`` and ``call`` are manual
tasks for a salesperson), what it is for, what M.A.X. should write and the call to action it suggests.
The texts are French: they are shown to the users and read by the assistant as its brief.

Stdlib only: this module imports nothing else from maxcore; the tests check that every step is a valid
:class:`maxcore.models.prospection.ScenarioStep`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

VERSION = 1
"""The version every predefined scenario is at."""

RELEASED_AT = datetime(2026, 11, 21, tzinfo=UTC)
"""When this version of the predefined scenarios was released (their ``created_at``)."""

CHANNELS: tuple[str, ...] = ("email", "sms", "whatsapp", "telegram", "linkedin", "call")
"""The channels a step may use (the values of ``StepChannel``)."""

THREADS: tuple[str, ...] = ("new", "same")
"""Whether an e-mail step starts a thread or answers the previous e-mail (the values of ``ThreadMode``)."""


@dataclass(frozen=True)
class PredefinedStep:
    """One step of a predefined scenario."""

    order: int
    """1 for the first step, then 2, 3..."""
    delay_days: int
    """Days after the previous step (0 for the first: it runs at the enrollment)."""
    channel: str
    """One of :data:`CHANNELS`."""
    objective: str
    """What the step is for, shown to the user."""
    ai_prompt: str
    """What M.A.X. should write at this step: length, tone, what to mention."""
    cta: str
    """The call to action the message (or the task) ends on."""
    thread: str = "same"
    """One of :data:`THREADS`: e-mail follow-ups continue the first e-mail's thread."""
    template: str | None = None
    """The key of the step's template in the built-in library (:mod:`maxcore.library.templates`),
    written when no language model is configured; ``None`` for the manual steps (LinkedIn, call)."""


@dataclass(frozen=True)
class PredefinedScenario:
    """A predefined scenario: a stable slug, a name, a description and its steps in order."""

    id: str
    name: str
    description: str
    steps: tuple[PredefinedStep, ...]

    @property
    def duration_days(self) -> int:
        """Days from the enrollment to the last step."""
        return sum(step.delay_days for step in self.steps)


_CONNEXION_DOUCE = PredefinedScenario(
    id="connexion-douce",
    name="Connexion Douce",
    description=(
        "Un premier contact tout en délicatesse, sur trois semaines : une présentation courte, une "
        "invitation LinkedIn, puis du concret avant de laisser la porte ouverte."
    ),
    steps=(
        PredefinedStep(
            order=1,
            delay_days=0,
            channel="email",
            template="connexion_douce_1",
            objective="Se présenter et ouvrir la conversation",
            ai_prompt=(
                "Écris un premier e-mail court (80 à 120 mots) et chaleureux, au vouvoiement. Présente "
                "en une phrase qui tu es et ce que tu fais, puis relie-le à l'activité ou au secteur "
                "du prospect pour montrer que le message n'est pas envoyé au hasard. Aucune pièce "
                "jointe, aucun jargon, pas de liste à puces. Termine par une question simple et "
                "ouverte, sans pression. Objet : moins de 7 mots, personnel, sans point "
                "d'exclamation."
            ),
            cta="Est-ce un sujet qui vous parle en ce moment ?",
        ),
        PredefinedStep(
            order=2,
            delay_days=3,
            channel="linkedin",
            objective="Se connecter sur LinkedIn pour rester visible",
            ai_prompt=(
                "Rédige la note d'invitation LinkedIn (moins de 280 caractères). Rappelle "
                "discrètement l'e-mail envoyé quelques jours plus tôt sans reprocher l'absence de "
                "réponse, et donne une raison sincère de se connecter (le secteur, un intérêt commun). "
                "Ton naturel, aucune vente dans ce message."
            ),
            cta="Envoyer l'invitation LinkedIn avec la note",
        ),
        PredefinedStep(
            order=3,
            delay_days=5,
            channel="email",
            template="connexion_douce_3",
            objective="Apporter de la valeur sans rien demander",
            ai_prompt=(
                "Écris un e-mail de 100 à 150 mots qui apporte quelque chose d'utile au prospect : "
                "une idée concrète, un chiffre parlant ou une bonne pratique liée à son activité. Ne "
                "parle de ton offre qu'en une phrase, à la fin. Ton bienveillant, pas de relance "
                "insistante, pas de « je me permets de revenir vers vous »."
            ),
            cta="Si l'idée vous intéresse, je vous en dis plus en quelques lignes.",
        ),
        PredefinedStep(
            order=4,
            delay_days=6,
            channel="email",
            template="connexion_douce_4",
            objective="Proposer un premier échange",
            ai_prompt=(
                "Écris un e-mail court (60 à 90 mots) qui propose un échange de 15 minutes. Résume en "
                "une phrase le bénéfice concret pour le prospect, propose deux créneaux précis dans "
                "la semaine suivante et laisse-lui la possibilité d'en choisir un autre. Ton direct "
                "et cordial."
            ),
            cta="Un échange de 15 minutes cette semaine ou la suivante ?",
        ),
        PredefinedStep(
            order=5,
            delay_days=7,
            channel="email",
            template="connexion_douce_5",
            objective="Clore poliment en laissant la porte ouverte",
            ai_prompt=(
                "Écris un dernier e-mail très court (40 à 70 mots). Dis simplement que tu ne veux pas "
                "encombrer sa boîte de réception, que tu arrêtes là tes messages et que la porte "
                "reste ouverte s'il le souhaite plus tard. Aucun reproche, aucune culpabilisation, "
                "ton léger et respectueux."
            ),
            cta="Un simple « plus tard » me suffit pour revenir vers vous au bon moment.",
        ),
    ),
)

_RELANCE_DOUCE = PredefinedScenario(
    id="relance-douce",
    name="Relance Douce",
    description=(
        "Pour un prospect déjà contacté resté silencieux : des relances espacées et utiles, un "
        "message LinkedIn, puis un dernier mot pour savoir où il en est, sur trois semaines."
    ),
    steps=(
        PredefinedStep(
            order=1,
            delay_days=0,
            channel="email",
            template="relance_douce_1",
            objective="Relancer avec tact après un premier échange",
            ai_prompt=(
                "Écris une relance courte (60 à 100 mots) qui rappelle en une phrase le dernier "
                "échange ou le dernier message, sans reproche sur le silence. Pose une seule question "
                "claire pour savoir si le sujet est toujours d'actualité. Ton chaleureux et simple, "
                "objet court qui reprend le sujet du premier message."
            ),
            cta="Est-ce toujours d'actualité de votre côté ?",
        ),
        PredefinedStep(
            order=2,
            delay_days=4,
            channel="email",
            template="relance_douce_2",
            objective="Redonner envie avec un exemple concret",
            ai_prompt=(
                "Écris un e-mail de 90 à 130 mots qui partage un exemple concret et chiffré de "
                "résultat obtenu chez un client d'un profil comparable, sans citer de nom. Explique "
                "en une phrase ce que cela pourrait donner pour le prospect. Ton factuel et humain, "
                "pas de superlatifs."
            ),
            cta="Voulez-vous que je vous montre comment cela s'appliquerait chez vous ?",
        ),
        PredefinedStep(
            order=3,
            delay_days=5,
            channel="linkedin",
            objective="Changer de canal pour se rappeler à son bon souvenir",
            ai_prompt=(
                "Rédige un message LinkedIn très court (moins de 300 caractères), personnel, qui "
                "mentionne que tu lui as écrit par e-mail et propose d'échanger ici si c'est plus "
                "simple pour lui. Aucune pression, ton détendu."
            ),
            cta="Envoyer le message LinkedIn (ou l'invitation si vous n'êtes pas connectés)",
        ),
        PredefinedStep(
            order=4,
            delay_days=5,
            channel="email",
            template="relance_douce_4",
            objective="Lever un frein possible",
            ai_prompt=(
                "Écris un e-mail de 70 à 110 mots qui anticipe la raison la plus probable du silence "
                "(manque de temps, budget, mauvais moment) et y répond avec simplicité : une option "
                "légère, un démarrage progressif ou un report. Pose une question fermée facile à "
                "répondre."
            ),
            cta="Le bon moment serait-il plutôt ce trimestre ou le prochain ?",
        ),
        PredefinedStep(
            order=5,
            delay_days=7,
            channel="email",
            template="relance_douce_5",
            objective="Dernier message pour savoir où en est le prospect",
            ai_prompt=(
                "Écris un e-mail de clôture très court (40 à 60 mots). Propose trois réponses en un "
                "mot (« oui », « plus tard », « non merci ») pour qu'il puisse répondre en deux "
                "secondes, et remercie-le de son temps. Ton léger, respectueux, sans culpabiliser."
            ),
            cta="Répondez simplement « oui », « plus tard » ou « non merci ».",
        ),
    ),
)

_RELANCE_AGRESSIVE = PredefinedScenario(
    id="relance-agressive",
    name="Relance Agressive",
    description=(
        "Une séquence resserrée sur deux semaines pour un prospect chaud ou une opportunité qui presse : "
        "e-mail, appel, SMS et une dernière relance claire."
    ),
    steps=(
        PredefinedStep(
            order=1,
            delay_days=0,
            channel="email",
            template="relance_agressive_1",
            objective="Relancer franchement avec une proposition claire",
            ai_prompt=(
                "Écris un e-mail direct de 70 à 100 mots. Rappelle en une phrase le besoin ou "
                "l'intérêt exprimé, énonce le bénéfice principal et propose un rendez-vous précis "
                "(deux créneaux dans les trois jours). Ton assuré et cordial, jamais insistant ni "
                "culpabilisant."
            ),
            cta="Quel créneau vous arrange cette semaine pour en parler 20 minutes ?",
        ),
        PredefinedStep(
            order=2,
            delay_days=2,
            channel="call",
            objective="Appeler pour obtenir une réponse de vive voix",
            ai_prompt=(
                "Prépare un script d'appel de 30 secondes : une phrase d'accroche qui rappelle "
                "l'e-mail, une question ouverte sur la situation actuelle du prospect et la "
                "proposition d'un rendez-vous. Ajoute un message vocal de 20 secondes au cas où il ne "
                "décroche pas."
            ),
            cta="Appeler le prospect et noter le résultat de l'appel",
        ),
        PredefinedStep(
            order=3,
            delay_days=3,
            channel="email",
            template="relance_agressive_3",
            objective="Donner une raison d'agir maintenant",
            ai_prompt=(
                "Écris un e-mail de 60 à 90 mots qui donne une raison concrète et honnête d'avancer "
                "maintenant (un délai de mise en place, une période chargée qui arrive, un coût de "
                "l'attente). N'invente ni promotion ni fausse urgence. Termine par une question "
                "fermée."
            ),
            cta="On bloque un créneau cette semaine ?",
        ),
        PredefinedStep(
            order=4,
            delay_days=4,
            channel="sms",
            template="relance_agressive_4",
            objective="Un rappel bref par SMS",
            ai_prompt=(
                "Écris un SMS de moins de 160 caractères, au vouvoiement, qui se présente (prénom et "
                "raison du message) et propose un court échange. Pas de lien, pas d'emoji, pas de "
                "majuscules pour insister."
            ),
            cta="Un rappel de 10 minutes demain vous conviendrait-il ?",
        ),
        PredefinedStep(
            order=5,
            delay_days=5,
            channel="email",
            template="relance_agressive_5",
            objective="Dernière relance et clôture nette",
            ai_prompt=(
                "Écris un dernier e-mail de 40 à 70 mots : tu clôtures le dossier de ton côté faute de "
                "réponse, sans reproche, et tu laisses une porte ouverte simple. Ton franc et "
                "respectueux."
            ),
            cta="Si le sujet revient, répondez simplement à cet e-mail.",
        ),
    ),
)

_NURTURING_LONG_TERME = PredefinedScenario(
    id="nurturing-long-terme",
    name="Nurturing Long Terme",
    description=(
        "Pour un prospect qui n'est pas prêt aujourd'hui : du contenu utile et espacé sur un mois et "
        "demi, pour rester présent sans jamais forcer, jusqu'à proposer un échange."
    ),
    steps=(
        PredefinedStep(
            order=1,
            delay_days=0,
            channel="email",
            template="nurturing_long_terme_1",
            objective="Partager un contenu utile",
            ai_prompt=(
                "Écris un e-mail de 100 à 150 mots qui partage un conseil pratique ou une ressource "
                "utile en lien avec l'activité du prospect. Présente-toi en une phrase, pas plus. "
                "Aucune demande de rendez-vous, aucun argument commercial : seulement de la valeur."
            ),
            cta="Dites-moi si ce genre de conseil vous est utile.",
        ),
        PredefinedStep(
            order=2,
            delay_days=10,
            channel="email",
            template="nurturing_long_terme_2",
            objective="Montrer un retour d'expérience",
            ai_prompt=(
                "Écris un e-mail de 120 à 170 mots qui raconte brièvement un retour d'expérience : "
                "la situation de départ d'un client au profil proche (sans le nommer), ce qui a été "
                "fait, le résultat mesuré. Termine sur une phrase qui relie cette histoire au "
                "prospect, sans proposer de rendez-vous."
            ),
            cta="Curieux de savoir si vous vivez une situation similaire.",
        ),
        PredefinedStep(
            order=3,
            delay_days=10,
            channel="linkedin",
            objective="Entretenir le lien sur LinkedIn",
            ai_prompt=(
                "Suggère une interaction LinkedIn sincère : un commentaire pertinent (2 à 3 phrases) "
                "sur une publication récente du prospect ou de son entreprise, ou à défaut une note "
                "d'invitation de moins de 280 caractères. Aucune vente."
            ),
            cta="Commenter une publication récente ou envoyer l'invitation LinkedIn",
        ),
        PredefinedStep(
            order=4,
            delay_days=12,
            channel="email",
            template="nurturing_long_terme_4",
            objective="Prendre des nouvelles et proposer une ressource",
            ai_prompt=(
                "Écris un e-mail de 80 à 120 mots qui prend des nouvelles de ses projets du moment et "
                "propose une ressource concrète (un guide, une grille d'évaluation, un modèle) en "
                "lien avec ses enjeux. Ton amical et professionnel, une seule question."
            ),
            cta="Voulez-vous que je vous l'envoie ?",
        ),
        PredefinedStep(
            order=5,
            delay_days=13,
            channel="email",
            template="nurturing_long_terme_5",
            objective="Proposer un échange sans engagement",
            ai_prompt=(
                "Écris un e-mail de 70 à 100 mots qui fait le lien avec les messages précédents et "
                "propose un échange de 20 minutes sans engagement pour faire le point sur ses "
                "priorités. Laisse-lui le choix du moment. Ton posé, jamais pressant."
            ),
            cta="Un échange de 20 minutes quand cela vous arrange ?",
        ),
    ),
)

_APPROCHE_PREMIUM = PredefinedScenario(
    id="approche-premium",
    name="Approche Premium",
    description=(
        "Pour un compte à fort enjeu : une approche très personnalisée sur un mois, qui commence sur "
        "LinkedIn, passe par un appel et propose une analyse sur mesure."
    ),
    steps=(
        PredefinedStep(
            order=1,
            delay_days=0,
            channel="linkedin",
            objective="Se faire connaître du décideur",
            ai_prompt=(
                "Prépare une note d'invitation LinkedIn de moins de 280 caractères, très "
                "personnalisée : cite un élément précis du parcours du décideur ou de l'actualité de "
                "son entreprise. Aucune vente, un ton d'égal à égal."
            ),
            cta="Consulter le profil puis envoyer l'invitation avec la note",
        ),
        PredefinedStep(
            order=2,
            delay_days=3,
            channel="email",
            template="approche_premium_2",
            objective="Ouvrir la conversation avec une observation personnalisée",
            ai_prompt=(
                "Écris un e-mail soigné de 120 à 160 mots, au vouvoiement. Ouvre sur une observation "
                "précise et pertinente sur l'entreprise du prospect, formule une hypothèse sur un "
                "enjeu qu'elle peut avoir, puis explique en deux phrases comment tu aides des "
                "entreprises comparables. Ton expert, sobre et chaleureux, sans superlatifs."
            ),
            cta="Seriez-vous ouvert à un échange de 20 minutes pour confronter ce point de vue ?",
        ),
        PredefinedStep(
            order=3,
            delay_days=7,
            channel="call",
            objective="Appeler pour approfondir",
            ai_prompt=(
                "Prépare un plan d'appel : une accroche qui fait référence à l'e-mail, trois "
                "questions ouvertes pour comprendre les priorités et les freins du prospect, et la "
                "proposition d'une analyse sur mesure. Ajoute un message vocal de 20 secondes au cas "
                "où il ne décroche pas."
            ),
            cta="Appeler le décideur et noter ses priorités",
        ),
        PredefinedStep(
            order=4,
            delay_days=8,
            channel="email",
            template="approche_premium_4",
            objective="Proposer une analyse sur mesure",
            ai_prompt=(
                "Écris un e-mail de 100 à 140 mots qui propose une analyse personnalisée et offerte "
                "(un diagnostic, un audit rapide ou des recommandations écrites) fondée sur ce que "
                "tu sais du prospect. Précise ce qu'il recevra concrètement, le temps que cela lui "
                "demande et ce qu'il pourra en faire. Ton premium, précis, sans pression."
            ),
            cta="Je vous prépare cette analyse ? Il me faut 30 minutes de votre temps.",
        ),
        PredefinedStep(
            order=5,
            delay_days=12,
            channel="email",
            template="approche_premium_5",
            objective="Conclure avec élégance",
            ai_prompt=(
                "Écris un dernier e-mail de 50 à 80 mots, élégant : remercie le prospect pour son "
                "attention, résume en une phrase ce que tu peux lui apporter et propose de reprendre "
                "contact au moment qui lui convient. Aucune pression, un ton chaleureux et "
                "professionnel."
            ),
            cta="Quel serait le bon moment pour en reparler ?",
        ),
    ),
)

PREDEFINED: tuple[PredefinedScenario, ...] = (
    _CONNEXION_DOUCE,
    _RELANCE_DOUCE,
    _RELANCE_AGRESSIVE,
    _NURTURING_LONG_TERME,
    _APPROCHE_PREMIUM,
)
"""The predefined scenarios, in the order the API lists them."""

_BY_ID = {scenario.id: scenario for scenario in PREDEFINED}


def predefined(scenario_id: str) -> PredefinedScenario | None:
    """The predefined scenario ``scenario_id``.

    Parameters
    ----------
    scenario_id
        A slug such as ``connexion-douce``.

    Returns
    -------
    PredefinedScenario | None
        The scenario, or ``None`` when no predefined scenario has that id (a tenant's own, a ULID).
    """
    return _BY_ID.get(scenario_id)
