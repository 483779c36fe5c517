"""The lexicon of the reply classifier (:mod:`maxcore.rules.intent`): its phrases by intent and language.

Data only: the engine compiles these tables, reads negations and scores. A rule is
``(intent, name, phrase, weight)``; the name is ``<lang>:<phrase>`` and is what a cue shows, the phrase a
regular expression over the *normalised* text (lower case, no accents, see
:func:`maxcore.rules.intent.normalize`) where a space also matches no space and ``'`` is optional.
Weights: 5 carrier keyword, 4 explicit opt-out or machine answer, 3 explicit phrase, 2 usual word,
1 weak hint.
"""

from __future__ import annotations

import re

from maxcore.models.intent import Intent
from maxcore.rules.keywords import OPT_OUT_WORDS
from maxcore.rules.return_dates import WEEKDAY as _WEEKDAY

__all__ = ["KEYWORDS", "PHRASES"]

_U, _O, _N = Intent.UNSUBSCRIBE, Intent.OUT_OF_OFFICE, Intent.NOT_INTERESTED
_M, _I, _Q = Intent.MEETING_REQUEST, Intent.INTERESTED, Intent.QUESTION

_DAY = (
    rf"(?:{_WEEKDAY}|demain|apres demain|aujourd'hui|ce matin|ce midi|cet apres midi|ce soir"
    r"|tomorrow|today|tonight|this morning|this afternoon)"
)
_TIME = (
    r"(?:(?:[01]?\d|2[0-3]) ?(?:h|heures?)(?: ?[0-5]\d)?|(?:[01]?\d|2[0-3]):[0-5]\d"
    r"|(?:1[0-2]|0?[1-9])(?::[0-5]\d)? ?(?:am|pm))"
)
_INTERESS = r"inter{1,2}es{1,2}"  # intéressé, interessé, intérésé, interresse...

# (intent, name, phrase, weight) for ordinary rules, matched anywhere on word boundaries.
PHRASES: tuple[tuple[Intent, str, str, int], ...] = (
    # --- unsubscribe
    (_U, "fr:stop sms", r"stop (?:sms|mails?|e mails?|emails?|pub|messages?|relances?)", 4),
    (_U, "fr:desinscrire", r"des ?inscri\w*", 4),
    (_U, "fr:desabonner", r"des ?abon{1,2}\w*", 4),
    (
        _U,
        "fr:ne plus recevoir",
        r"(?:ne|n') (?:veux |voulons |souhaite |souhaitons |desire |desirons )?plus "
        r"(?:recevoir|etre (?:contacte|sollicite|relance|appele)\w*)",
        4,
    ),
    (
        _U,
        "fr:retirez-moi",
        r"(?:retire[rz]?|supprime[rz]?|enleve[rz]?|efface[rz]?) "
        r"(?:moi|mes (?:coordonnees|donnees|infos|informations)|mon (?:numero|contact|adresse|e ?mail))"
        r"|retire[rz]? (?:moi )?de (?:vos|votre|la|cette) (?:listes?|fichiers?|base|mailing)",
        4,
    ),
    (
        _U,
        "fr:ne me contactez plus",
        r"ne (?:me |m')(?:contacte[rz]?|recontacte[rz]?|ecri(?:ve[rz]?|re)|ap{1,2}el{1,2}e[rz]?"
        r"|rap{1,2}el{1,2}e[rz]?|sollicite[rz]?|relance[rz]?|envoye[rz]?|derange[rz]?|spamme[rz]?)"
        r"(?: \w+){0,2} plus"
        r"|ne plus me (?:contacter|recontacter|ecrire|ap{1,2}el{1,2}er|rap{1,2}el{1,2}er|solliciter"
        r"|relancer|deranger|envoyer)",
        4,
    ),
    (
        _U,
        "fr:arretez",
        r"ar{1,2}etez|ar{1,2}ete[rz]? de (?:me |m'|nous )"
        r"(?:ecrire|contacter|appeler|envoyer|spammer|harceler|relancer|solliciter|deranger)",
        4,
    ),
    (_U, "fr:laissez-moi tranquille", r"laisse[rz]? moi tranquille|fiche[rz]? moi la paix", 4),
    (_U, "en:unsubscribe", r"unsubscribe\w*|unsub", 4),
    (
        _U,
        "en:remove me",
        r"remove me|delete me|take me off|remove (?:my|our) (?:details|number|email|address|data|contact)",
        4,
    ),
    (_U, "en:opt out", r"opt ?out|opting out", 4),
    (
        _U,
        "en:stop contacting me",
        r"stop (?:contacting|messaging|texting|emailing|e mailing|mailing|calling|sending|spamming"
        r"|bothering|harassing)",
        4,
    ),
    (
        _U,
        "en:do not contact me",
        r"(?:do not|don't|never) (?:contact|email|e mail|text|message|call) (?:me|us)|leave me alone",
        4,
    ),
    # --- out of office
    (_O, "fr:absent", r"absente?s?", 3),
    (_O, "fr:en conges", r"en conges?", 3),
    (_O, "fr:en vacances", r"en vacances?", 3),
    (
        _O,
        "fr:de retour le",
        rf"(?:serai|sera|serons|serez) de retour|de retour (?:le|la semaine|au bureau|a partir|des"
        rf"|debut|fin|{_WEEKDAY}|\d)",
        3,
    ),
    (_O, "fr:reponse automatique", r"(?:reponse|message|mail|e mail|email|courriel) automatique", 4),
    (_O, "fr:hors du bureau", r"hors (?:du )?bureau|en dehors du bureau", 3),
    (_O, "fr:en deplacement", r"en deplacement", 1),
    (_O, "en:out of office", r"out of (?:the )?office", 4),
    (_O, "en:OOO", r"oo", 4),
    (_O, "en:auto-reply", r"auto ?reply|autoreply|auto ?response|automatic (?:reply|response|message)", 4),
    (
        _O,
        "en:on leave",
        r"on (?:annual |parental |maternity |paternity |sick |medical )?leave",
        3,
    ),
    (_O, "en:on vacation", r"on (?:vacation|holidays?|pto|sabbatical)", 3),
    (
        _O,
        "en:currently away",
        r"(?:currently|presently) (?:away|out)|(?:i am|i'm|i will be|i'll be) away"
        r"|away from (?:the|my) (?:office|desk)",
        3,
    ),
    (
        _O,
        "en:back on",
        r"(?:will|i'll|shall) be back|back (?:on|in the office|in office|at work|at my desk)"
        r"|returning (?:on|to the office)",
        2,
    ),
    (_O, "en:limited access", r"limited access to|no access to (?:my )?e ?mails?", 2),
    # --- not interested
    (
        _N,
        "fr:pas interesse",
        rf"pas (?:du tout |vraiment |tres |trop |plus |encore )?{_INTERESS}ee?s?",
        3,
    ),
    (
        _N,
        "fr:ca ne m'interesse pas",
        rf"(?:(?:ca|sa|cela) )?(?:ne |n')?m'{_INTERESS}e "
        r"(?:pas|plus|vraiment pas|absolument pas|pas du tout|guere)",
        3,
    ),
    (_N, "fr:non merci", r"(?:non|nan|no) (?:merci|mrc|mci)", 3),
    (
        _N,
        "fr:pas le moment",
        r"pas (?:pour |en )?(?:le|ce) moment|pas (?:pour )?l'instant|pas maintenant|pas cette annee"
        r"|pas pour (?:nous|moi)",
        3,
    ),
    (
        _N,
        "fr:deja un prestataire",
        r"deja (?:un|une|des|notre|nos|mon|ma|mes|son|sa|leur) (?:\w+ )?"
        r"(?:prestataires?|fournisseurs?|solutions?|partenaires?|outils?|crm|agences?|logiciels?|contrats?)",
        3,
    ),
    (_N, "fr:pas besoin", r"(?:pas|aucun|plus|nul) (?:de )?besoin|aucun interet|sans interet", 3),
    (_N, "fr:pas donner suite", r"(?:ne|n') (?:\w+ ){0,2}pas (?:donner )?suite|pas la peine", 3),
    (
        _N,
        "en:not interested",
        r"(?:not|no longer|never) (?:really |very |that |at all |currently )?inte?re?st?ed"
        r"|uninterested|no interest",
        3,
    ),
    (_N, "en:no thanks", r"no (?:thanks|thank you|thank u|thx|ty)|nah thanks", 3),
    (
        _N,
        "en:not now",
        r"not (?:right )?now|not at (?:the|this) (?:moment|time)|not this (?:year|quarter)"
        r"|not for (?:us|me)|not a (?:good )?fit",
        3,
    ),
    (
        _N,
        "en:already have a provider",
        r"already (?:have|got|use|using|work with|working with|signed with|partnered with) "
        r"(?:a |an |one |our |my |their |another )?(?:\w+ )?"
        r"(?:providers?|suppliers?|vendors?|solutions?|partners?|agency|agencies|tools?|crm|contracts?"
        r"|services?)",
        3,
    ),
    (
        _N,
        "en:no need",
        r"no need|(?:don't|do not) need|not needed|(?:i'll|we'll|i will|we will) pass|pass on this",
        3,
    ),
    # --- meeting request
    (
        _M,
        "fr:rappelez-moi",
        r"rap{1,2}el{1,2}(?:e|ez|er|es)? moi|me rap{1,2}el{1,2}e[rz]",
        3,
    ),
    (
        _M,
        "fr:appelez-moi",
        r"ap{1,2}el{1,2}(?:e|ez|er|es)? moi|m'ap{1,2}el{1,2}er|telephone[rz]? moi|me telephoner|tel moi"
        r"|me joindre|me contacter",
        3,
    ),
    (_M, "fr:rdv", r"r\.?d\.?v|rendez vous", 3),
    (
        _M,
        "fr:prendre rendez-vous",
        r"(?:prendre|fixer|caler|planifier|organiser|programmer|poser|convenir d') "
        r"(?:un |une |le |la )?(?:rdv|rendez vous|creneau|appel|call|visio|reunion|meeting|demo"
        r"|entretien|echange)",
        3,
    ),
    (
        _M,
        "fr:on peut se voir",
        r"(?:on|qu'on|nous) (?:peut |pourrait |pourra |pourrions |pouvons |devrait )?"
        r"(?:se voir|se rencontrer|se parler|se capter|s'appeler|s'appelle|en parler|en discuter)"
        r"|(?:peut|pourrait) on (?:se voir|se rencontrer|se parler|s'appeler|en parler|en discuter)"
        r"|se voir|se rencontrer",
        3,
    ),
    (
        _M,
        "fr:quand etes-vous dispo",
        r"quand (?:etes|seriez|serez|es|seras) (?:vous|tu|vs) (?:dispos?|disponibles?|libres?)"
        r"|quand (?:peut on|pourrait on|pouvons nous|on peut|pourrions nous) "
        r"(?:se voir|se parler|s'appeler|en parler|echanger)"
        r"|quand (?:vous voulez|tu veux|vous le souhaitez|ca vous arrange)",
        3,
    ),
    (
        _M,
        "fr:dispo",
        r"dispos?|disponibilites?"
        r"|(?:suis|sommes|etes|es|serai|serais|serons|seriez|seras|serez) (?:vous |tu |nous )?disponibles?"
        rf"|disponibles? (?:pour|cette|la semaine|ce|le|{_DAY})",
        2,
    ),
    (
        _M,
        "fr:un appel",
        r"(?:un|une|petit|petite|ptit) (?:petit |petite |rapide |court |courte )?"
        r"(?:appel|call|coup de (?:fil|tel|telephone)|echange|reunion|meeting|entretien|creneau)"
        r"|par (?:tel|telephone|visio|teams|zoom)|au (?:tel|telephone)",
        2,
    ),
    (_M, "fr:visio", r"visio\w*|demo|demonstration", 2),
    (
        _M,
        "fr:ca vous va",
        r"(?:ca|cela|sa) (?:vous|vs|te) (?:va|irait|convient|conviendrait|dit|arrange)"
        r"|(?:vous|te) (?:convient|conviendrait|arrange|arrangerait)",
        2,
    ),
    (_M, "any:day+time", rf"{_DAY} (?:a |vers |at |around |des )?{_TIME}|(?:a|vers|at|around) {_TIME}", 2),
    (
        _M,
        "en:call me",
        r"call me(?: back)?|give (?:me|us) a (?:call|ring|buzz)|ring me|phone me|call back"
        r"|reach me (?:at|on)",
        3,
    ),
    (
        _M,
        "en:book a call",
        r"book (?:a |an |some |in )?(?:\w+ )?(?:call|meeting|demo|time|slot|appointment|chat)",
        3,
    ),
    (
        _M,
        "en:schedule a meeting",
        r"(?:schedule|set up|setup|arrange|organi[sz]e|plan|hop on|jump on|get on|have) "
        r"(?:a |an |some )?(?:\w+ )?(?:call|meeting|demo|appointment|chat|time to (?:talk|chat|meet))",
        3,
    ),
    (
        _M,
        "en:let's talk",
        r"let's (?:talk|chat|connect|meet|discuss|speak|catch up|do a call|set something up|find a time)"
        r"|talk soon|speak soon",
        3,
    ),
    (
        _M,
        "en:when are you free",
        r"when (?:are|would|will) you (?:be )?(?:free|available|around)|what time (?:works|suits|is good)"
        r"|when (?:works|suits) (?:for )?you|(?:does|would|will) (?:\w+ ){1,2}(?:work|suit) (?:for )?you"
        r"|works for you",
        3,
    ),
    (
        _M,
        "en:meet",
        r"meet(?:ing|ings|up)?|appointment|(?:a|quick|phone|video|zoom) call|a demo|catch up",
        2,
    ),
    (
        _M,
        "en:available",
        r"(?:i'm|i am|we're|we are|i'll be|i will be|i'd be) (?:available|free)|availability"
        rf"|available (?:on|next|this|{_DAY})|free to (?:talk|chat|meet)",
        2,
    ),
    # --- interested
    (_I, "fr:ca m'interesse", rf"(?:(?:ca|sa|cela|ceci) )?m'{_INTERESS}e(?:rait|nt)?", 3),
    (_I, "fr:interesse", rf"{_INTERESS}ee?s?", 3),
    (_I, "fr:interessant", rf"{_INTERESS}ante?s?", 2),
    (_I, "fr:partant", r"partante?s?", 3),
    (_I, "fr:oui", r"ou{1,2}i{1,2}|ouais|ouai|ouep", 2),
    (_I, "fr:d'accord", r"d'accord|dac{1,2}(?:ord)?|dak|ca marche|ca roule", 2),
    (_I, "fr:ca me va", r"(?:ca|cela|sa) me (?:va|convient|dit|plait|tente|parle)", 2),
    (_I, "fr:avec plaisir", r"avec plaisir|volontiers|je veux bien|carrement|bonne idee", 2),
    (_I, "fr:pourquoi pas", r"pourquoi pas|pas contre", 2),
    (
        _I,
        "fr:en savoir plus",
        r"en savoir (?:plus|davantage)|plus d'inf?os?|plus d'informations?"
        r"|plus de (?:details|precisions|renseignements)|(?:la|votre|une|vos) (?:doc|documentation|brochure"
        r"|plaquette)s?|envoye[rz]? (?:moi|nous) (?:\w+ )?(?:infos?|informations?|doc\w*|brochure"
        r"|plaquette|offre|proposition)",
        2,
    ),
    (_I, "fr:super", r"su{1,2}per|parfait|genial|nickel|top", 1),
    (_I, "any:ok", r"ok{1,2}(?:i{1,2}|ay|ey|e)?", 1),
    (_I, "en:interested", r"inte?re?st?ed|keen|intrigued", 3),
    (
        _I,
        "en:sounds good",
        r"sounds (?:good|great|interesting|perfect|like a plan|cool|nice|fine)"
        r"|(?:that|this) (?:sounds|looks) (?:good|great|interesting)|works for me|count me in|i'm in"
        r"|let's do it|let's go|go ahead|i'd love (?:to|that)|i would love (?:to|that)",
        3,
    ),
    (_I, "en:yes", r"yes|yess|yep|yeah|yup|sure|of course|absolutely|definitely|why not", 2),
    (
        _I,
        "en:tell me more",
        r"tell me more|more (?:info|information|details)"
        r"|send (?:me |us )?(?:more |some |the |a |your )?(?:info|information|details|deck|brochure"
        r"|documentation|proposal)",
        2,
    ),
    (_I, "en:great", r"great|perfect|awesome|cool|excellent|amazing", 1),
    # --- question
    (_Q, "fr:combien", r"combien|cbn|cb", 2),
    (_Q, "fr:prix", r"prix", 2),
    (_Q, "fr:tarif", r"tarif\w*", 2),
    (_Q, "fr:devis", r"devis", 2),
    (_Q, "fr:cout", r"couts?|coute(?:nt|rait|raient|ra)?", 2),
    (_Q, "fr:livraison", r"livr(?:aison|aisons|ez|er|ons)", 2),
    (_Q, "fr:delai", r"delais?", 2),
    (_Q, "fr:est-ce que", r"est ce qu(?:e|')|eske|esque|qu'est ce|c'est quoi|c quoi", 2),
    (_Q, "fr:comment", r"comment (?:ca|cela|vous|faire|fonctionne|marche|on|ils|elle)", 2),
    (_Q, "fr:une question", r"(?:une|des|quelques|petite) questions?", 2),
    (
        _Q,
        "fr:inversion",
        r"(?:avez|faites|proposez|pouvez|pourriez|acceptez|travaillez|etes|seriez|auriez|livrez|gerez"
        r"|fournissez|vendez) vous|y a t il|est il possible|peut on|c'est possible",
        1,
    ),
    (_Q, "en:how much", r"how (?:much|many)", 2),
    (_Q, "en:price", r"prices?|pricing|priced", 2),
    (_Q, "en:cost", r"costs?|costing", 2),
    (_Q, "en:quote", r"quotes?|quotation|estimate", 2),
    (_Q, "en:delivery", r"delivery|deliver|shipping|lead time|turnaround", 2),
    (_Q, "en:how does", r"how (?:does|do|long|soon|can|would)", 2),
    (_Q, "en:question", r"(?:a|quick|one|some|few) questions?", 2),
    (_Q, "en:do you", r"(?:do|does|can|could|will|is|are) (?:you|it|they|there|this)", 1),
)

# (intent, name, keyword regex, weight) for keyword-only messages: the opt-out words of
# maxcore.rules.keywords, and a bare "no".
KEYWORDS: tuple[tuple[Intent, str, str, int], ...] = (
    *(
        (_U, f"sms:{w.word.upper()}", "|".join(re.escape(s) for s in (w.word, *w.variants)), 5)
        for w in OPT_OUT_WORDS
    ),
    (_N, "fr:non", r"no{1,2}n|nan|nn", 3),
    (_N, "en:no", r"no{1,2}|nope|nah", 3),
)
