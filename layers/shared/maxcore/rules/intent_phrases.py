"""The lexicon of the reply classifier (:mod:`maxcore.rules.intent`): its phrases by intent and language.

Data only: the engine compiles these tables, reads negations and scores. A rule is
``(intent, name, phrase, weight)``; the name is ``<lang>:<phrase>`` and is what a cue shows, the phrase a
regular expression over the *normalised* text (lower case, no accents, dashes as spaces, see
:func:`maxcore.rules.intent.normalize`) where a space also matches no space and ``'`` is optional.
Weights: 5 an explicit STOP, 4 an explicit opt-out or a machine's answer, 3 an explicit phrase, 2 a
usual word, 1 a weak hint.

The rules are written by *kind* of reply, not by sentence: a kind is a family of phrasings (a polite
decline because the prospect is already equipped, a meeting proposed by a place, a question about
compatibility...), and each rule names its kind in French or English. ``neutral`` rules are evidence
that a text is *not* about the offer (who is writing, a bare acknowledgement); :data:`AUTOMATIC` rules
recognise a machine's answer that is not an absence notice.
"""

from __future__ import annotations

import re

from maxcore.models.intent import Intent
from maxcore.rules.keywords import OPT_OUT_WORDS
from maxcore.rules.return_dates import MONTH as _MONTH
from maxcore.rules.return_dates import WEEKDAY as _WEEKDAY

__all__ = ["AUTOMATIC", "EVERY_CHANNEL", "KEYWORDS", "PHRASES", "POLITE"]

_U, _O, _N = Intent.UNSUBSCRIBE, Intent.OUT_OF_OFFICE, Intent.NOT_INTERESTED
_M, _I, _Q, _Z = Intent.MEETING_REQUEST, Intent.INTERESTED, Intent.QUESTION, Intent.NEUTRAL

POLITE = r"(?:merci|mrc|mci|svp|stp|please|pls|plz|thanks|thank you|thx|ty|bonjour|hello|hi)"
"""Politeness words that may surround a keyword sent alone."""

_DAY = (
    rf"(?:{_WEEKDAY}|demain|apres demain|aujourd'hui|ce matin|ce midi|cet apres midi|ce soir|dmn|2main"
    r"|tomorrow|tmrw|tmr|2morrow|today|tonight|this morning|this afternoon)"
)
_TIME = (
    r"(?:(?:[01]?\d|2[0-3]) ?(?:h|heures?)(?: ?[0-5]\d)?|(?:[01]?\d|2[0-3]):[0-5]\d"
    r"|(?:1[0-2]|0?[1-9])(?::[0-5]\d)? ?(?:am|pm))"
)
_DAYPART = r"(?:matin|matinee|apres midi|aprem|soir|soiree|midi|morning|afternoon|evening|lunch ?time)"
_INTERESS = r"inter{1,2}es{1,2}"  # intéressé, interessé, intérésé, interresse...

# What a lead receives and may ask to stop: messages of any channel, calls, advertising.
_MESSAGES = (
    r"(?:sms|textos?|texts?|messages?|msg|mails?|e mails?|emails?|courriels?|newsletters?|appels?"
    r"|calls?|coups? de fil|relances?|pubs?|publicites?|promos?|promotions?|notifications?|whatsapp"
    r"|offres?|sollicitations?|prospections?|demarchages?|spams?|communications?|propositions?|courriers?)"
)
# French infinitives (and their imperatives) of reaching someone.
_REACH_FR = (
    r"(?:re)?contact|ecri|ecriv|ap{1,2}el{1,2}|rap{1,2}el{1,2}|sollicit|relanc|derang|envoy|harcel"
    r"|demarch|spam{1,2}|text|sms|jo(?:in|ign)|telephon|bombard|inond|emmerd|saoul|soul|importun|adress"
    r"|embet|gonfl|pollu|ennuy|prospect"
)
_REACH_EN = (
    r"(?:contact|e ?m(?:ai|ia)l|mail|te?xt|msg|mes{1,2}ag|call|phon|ring|writ|spam{1,2}|bother|harass"
    r"|bug{1,2}"
    r"|pester|reach|send|sms|whatsapp|target|solicit)\w*"
)
_CHANNEL = (
    r"(?:sms|textos?|te?xt(?:s|ing)?|mails?|e ?mail(?:s|ing)?|courriels?|appels?|call(?:s|ing)?|telephone"
    r"|phon\w*|whatsapp|telegram|messag(?:es?|ing))"
)
_LIST_FR = r"(?:listes?|fichiers?|bases?|mailings?|listings?|repertoires?|annuaires?|crm|contacts)"
_LIST_EN = r"(?:lists?|mailing lists?|database|records|files?|system|crm|contacts|distribution)"

# (intent, name, phrase, weight) for ordinary rules, matched anywhere on word boundaries.
PHRASES: tuple[tuple[Intent, str, str, int], ...] = (
    # --- unsubscribe: every way of asking to stop, to be removed, to be left alone
    (
        _U,
        "fr:stop sms",
        r"(?:sto{1,2}p{1,2}|ar{1,2}e?te[zr]?|ces{1,2}e[zr]?|fini|assez) (?:aux |a vos |a ces "
        r"|a tes |les |vos |ces |tes "
        rf"|avec (?:vos |les |ces |tes )|de |d'|tous |toutes |tout |toute )?(?:vos |ces |les |tes )?"
        rf"(?:{_MESSAGES}|demarchages?|harcelement|sms et \w+)",
        4,
    ),
    # An explicit STOP: a clause of its own, or the first word of the message ("STOP, on est déjà
    # équipés" is an opt-out); not "non stop", "stop by", "stop à la paperasse".
    (
        _U,
        "any:stop",
        r"(?:(?<=^)|(?<=[.!?;,:\-])|(?<=[.!?;,:\-]\s))sto{1,2}p{1,2}(?!\s?(?:a|au|aux|the|by|in|over|and|et)"
        r"(?![a-z0-9]))"
        rf"|(?<!non\s)(?<!sans\s)(?<!pas\s)sto{{1,2}}p{{1,2}}(?=\s?(?:[.!?;,:]|$|{POLITE}(?![a-z])))",
        5,
    ),
    (_U, "fr:desinscrire", r"des? ?in?s?c?ri[rvpt]\w*|de ?inscri\w*", 4),
    (_U, "fr:desabonner", r"des ?ab{1,2}on{1,2}\w*", 4),
    (
        _U,
        "fr:ne plus recevoir",
        r"(?:ne|n') (?:\w+ ){0,2}plus (?:\w+ ){0,2}"
        r"(?:recevoir|avoir de vos nouvelles|entendre parler de vous|etre (?:\w+ )?(?:contacte|sollicite"
        r"|relance|appele|demarche|derange|harcele|importune|spamme|recontacte|inscrit)\w*)"
        r"|(?:ne|n') (?:\w+ ){0,2}pas (?:a |d')?etre (?:\w+ )?(?:contacte|recontacte|sollicite|demarche"
        r"|relance"
        r"|harcele|importune|spamme|prospecte)\w*|(?:refuse|m'oppose a) (?:d'etre|a etre|etre|la|toute|tout"
        r"|les)"
        r"(?: \w+)? (?:contact|prospect|sollicit|demarch|utilisation|traitement|appel|message)\w*"
        r"|(?:j?veux|veut|voulons|souhait\w*|desir\w*|aimerais|prefere\w*) (?:ne )?plus (?:\w+ ){0,2}"
        r"(?:recevoir|etre (?:\w+ )?(?:contacte|sollicite|relance|demarche|derange)\w*|avoir de vos|entendre)"
        r"|(?:ne )?(?:plus|pas) (?:faire partie|figurer|etre inscrite?s?|apparaitre) (?:de|dans|sur"
        r"|a) (?:votre|vos|la|cette|ces|ta|tes)"
        r"|m'oppose (?:a|au|aux) (?:la |le |les |toute |tout )?(?:contact|prospect|sollicit|demarch"
        r"|utilisation|traitement|appel|message|envoi)\w*"
        r"|(?:ne|n') (?:\w+ ){0,2}pas (?:a |d')?etre (?:\w+ )?(?:derange|appele|ennuye|embete|importune)\w*"
        r"|ne (?:plus|pas) (?:utiliser|exploiter|conserver|garder|stocker) (?:mon|ma|mes|notre"
        r"|nos) (?:numero|adresse|donnees|coordonnees|mail|email|contact|nom)"
        r"|(?:demarchage|message|appel|sms|mail|envoi)s? (?:abusif|non sollicite|non desire|non voulu"
        r"|intempestif)s?|non sollicite\w*",
        4,
    ),
    (
        _U,
        "fr:plus de messages",
        r"(?:(?:plus|pas) (?:de |d'|aucun |aucune |un seul |une seule )|aucun |aucune |zero )"
        r"(?:vos |tes |ces |autres |nouveaux |nouvelles |de vos |de tes |de ces )?"
        rf"{_MESSAGES}(?: (?:svp|merci|stp|please|ni|non plus|du tout)|[!.,]|$)"
        rf"|ni {_MESSAGES}|plus jamais (?:de |d')?{_MESSAGES}"
        r"|plus (?:de|aucun) contacts?(?= ?(?:[.,!]|$|svp|merci|stp|please))",
        4,
    ),
    (
        _U,
        "fr:retirez-moi",
        r"(?:retire[rz]?|supprime[rz]?|enleve[rz]?|efface[rz]?|raye[rz]?|radie[rz]?|sorte[rz]?|vire[rz]?"
        r"|ote[rz]?|oublie[rz]?|desactive[rz]?|blacklist\w*) "
        r"(?:moi|nous|mes (?:coordonnees|donnees|infos|informations|contacts?)"
        r"|mon (?:numero|num|contact|adresse|e ?mail|mail|compte|nom|tel|telephone|profil)"
        r"|(?:ce|le) numero|cette adresse)"
        rf"|(?:retire[rz]?|supprime[rz]?|enleve[rz]?|sorte[rz]?|raye[rz]?) (?:moi |nous )?(?:de|des|du) "
        rf"(?:vos |votre |la |cette |ces |tes |ta )?(?:\w+ )?{_LIST_FR}"
        r"|suppression (?:de |des )?(?:mes|mon|nos) (?:donnees|coordonnees|numero|adresse|contact|infos)"
        r"|perde[zr]? mon numero|oubliez moi|m'oublier"
        r"|(?:efface|supprime|retire|enleve|raye|detrui)\w* (?:le|la|les|ca|tout)"
        r"(?= ?(?:[.,!]|$|immediatement|tout de suite|svp|merci|de (?:vos|votre|ta|tes)))"
        r"|(?:me |m')(?:retir|supprim|enlev|effac|ray|radi|sort|desinscri|desabonn|oubli)\w* (?:de |des |du "
        r"|d')",
        4,
    ),
    (
        _U,
        "fr:rgpd",
        r"droit (?:a l'oubli|d'opposition|de suppression|d'effacement)|bloctel|right to (?:be forgotten"
        r"|erasure"
        r"|object)|porter plainte|(?:plainte|signal\w*|report\w*) (?:\w+ )?(?:a|aupres de|to) (?:la )?cnil"
        r"|(?:report|reporting|signale|signaler|marque|flag\w*) (?:\w+ )?(?:as |comme |en )?spam"
        r"|(?:never|jamais) (?:\w+ )?(?:subscribed|signed up|opted in|consented|inscrit|abonne"
        r"|donne mon accord"
        r"|accepte|consenti)|(?:au titre|en vertu|conformement|under|per|as per|in accordance with) (?:du "
        r"|de la |au |a la "
        r"|the )?(?:rgpd|gdpr)|(?:rgpd|gdpr) (?:request|demande)",
        4,
    ),
    (
        _U,
        "fr:ne me contactez plus",
        rf"ne (?:me |m'|nous )(?:{_REACH_FR})\w*(?: \w+){{0,3}} (?:plus|jamais)"
        rf"|ne (?:plus|jamais) (?:me |m'|nous )(?:{_REACH_FR})\w*"
        r"|ne (?:pas )?(?:me |m'|nous )?(?:re ?contact|relanc|sollicit|demarch|harcel|spam{1,2}|importun)\w*"
        r"(?: \w+)? (?:pas|plus|jamais)|ne pas (?:me |m'|nous )(?:re ?contact|relanc|sollicit|demarch|harcel"
        r"|spam{1,2}|importun)\w*"
        rf"|(?:inutile|pas la peine|merci) de (?:me |m'|nous )(?:{_REACH_FR})\w* (?:a nouveau|encore|plus)"
        r"|(?:inutile|pas la peine) de (?:me |m'|nous )(?:re ?contact|relanc|sollicit|rap{1,2}el{1,2}"
        r"|ecri)\w*",
        4,
    ),
    (
        _U,
        "fr:arretez",
        r"ar{1,2}e?tez (?:de |d'|tout|vos|les|ces|ce|votre|avec|ca|svp|merci|!|$)|ar{1,2}e?te (?:!|$"
        r"|svp|tes|ca)"
        rf"|ces{{1,2}}e[rz]? (?:de |d'|toute?s?|tous|vos|les|ces|ce|votre|immediatement)"
        rf"|(?:ar{{1,2}}e?t|ces{{1,2}})\w* (?:de |d')?(?:me |m'|nous )?(?:{_REACH_FR})\w*"
        r"|stop{1,2}e[zr] (?:tout|ca|!|$|svp|merci|les|vos|de|d')",
        4,
    ),
    (
        _U,
        "fr:laissez-moi tranquille",
        r"laisse[rz]? (?:moi|nous) (?:tranquilles?|en paix)|fiche[rz]? (?:moi|nous) la paix"
        r"|fou(?:te[rz]?|tre) (?:moi|nous) la paix|lache[rz]? (?:moi|nous)|lachez la grappe"
        r"|(?:marre|ras le bol|assez|ca suffit|y en a marre) (?:de |d'|avec )?(?:vos |ces |tes |tous ces "
        r"|les )?"
        rf"{_MESSAGES}|harcelement|c'est du spam|vous me (?:saoulez|soulez|harcelez|spammez|fatiguez)"
        r"|degage[zr]?|fou(?:te[zr]|tre) le camp|allez vous faire|va te faire",
        4,
    ),
    (_U, "en:unsubscribe", r"un ?s[a-z]{0,3}(?:b|cr)[a-z]*", 4),
    (
        _U,
        "en:remove me",
        rf"(?:remove|delete|erase|drop|scrub|purge|wipe|take|cross|strike) (?:me|us|my \w+|our \w+)"
        rf"(?: \w+){{0,3}} (?:from|off|out of) (?:your |the |this |all |any )?(?:\w+ )?{_LIST_EN}"
        r"|(?:remove|delete|erase|scrub|purge|wipe) (?:me|us|my (?:details|number|email|e mail|address|data"
        r"|contact|info|information|phone|account|name|records?)|our (?:details|number|email|address|data))"
        r"|take (?:me|us|my \w+|this \w+) off|lose my number|forget (?:me|my number)|block (?:me|my number)"
        r"|(?:remove|delete|erase) (?:this|that) (?:number|email|e mail|address|contact)"
        r"|(?:remove|delete|erase) (?:it|them)(?= ?(?:[.,!]|$|now|immediately|please))"
        r"|(?:^|(?<=[.!?,;]\s)|(?<=[.!?,;])|(?<=please\s)|(?<=pls\s)|(?<=plz\s))(?:remove"
        r"|unsub)(?= ?(?:[.,!]|$|me|us|please|pls|thanks|thx|asap|now))"
        r"|(?:remove|delete|erase|scrub|purge|wipe) (?:all |any )?(?:of )?(?:my|our) (?:\w+ )?(?:data"
        r"|details|info|information|number|email|contact|records?|account)"
        r"|cease and desist",
        4,
    ),
    (_U, "en:opt out", r"opt (?:me |us )?out|opting out|opted out", 4),
    (
        _U,
        "en:stop contacting me",
        rf"(?:stop|quit|cease|halt|end) (?:\w+ )?(?:{_REACH_EN})"
        r"|(?:stop|quit|cease|halt|end|enough with) (?:all |any )?(?:further |future |these |your |the "
        r"|those )?"
        rf"(?:{_MESSAGES})"
        rf"|(?:stop|quit) (?:it|this|that)(?![a-z])"
        r"|(?:asked|told|said to|begged) (?:you )?(?:to )?stop|said stop",
        4,
    ),
    (
        _U,
        "en:do not contact me",
        rf"(?:do not|don't|dont|never) (?:ever )?(?:{_REACH_EN}) (?:\w+ )?(?:me|us)"
        rf"|(?:don't|do not|dont) want (?:to (?:receive|get|hear)|any more|anymore|more|any)"
        rf"(?: \w+){{0,3}} (?:{_MESSAGES}|from you)"
        rf"|no (?:more|further) {_MESSAGES}|leave (?:me|us) alone|(?:this is|that's|it's) spam"
        r"|(?:not|no longer|don't|do not|dont|never) (?:want|wish|like) to (?:be (?:contacted|called"
        r"|emailed|texted"
        r"|messaged|bothered|spammed|solicited|reached)|receive|hear)"
        r"|(?:fuck|piss|bugger|buzz|sod) off|go away|get lost"
        r"|(?:don't|do not|dont) want (?:\w+ ){0,2}(?:texts|messages|emails|e mails|calls|spam"
        r"|newsletters)"
        r"|(?:stop|quit|don't|do not|dont|never) (?:using|use|sharing|share|selling|sell) (?:my"
        r"|our) (?:number|email|e mail|data|details|address|info)"
        r"|(?:never|didn't|did not|don't|do not) (?:ever )?(?:asked|ask|signed up|opted in|agreed"
        r"|consent\w*) (?:for|to) (?:this|these|any|your)|unsolicited",
        4,
    ),
    # --- out of office: a person away, by hand or by an automatic notice
    (
        _O,
        "fr:absent",
        r"absente?s?|(?:en|pendant|durant|lors de) (?:mon|ma|notre) absence|hospitalise\w*|en rtt|en repos",
        3,
    ),
    (
        _O,
        "fr:en conges",
        r"en conges?|conges? (?:maternite|paternite|parental|maladie|annuels?|d'ete|d'hiver|de noel|payes"
        r"|du \d+)",
        3,
    ),
    (_O, "fr:en vacances", r"en vacances?|vacances (?:jusqu|d'ete|scolaires)", 3),
    (
        _O,
        "fr:de retour le",
        rf"(?:serai|sera|serons|serez) de retour|de retour (?:le|la semaine|au bureau|a partir|des"
        rf"|debut|fin|mi|en|vers|{_WEEKDAY}|\d+|demain|lundi)"
        r"|(?:reviens|reviendrai|reviendrons|rentre|rentrerai|rentrons) (?:au bureau )?(?:le \d+"
        rf"|le {_WEEKDAY}"
        rf"|{_WEEKDAY}|\d+|la semaine|a partir|des le|debut|fin|mi|en {_MONTH}|demain)"
        rf"|reprend\w* (?:le travail|mes fonctions|le \d+|le {_WEEKDAY}|{_WEEKDAY}|\d+|a partir|des le|debut"
        r"|fin"
        rf"|en {_MONTH})"
        r"|a mon retour|des mon retour|lors de mon retour"
        r"|(?:joignable|disponible|available|reachable) (?:\w+ )?(?:a partir d|des le|from|again on"
        r"|again from)",
        3,
    ),
    (
        _O,
        "fr:indisponible jusqu'au",
        r"(?:indisponibles?|injoignables?|en (?:deplacement|formation|seminaire|arret maladie"
        r"|arret de travail"
        r"|voyage|conge)|ferme|fermes|fermee|fermeture|en arret) (?:\w+ ){0,4}"
        r"(?:jusqu'?(?:au|a|en)|du \d+|a partir)"
        r"|arret maladie|arret de travail|fermeture annuelle|conge maternite|conge paternite"
        r"|(?:closed|ferme\w*|absent\w*|away|off|out|indisponible) (?:\w+ )?(?:until further notice"
        r"|jusqu'a nouvel ordre)",
        3,
    ),
    (_O, "fr:hors du bureau", r"hors (?:du )?bureau|en dehors du bureau", 3),
    (
        _O,
        "fr:ferme pour conges",
        r"ferme(?:e|s|es)? (?:pour|durant|pendant) (?:les |la |nos |notre )?(?:\w+ )?(?:vacances|conges|fetes"
        r"|fermeture|inventaire|travaux|pont)|reouverture|re ?ouvrira|closed (?:for|over|during"
        r"|until) (?:the )?"
        r"(?:\w+ )?(?:holidays?|christmas|summer|break|vacation|easter|new year|season)|reopen\w*"
        r"|fermeture (?:exceptionnelle|annuelle|estivale|temporaire|pour)",
        3,
    ),
    (
        _O,
        "any:automatic reply: away",
        r"(?:automatic reply|auto reply|autoreply|reponse automatique|out of office reply|absence)\s?:?\s?"
        r"(?:away|absent|absence|vacation|holidays?|conges|out|ooo|on leave)",
        4,
    ),
    (_O, "fr:en deplacement", r"en deplacement|en formation|en seminaire", 1),
    (_O, "en:out of office", r"out of (?:the )?office|out of office", 4),
    (_O, "en:OOO", r"oo|o\.o\.o", 4),
    (
        _O,
        "en:on leave",
        r"on (?:annual |parental |maternity |paternity |sick |medical |family |bereavement )?leave"
        r"|(?:maternity|paternity|parental|sick) leave",
        3,
    ),
    (
        _O,
        "en:on vacation",
        r"on (?:vacation|holidays?|pto|sabbatical|a break)|(?:on|at) (?:a )?business trip",
        3,
    ),
    (
        _O,
        "en:currently away",
        r"(?:currently|presently) (?:away|out|travell?ing|unavailable|off)"
        r"|(?:i am|i'm|i will be|i'll be|im|we are|we're|the office is|office is) "
        r"(?:away|off|out|closed|unavailable|travell?ing) (?:\w+ ){0,3}(?:until|till|til|through|thru"
        r"|returning)"
        r"|(?:i am|i'm|i will be|i'll be|im) (?:away|off)(?![a-z])"
        r"|away from (?:the|my) (?:office|desk)|away until|out until|off until"
        r"|out sick|off sick|(?:sick|ill) (?:today|this week)|(?:i'm|i am|im) (?:sick|ill|unwell)"
        r"|away (?:\w+ ){0,3}until|away on (?:business|holiday|vacation|leave|a trip|travel)",
        3,
    ),
    (
        _O,
        "en:back on",
        r"(?:will|i'll|shall) be back|(?<!get\s)(?<!call\s)(?<!come\s)(?<!write\s)(?<!ring\s)(?<!text\s)"
        rf"back (?:on|in the office|in office|at work|at my desk|next|from|{_WEEKDAY}|\d+|in (?:the office"
        r"|office"
        rf"|{_MONTH}|\d+|a week|two weeks|\w+ weeks))|returning (?:on|to the office|next|in|\d+)"
        r"|upon my return|on my return|when i return"
        r"|when i'm back|until my return|i will return|i'll return|return to the office",
        2,
    ),
    (
        _O,
        "en:limited access",
        r"limited (?:access to|e ?mail access)|no access to (?:my )?e ?mails?|acces (?:limite|restreint)"
        r"|sans acces a (?:mes|mon)",
        2,
    ),
    # --- not interested: the "non" and the polite declines without it
    (
        _N,
        "fr:pas interesse",
        rf"pas? (?:du tout |vraiment |tres |trop |plus |encore |forcement )?{_INTERESS}ee?s?",
        3,
    ),
    (
        _N,
        "fr:ca ne m'interesse pas",
        rf"(?:(?:ca|sa|cela) )?(?:ne |n')?(?:m'|nous |l')?{_INTERESS}e(?:nt)? "
        r"(?:pas|plus|vraiment pas|absolument pas|pas du tout|guere|nullement)",
        3,
    ),
    (
        _N,
        "fr:non merci",
        r"(?:non|nan|no|nope) (?:merci|mrc|mci)|(?:merci|mrc|mci|thx) (?:mais|bien mais) (?:non|nous passons"
        r"|ca ira)"
        r"|(?:desole|malheureusement|helas),? (?:mais )?(?:non|pas pour nous|ce sera non)|ce sera non"
        r"|c'est non|ca sera non|je decline|nous declinons|je ne suis pas preneu\w*|pas preneu\w*",
        3,
    ),
    (
        _N,
        "fr:pas le moment",
        r"pas (?:pour |en )?(?:le|ce) moment|pas (?:pour |a )?l'instant|pas maintenant|pas cette (?:annee"
        r"|fois)"
        r"|pas pour (?:nous|moi)|pas (?:le|un) bon (?:moment|timing)|pas (?:le|un) moment opportun"
        r"|pas (?:pour )?tout de suite|pas (?:dans l'immediat|d'actualite|a l'ordre du jour|au programme)"
        r"|plus d'actualite|pas avant (?:la rentree|l'an|l'annee|\d+|le|la|fin|debut|septembre|janvier"
        r"|2\d{3})"
        r"|(?:peut etre|on verra) (?:plus tard|l'an prochain|l'annee prochaine|une autre fois|dans \w+ mois)"
        r"|mauvais (?:moment|timing)|(?:ne |n')(?:\w+ )?(?:est|tombe) pas (?:le|au) (?:bon )?moment"
        r"|peut etre (?:dans )?(?:quelques|\d+|deux|trois|six) (?:mois|semaines|ans)",
        3,
    ),
    (
        _N,
        "fr:pas une priorite",
        r"pas (?:une|notre|la|ma|en) priorite|d'autres priorites|autres priorites|pas prioritaire"
        r"|(?:ne|n') (?:\w+ )?(?:est|sont) pas (?:une |notre )?priorit\w*",
        3,
    ),
    (
        _N,
        "fr:deja un prestataire",
        r"deja (?:avec )?(?:un|une|des|notre|nos|mon|ma|mes|son|sa|leur) (?:\w+ )?(?:\w+ )?"
        r"(?:prestataires?|fournisseurs?|solutions?|partenaires?|outils?|crm|agences?|logiciels?|contrats?"
        r"|systemes?|applis?|applications?|equipes?|services?|outils?|plateformes?|abonnements?|personnes?)"
        r"|deja (?:(?:tres|bien|tout|totalement|entierement|parfaitement|largement) ){0,2}(?:equipe|servi"
        r"|pourvu|fourni|outille"
        r"|accompagne"
        r"|couvert|satisfait|engage|sous contrat|sous engagement|en place)\w*"
        r"|deja (?:tout|ce qu'il (?:nous |me )?faut|quelqu'un|qqn|ce genre|ce type|ca|une solution)"
        r"|(?:on|nous) (?:gere|gerons|fait|faisons|s'en occupe|nous en occupons|a|avons) (?:\w+ )?(?:\w+ )?"
        r"(?:en interne|nous memes?|tout seuls?)"
        r"|(?:nous|on) (?:sommes|est) (?:tres |bien |deja )?(?:equipe|satisfait|content|bien servi)\w*"
        r"(?: (?:de|avec|par) (?:notre|nos|l'actuel|notre actuel))?",
        3,
    ),
    (
        _N,
        "fr:autre prestataire",
        r"(?:choisi|retenu|opte pour|signe avec|pris|trouve|travaille avec|passe par|parti sur|part sur"
        r"|reste avec|restons avec|rester avec) (?:un autre|une autre|d'autres|quelqu'un d'autre"
        r"|un concurrent"
        r"|une solution concurrente|autre chose|une autre solution|un prestataire|notre prestataire"
        r"|notre fournisseur|l'actuel)"
        r"|(?:un|une) autre (?:prestataire|fournisseur|agence|societe|entreprise|partenaire)"
        r"|(?:chois|retenu|pris|sign|opt|part|pass|travaill)\w* (?:\w+ )?(?:un |votre |le |un autre |chez "
        r"|avec )?concurren\w*"
        r"|(?:sign|achet|command|trouv|pris|equip|voir|regard|part|all)\w* ailleurs",
        3,
    ),
    (
        _N,
        "fr:pas de budget",
        r"(?:pas|plus|aucun|peu|sans) (?:de |d')?budgets?|budgets? (?:\w+ )?(?:gele|bloque|serre|limite"
        r"|epuise|consomme|boucle|ferme|alloue|reduit|coupe|nul|zero|insuffisant|depasse|serres|limites)\w*"
        r"|hors budget|(?:pas|plus) (?:dans|dans le|dans notre|dans nos) budgets?|(?:pas|plus) les moyens"
        r"|gel des (?:budgets|depenses|investissements)|restrictions? budgetaires?|trop cher"
        r"|au dessus de (?:nos|notre)"
        r"|(?:ne |n')(?:\w+ )?(?:investi\w*|depens\w*) pas|pas (?:d'argent|de sous|de fonds"
        r"|d'investissement)",
        3,
    ),
    (
        _N,
        "fr:pas besoin",
        r"(?:pas|aucun|plus|nul) (?:de |le |la )?besoins?|aucun interet|sans interet|pas necessaire"
        r"|(?:ne |n')(?:\w+ )?(?:est|sera|serait) pas (?:necessaire|utile|pertinent|adapte)|inutile pour"
        r"|pas (?:utile|pertinent|adapte|concerne)e?s?|(?:ne|n') (?:nous |me )?concerne pas|pas concerne\w*",
        3,
    ),
    (
        _N,
        "fr:pas donner suite",
        r"(?:ne|n') (?:\w+ ){0,2}pas (?:donner )?suite|pas la peine|sans suite|passe(?:r|rai|rons)? (?:mon"
        r"|notre) tour"
        r"|je (?:vais )?passer?(?! \w)|on (?:va )?passer?(?! \w)"
        rf"|ca ira(?! (?:tres|parfaitement|pour|le|a|au|{_WEEKDAY}))"
        r"|ca va aller|on est (?:bon|bons|ok|bien)(?! (?:pour|avec|sur|a|le|la))"
        r"|(?:nous|on|je) (?:reviendr\w*|revien\w*) vers vous (?:si|le cas|en cas|au besoin|le jour"
        r"|plus tard)"
        r"|(?:nous|on|je) vous (?:recontacter\w*|rappeller\w*|rappeler\w*|contacter\w*|ferons signe"
        r"|ferai signe"
        r"|fera signe|tiendr\w* au courant) (?:si|le cas|en cas|au besoin|quand|le jour|plus tard|nous)"
        r"|si (?:besoin|jamais|un jour),? (?:nous|on|je) (?:vous )?(?:recontact|reviendr|rappel|contact)\w*"
        r"|(?:je |nous )?gard\w* (?:vos|votre) (?:coordonnees|contact|numero|carte|nom)",
        3,
    ),
    (
        _N,
        "fr:ne correspond pas",
        r"(?:ne|n') (?:me |nous )?(?:convient|correspond|conviennent|correspondent|colle|parle"
        r"|tente)\w* (?:\w+ )?pas"
        r"|(?:pas|plus) (?:adapte|fait|pense|concu|fait) (?:a|pour) (?:nos|notre|mes|mon|nous|moi|ma)"
        r"|trop (?:petite?s?|grande?s?|cher|complexe|compliques?) pour"
        r"|(?:vaut|valent) pas (?:le coup|la peine)|pas rentable"
        r"|pas convaincue?s?|(?:je |on )?laisse tomber|je (?:ne )?prefere(?:rais)? pas|on (?:ne )?prefere pas"
        r"|(?:ne|n') (?:\w+ )?(?:vais|va|allons|allez) pas (?:y aller|donner suite|continuer|poursuivre"
        r"|signer"
        r"|acheter|commander|changer|le faire|investir|s'engager)"
        r"|(?:ne|n') (?:\w+ )?pas (?:poursuivre|continuer|avancer|aller plus loin|retenir|donner suite"
        r"|s'engager|investir|changer|changerons|donner)|(?:ne|n') (?:\w+ )?changer\w* pas"
        r"|pas (?:y )?donner suite"
        r"|(?:venons|vient|viens) (?:de |d')(?:signer|investir|s'equiper|nous equiper|acheter|choisir"
        r"|renouveler|prendre)"
        r"|(?:non|nan|nn|no),? (?:c'est|c|cest|ca) bon|(?:projets?|achats?|investissements?|recrutements?) "
        r"(?:\w+ ){0,2}(?:en pause|en attente|en stand by|suspendu|gele)\w*|en stand ?by"
        r"|(?:rester|reste|restons|restera) (?:avec|chez|sur) (?:notre|nos|l'actuel|mon|ma|le meme)"
        r"|(?:on|nous) gard\w* (?:notre|nos|l'actuel|mon)|quelqu'un d'autre|declin\w*"
        r"|(?:pas|aucune|plus) (?:l'|d')?(?:utilite|usage)|n'en (?:\w+ )?pas (?:besoin|l'utilite|l'usage)"
        r"|(?:ne )?(?:me|nous) dit (?:rien|pas grand chose)|(?:ne|n') (?:\w+ ){0,2}(?:cherch"
        r"|recherch)\w* (?:pas|rien|plus)"
        r"|pas (?:a la recherche|en recherche|demandeu\w*)|(?:on|je|nous) (?:ne )?cherch\w* (?:pas|rien)"
        r"|(?:on|nous) (?:ne )?(?:sommes|est) pas (?:a la recherche|demandeu\w*|preneu\w*)"
        r"|(?:fait|pris|opte pour) un autre choix|(?:part\w*|all\w*|orient\w*) (?:sur|dans"
        r"|vers) une autre (?:direction|option|solution|voie)"
        r"|pas (?:encore )?(?:prete?s?|mure?s?) (?:pour|a)|pas (?:encore )?(?:prete?s?|mure?s?)(?= ?(?:[.,!]"
        r"|$))"
        r"|(?:re ?)?contact(?:ez|er) (?:moi|nous) (?:dans|l'an|l'annee|en 20\d\d|plus tard|a la rentree"
        r"|l'annee prochaine)"
        r"|revenez (?:vers|me voir|nous voir)(?: \w+)? (?:dans|l'an|l'annee|plus tard|en|a la rentree)"
        r"|(?:garder|laisser) (?:les choses )?(?:comme (?:ca|elles sont)|en l'etat)|(?:on"
        r"|nous) rest\w* comme (?:ca|on est|nous sommes)"
        r"|(?:reflechir\w*|verr\w*|verra|reparler\w*|en reparler\w*|revoir) (?:ca |cela "
        r"|de ca )?(?:l'annee prochaine|l'an prochain|en 20\d\d|plus tard|a la rentree|dans (?:quelques"
        r"|\d+) mois)"
        r"|(?:a|ont|avons) (?:dit non|refuse)|pas autorises? a|(?:la direction|le patron|le gerant"
        r"|mon patron|mon associe|ma direction) (?:\w+ )?(?:a dit non|refuse|ne veut pas|n'est pas)"
        r"|(?:ne suis|ne sommes|n'est) plus dans (?:le metier|la profession|ce secteur"
        r"|le domaine)|(?:a|suis|sommes) (?:a la )?retraite|(?:ferme|vendu|cede|liquide) (?:ma|mon|notre|la"
        r"|le) (?:boutique|entreprise|societe|commerce|magasin|fonds|salon|activite|cabinet)|cess\w* (?:mon"
        r"|notre|d') ?activite|cessation d'activite"
        r"|deja donne(?= ?(?:[.,!]|$|merci))|(?:trouve|choisi|pris) (?:une|un|notre"
        r"|nos) (?:autre )?(?:solution|prestataire|outil|fournisseur|logiciel|partenaire) (?:entre temps"
        r"|depuis|ailleurs|entretemps)",
        3,
    ),
    (_N, "fr:bof", r"bof|pas (?:vraiment|trop|terrible)(?= ?(?:[.,!]|$|merci|non))|sans facon|bof bof", 2),
    (
        _N,
        "en:not interested",
        r"(?:not|no longer|never|nt) (?:really |very |that |at all |currently |too |particularly )?"
        r"inte?re?st?ed|uninterested|no interest|not for (?:us|me)(?: right now)?",
        3,
    ),
    (
        _N,
        "en:no thanks",
        r"no (?:thanks|thank you|thank u|thx|ty)|nah thanks|thanks,? but no"
        r"|(?:sorry|unfortunately),? (?:but )?(?:no|not for)(?![a-z])|(?:i|we) (?:must|will|have to|'ll|'d) "
        r"(?:politely |respectfully )?decline|(?:i'm|we're|i am|we are) (?:going to|gonna) pass"
        r"|(?:i'll|we'll|i will|we will|ill|i'd|we'd) pass(?! (?:it|this|that|them|your|the) )(?! along"
        r"| on to)"
        r"|pass on (?:this|that|it)(?! to)",
        3,
    ),
    (
        _N,
        "en:not now",
        r"not (?:right )?(?:now|rn)|not at (?:the|this) (?:moment|time|stage|point)|not this (?:year|quarter"
        r"|time"
        r"|month)"
        r"|not a (?:good |great |right )?(?:fit|match|time)|not the (?:right|best|ideal|good) (?:time|moment"
        r"|fit)"
        r"|bad timing|timing (?:isn't|is not|isnt) (?:right|great|good)|(?:maybe|perhaps) (?:later|next year"
        r"|another time"
        r"|in \w+ months|down the (?:road|line))|not (?:a |our |my )?(?:top |current )?priority"
        r"|other priorities"
        r"|low (?:on the )?priority|not on (?:our|my) (?:radar|roadmap|agenda)|circle back (?:next|in|later)"
        r"|not (?:relevant|applicable|necessary|needed|useful)|(?:doesn't|does not|don't|do not) apply"
        r"|(?:maybe|perhaps) (?:in )?(?:a few|a couple of|\d+|two|three|six|some) (?:months|weeks|years)"
        r"|not ready(?: yet| for| to)?|revisit (?:this |it )?(?:next|in|later)|(?:get back|reach out"
        r"|come back|check back) (?:to me |to us )?(?:again )?(?:in (?:a few|\d+|six|three|a couple)"
        r"|next (?:year|quarter)|later)",
        3,
    ),
    (
        _N,
        "en:already have a provider",
        r"already (?:have|got|use|using|work with|working with|signed with|partnered with|equipped|covered"
        r"|sorted"
        r"|set up|in place|handled|taken care|dealing|bought|purchased|chose|picked|subscribed)(?: \w+){0,2}"
        r"|(?:we're|we are|were|i'm|i am|im) (?:all )?(?:set|covered|sorted|good|fine|ok|okay|locked in"
        r"|committed|under contract)(?= ?(?:[.,!]|$|thanks|thank|for now|with (?:our|what|my|the)|as is"
        r"|on (?:that"
        r"|this)))|(?:we're|we are|i'm|i am) (?:quite |very )?(?:happy|satisfied|content) with (?:our|what|my"
        r"|the current|the one)|(?:have|got) (?:it|this|that|everything|that side) (?:all )?(?:covered"
        r"|handled"
        r"|sorted)|(?:handle|do|manage|handled|done|managed|keep) (?:it |this |that |everything |all )?"
        r"(?:in house|internally)|(?:have|use|got) (?:an? )?(?:in house|internal|our own) (?:team|solution"
        r"|tool"
        r"|system|person|people|staff|designer|agency|developer)",
        3,
    ),
    (
        _N,
        "en:went elsewhere",
        r"(?:went|go|going|gone|decided to go|chose to go|opted to go|moving forward) with (?:another|someone"
        r"|a different|a competitor|other|an other|a local)|(?:chose|selected|picked|signed with|hired|found)"
        r" (?:another|someone else|a different|a competitor|an other)|someone else"
        r"|another (?:vendor|provider|supplier|company|agency|partner)",
        3,
    ),
    (
        _N,
        "en:no budget",
        r"(?:no|zero|limited|tight|frozen|without) budget|budgets? (?:\w+ )?(?:is |are |has been |have been "
        r"|was )?"
        r"(?:frozen|freeze|cut|tight|spent|allocated|exhausted|gone|locked|limited|maxed)|budget freeze"
        r"|(?:can't|cannot|can not|cant) afford|too expensive|out of (?:our |my )?(?:budget|price range)"
        r"|not in (?:the|our|my) budget|over (?:our|the) budget|no money|no funds|no funding|spending freeze",
        3,
    ),
    (
        _N,
        "en:no need",
        r"no need|(?:don't|do not|dont) (?:really )?need|not needed|no (?:use|requirement) for"
        r"|(?:we'll|we will|i'll|i will) (?:reach out|get back to you|be in touch|let you know|contact you"
        r"|call you"
        r"|keep you in mind)(?: \w+){0,3} (?:if|should|in case)|(?:if|should) (?:we|anything) (?:ever )?"
        r"(?:need|change)|keep (?:you|your (?:details|info|number|contact)) (?:in mind|on file)",
        3,
    ),
    (
        _N,
        "en:doesn't fit",
        r"(?:doesn't|does not|don't|do not|won't|will not|isn't|is not|not) (?:really |quite )?(?:fit|match"
        r"|meet|suit"
        r"|apply to|align with|work for) (?:\w+ )?(?:our|my|what|us|me)|(?:no|not a) (?:good )?(?:fit|match)"
        r"|(?:decided|chosen|choose|decide) not to (?:move forward|proceed|go ahead|pursue|continue"
        r"|go further|buy"
        r"|invest|change|switch)|(?:not|won't be|will not be|aren't|are not) (?:moving|going) forward"
        r"|(?:stick|sticking|stay|staying|remain|remaining|keep|keeping) (?:with|using) (?:our|my"
        r"|the) (?:current"
        r"|existing|old|present)|(?:isn't|is not|not|isnt) (?:really )?(?:a |our |my )?(?:top |current "
        r"|high )?priorit\w*"
        r"|(?:put|putting|are|is|been|be) (?:\w+ ){0,3}on hold|freeze on|not convinced|(?:we'll|i'll|we will"
        r"|i will"
        r"|gonna|going to) (?:skip|give it a miss|sit this one out)|skip (?:it|this)|not worth (?:it|the)"
        r"|(?:i'd|we'd) rather not|it's a no|that's a no|not something (?:we|i) (?:need|want|require"
        r"|are looking)"
        r"|(?:don't|do not|dont|haven't|have no) (?:have |got )?(?:the |a |any |enough )?budget|declin\w*"
        r"|too (?:small|big|early|expensive|complex|complicated) for|(?:just|already) (?:signed|bought"
        r"|invested|renewed"
        r"|committed)|(?:^|(?<=[.!?,;]\s)|(?<=[.!?,;]))pass(?= ?(?:[.,!]|$|thanks|for now))"
        r"|not (?:currently |really |actively )?(?:looking|shopping|searching) (?:for|to)|not in the market"
        r"|not (?:currently |really |actively )?(?:looking|shopping|searching)(?= ?(?:[.,!]|$))"
        r"|(?:going|go|went|moving|heading|gone) (?:in )?(?:a |another )?(?:different|other) direction"
        r"|(?:keep|leave) things (?:as (?:they are|is)|the way they are)|stay (?:as|the way) (?:we are"
        r"|things are)"
        r"|(?:happy|satisfied|content|fine) with (?:it|them|that|what we (?:have|use|got)|our (?:current"
        r"|existing))"
        r"|(?:policy|rules?|management|headquarters|hq) (?:doesn't|does not|won't|will not) (?:allow|let"
        r"|approve)|not allowed to"
        r"|(?:said|says) no|(?:refused|turned (?:it|this|us) down)|(?:but|mais) (?:no|non)(?= ?(?:[.,!]|$"
        r"|thanks|merci))"
        r"|(?:closed|sold|shut down|wound up) (?:the|our|my) (?:business|company|shop|store|salon|practice)"
        r"|retired|out of business|no longer in business"
        r"|found (?:a|another|our|an) (?:\w+ )?(?:solution|provider|vendor|tool|supplier|agency|partner)"
        r"|hard pass|in the meantime we",
        3,
    ),
    (
        _N,
        "en:nope",
        r"nah|meh|(?:not really|not so much|i don't think so|don't think so)(?= ?(?:[.,!]|$|thanks|thank"
        r"|no))",
        2,
    ),
    # --- meeting request: a call, a visit, a slot, a day, a time or a place
    (
        _M,
        "fr:rappelez-moi",
        r"rap{1,2}el{1,2}(?:e|ez|er|es)? (?:moi|nous)|me rap{1,2}el{1,2}e[rz]|nous rap{1,2}el{1,2}e[rz]",
        3,
    ),
    (
        _M,
        "fr:appelez-moi",
        r"ap{1,2}el{1,2}(?:e|ez|er|es)? (?:moi|nous)|(?:m'|nous )ap{1,2}el{1,2}er|telephone[rz]? (?:moi|nous)"
        r"|me telephoner|tel (?:moi|nous)|(?:me|nous) joindre|me contacter|bigophone\w* moi"
        r"|passe[rz]? (?:moi|nous) un (?:coup de fil|coup de fil|appel|call|tel|coup de tel)|biper"
        r"|contactez moi"
        r"|(?:je suis |suis )?joignable (?:au|le|demain|ce|cet|cette|toute|apres|avant|entre|ici"
        rf"|sur|par|{_WEEKDAY})|(?:je vous|on vous|je t') (?:ap{{1,2}}el{{1,2}}e|rap{{1,2}}el{{1,2}}e"
        r"|telephone) "
        rf"(?:{_DAY}|la semaine|\d+|dans|en fin|en debut|vers|a)",
        3,
    ),
    # A meeting asked for, not "rendez-vous" as a topic ("la prise de rendez-vous", "vos rdv").
    (
        _M,
        "fr:rdv",
        r"(?<!de\s)(?<!des\s)(?<!les\s)(?<!vos\s)(?<!mes\s)(?<!nos\s)(?<!ses\s)(?<!aux\s)(?<!en\s)"
        r"(?:r\.?d\.?v|rendez vous)(?! (?:en ligne|clients?|patients?))",
        3,
    ),
    (
        _M,
        "fr:prendre rendez-vous",
        r"(?:prendre|fixer|caler|planifier|organiser|programmer|poser|convenir d'|bloquer|reserver|trouver) "
        r"(?:un |une |le |la |un petit |une petite )?(?:rdv|rendez vous|creneau|appel|call|visio|reunion"
        r"|meeting"
        r"|demo|entretien|echange|date|moment|point|heure)",
        3,
    ),
    (
        _M,
        "fr:on peut se voir",
        r"(?:on|qu'on|nous) (?:peut |pourrait |pourra |pourrions |pouvons |devrait )?"
        r"(?:se voir|se rencontrer|se parler|se capter|s'appeler|s'appelle|en parler|en discuter|se retrouver"
        r")|(?:se (?:fait|faire|prend|programme|cale|caler|bloque)|s'organise) (?:un|une) (?:petit |petite )?"
        r"(?:point|cafe|call|appel|visio|dej|dejeuner|rdv|reunion|creneau|demo|rencontre|echange|moment)"
        r"|(?:peut|pourrait) on (?:se voir|se rencontrer|se parler|s'appeler|en parler|en discuter)"
        r"|se voir|se rencontrer|se retrouver|(?:vous|nous) rencontrer|en discuter de vive voix"
        r"|(?:prendre|boire) un (?:cafe|verre)|autour d'un cafe|un (?:cafe|dej|dejeuner|point) ensemble"
        r"|(?:on|nous) se (?:voit|verra|verrait|retrouve|retrouvera|capte|parle|rencontre|cale|fait signe)"
        r"|(?:on|nous) se (?:call|phone|tel|fait un call)",
        3,
    ),
    (
        _M,
        "fr:venez nous voir",
        r"(?:venez|passez|venir|passer|viens|passe) (?:nous |me )?(?:voir|rendre visite|faire un tour)"
        r"|(?:venez|passez|viens|passe|venir|passer) (?:a|au|a la|a l'|chez|dans|sur|en) (?:la |le |l'|notre "
        r"|nos |mon |ma |moi|nous)?(?:\w+ )?(?:boutique|magasin|atelier|bureau|bureaux|salon|agence|showroom"
        r"|cabinet|institut|entrepot|usine|restaurant|local|locaux|stand|siege|ferme|domaine|garage|moi"
        r"|nous|cafe|centre|clinique|studio|spa|hotel|ecole|pharmacie|boulangerie|depot)"
        r"|(?:pouvez|pourriez|voulez|souhaitez) vous (?:passer|venir)|vous pouvez (?:passer|venir)"
        r"|(?:je|on) (?:peux|peut|pourrais|pourrait|passe|passerai|viens|viendrai) (?:passer|venir|vous voir)"
        r"|quand (?:pouvez|pourriez|voulez|souhaitez|pourrez) vous (?:venir|passer|nous|me|m')",
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
        r"dispos?|disponibilites?|libres? (?:ce |cette |le |la |demain|lundi|mardi|mercredi|jeudi|vendredi"
        r"|\d+)"
        r"|(?:suis|sommes|etes|es|serai|serais|serons|seriez|seras|serez) (?:vous |tu |nous )?disponibles?"
        rf"|disponibles? (?:pour|cette|la semaine|ce|le|{_DAY})",
        2,
    ),
    (
        _M,
        "fr:un appel",
        r"(?:un|une|petit|petite|ptit) (?:petit |petite |rapide |court |courte |bref )?"
        r"(?:appel|call|coup de (?:fil|tel|telephone)|echange|reunion|meeting|entretien|creneau)"
        r"|par (?:tel|telephone|visio|teams|zoom|meet)|au (?:tel|telephone)",
        2,
    ),
    (_M, "fr:visio", r"visio\w*|demo|demonstration|zoom|teams|google meet|skype", 2),
    (
        _M,
        "fr:ca vous va",
        r"(?:ca|cela|sa) (?:vous|vs|te) (?:va|irait|convient|conviendrait|dit|arrange)"
        r"|(?:vous|te) (?:convient|conviendrait|arrange|arrangerait)",
        2,
    ),
    (
        _M,
        "fr:plutot jeudi",
        rf"plutot (?:{_DAY}|la semaine|en (?:fin|debut) de|vers|a \d+|{_DAYPART}|\d+)"
        rf"|(?:{_WEEKDAY}|demain) (?:prochain )?(?:{_DAYPART}|prochain)|(?:en|en fin de"
        rf"|en debut de) {_DAYPART}"
        rf"|(?:la semaine|lundi|mardi|mercredi|jeudi|vendredi) prochaine?|next (?:week|{_WEEKDAY})"
        rf"|(?:how|what) about (?:{_DAY}|next|this|\d+)|(?:{_DAY}) (?:then|instead|works|is better"
        r"|would work)"
        rf"|(?:tomorrow|{_WEEKDAY}) {_DAYPART}|this (?:week|{_WEEKDAY})|cette semaine",
        2,
    ),
    (
        _M,
        "any:day+time",
        rf"{_DAY} (?:a |vers |at |around |des |@ )?{_TIME}|(?:a|vers|at|around|@|on dit|disons|say"
        rf"|let's say) {_TIME}"
        r"|(?:call|appel|tel|visio|zoom|teams|meeting|demo|point|cafe|coffee|lunch|dej) "
        rf"(?:{_DAY}|next|this|cette|ce|la semaine)",
        2,
    ),
    (_M, "any:day", rf"{_WEEKDAY}", 1),
    (
        _M,
        "en:call me",
        r"(?:call|ring|phone) (?:me|us)(?: back)?|give (?:me|us) a (?:call|ring|buzz|shout)"
        r"|call back|reach me (?:at|on)|(?:can|could|would|will) you (?:call|ring|phone)|call (?:my"
        r"|our) (?:cell"
        r"|mobile|office|number)|(?:text|whatsapp) me (?:when|your|to)|i'll call you (?:on|at|tomorrow|next"
        r"|this)"
        r"|(?:text|txt|sms|whatsapp|ping|message) me (?:tomorrow|tmrw|tmr|later|tonight|at|when|this|on"
        r"|next)"
        r"|call (?:me |us )?(?:whenever|anytime|any time)|appele[zr]? (?:moi |nous )?quand (?:vous voulez"
        r"|tu veux)",
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
        r"(?:schedule|set up|setup|arrange|organi[sz]e|plan|hop on|jump on|get on|have|do|grab|find|book) "
        r"(?:a |an |some |a quick |a short |\d+ )?(?:\w+ )?(?:call|meeting|demo|appointment|chat"
        r"|time to (?:talk"
        r"|chat|meet)|coffee|lunch|slot|zoom|teams|minutes|mins|min|visit)"
        r"|can (?:we|i) (?:talk|speak|chat|meet|call|do a|have a|set up|schedule|book|hop|jump|get on"
        r"|catch up"
        r"|discuss|go over|walk through)"
        r"|(?:could|would) (?:we|i) (?:talk|speak|chat|meet|call|catch up|hop on|jump on)|(?:chat|talk|call"
        r"|speak|catch up) (?:this (?:afternoon|morning|evening|week)|tomorrow|later today|next week)",
        3,
    ),
    (
        _M,
        "en:come by",
        r"(?:come|drop|stop|swing|pop|pass) (?:by|over|in|round|around)|come (?:and |to )?(?:see|visit"
        r"|meet) (?:us|me)"
        r"|(?:visit|see) (?:us|me) at|(?:meet|see you) (?:at|in) (?:the|our|my|your)|come to (?:the|our|my) "
        r"(?:shop|store|office|studio|workshop|warehouse|showroom|salon|place)"
        r"|(?:can|could|would|will) you (?:come|stop by|pop|drop|swing|visit|pass)|come to (?:our"
        r"|my) (?:site|premises|offices?|place|factory|warehouse|clinic)",
        3,
    ),
    (
        _M,
        "en:let's talk",
        r"let's (?:talk|chat|connect|meet|discuss|speak|catch up|do a call|set something up|find a time"
        r"|schedule"
        r"|book|get together|hop|jump)|talk soon|speak soon|(?:happy|glad|keen) to (?:talk|chat|meet"
        r"|discuss)",
        3,
    ),
    (
        _M,
        "en:when are you free",
        r"when (?:are|would|will) you (?:be )?(?:free|available|around)|what time (?:works|suits|is good)"
        r"|when (?:works|suits) (?:for )?you|(?:does|would|will) (?:\w+ ){1,2}(?:work|suit) (?:for )?you"
        r"|works for you|(?:are you|you) (?:free|around|available) (?:on|this|next|tomorrow|today|at|for"
        r"|later)",
        3,
    ),
    (
        _M,
        "en:meet",
        r"meet(?:ing|ings|up)?|appointment|(?:a|quick|phone|video|zoom|teams) call|a demo|catch up"
        r"|(?:a |quick |short )(?:zoom|teams|skype|google meet|video call|visio)|on the phone",
        2,
    ),
    (
        _M,
        "en:available",
        r"(?:i'm|i am|we're|we are|i'll be|i will be|i'd be|im) (?:available|free)|availability"
        rf"|available (?:on|next|this|{_DAY})|free (?:to (?:talk|chat|meet)|on|next|this|tomorrow|today"
        rf"|{_WEEKDAY})",
        2,
    ),
    # --- interested: acceptance with or without "intéressé"
    (_I, "fr:ca m'interesse", rf"(?:(?:ca|sa|cela|ceci) )?(?:m'|nous ){_INTERESS}e(?:rait|nt|r)?", 3),
    (_I, "fr:interesse", rf"{_INTERESS}ee?s?", 3),
    (_I, "fr:interessant", rf"{_INTERESS}ante?s?", 2),
    (
        _I,
        "fr:partant",
        r"partante?s?|banco|chaud(?:e|s)? pour|je suis chaud\w*|on y va|allons y|c'est parti"
        r"|(?:je suis |on est |nous sommes )?preneu(?:r|se|rs|ses)",
        3,
    ),
    (
        _I,
        "fr:on signe",
        r"(?:on|je|nous) (?:signe|signons|valide|validons|commande|commandons|(?:le |la |les )?prend(?:s"
        r"|ons)?"
        r"(?! (?:note|conge|des|mes|ma|bonne)))|vendu|ou (?:est ce que )?je signe"
        r"|je (?:veux|voudrais|souhaite|souhaiterais) (?:commander|souscrire|m'abonner|m'inscrire|essayer"
        r"|tester"
        r"|le (?:prendre|tester|commander)|en profiter|y aller|avancer|aller plus loin|demarrer|lancer"
        r"|signer)"
        r"|(?:on|nous) (?:peut|pouvons|va|allons) (?:lancer|demarrer|avancer|commencer|signer|y aller"
        r"|essayer|tester)"
        r"|go pour|ok go|c'est go|on go|faisons le|faisons ca|marche conclu|affaire conclue|valide pour moi"
        r"|on part (?:la dessus|sur (?:ca|cette|votre))|je suis (?:pour(?! (?:le|la|l'|un|une|les))|ok"
        r"|d'accord)"
        r"|(?:je|nous|on) (?:veux|voudrais|souhait\w*|aimer\w*|voulons|voudrions|desir\w*) (?:bien )?"
        r"(?:aller plus loin|avancer|commencer|demarrer|lancer|essayer|tester|souscrire|commander|signer)"
        r"|inscri\w* (?:moi|nous)|vas y|tente[rz]? le coup|on tente|essayons|c'est valide|valide (?:de"
        r"|pour) (?:notre"
        r"|mon|nous)|vous pouvez (?:lancer|commencer|demarrer|y aller|proceder|envoyer le contrat)|feu vert"
        r"|retenu (?:toute )?(?:notre|mon) attention"
        r"|(?:exactement|tout a fait|pile) ce (?:qu'il|dont) (?:nous|me|on|j')|ca tombe (?:bien|a pic"
        r"|parfaitement)"
        r"|(?:on|je|nous) cherch\w* (?:justement|exactement|precisement)|justement (?:on|je|nous) cherch\w*"
        r"|je suis dedans|prochaines? etapes?|(?:d'accord|ok|partant|go|oui) pour (?:la|le|l'|votre|cette"
        r"|ce) "
        r"(?:demo|essai|test|offre|proposition|devis|formule|abonnement)"
        r"|envoye[rz]? (?:moi|nous|nous en|moi en)? ?(?:le|la|les|votre|vos) (?:devis|contrat"
        r"|bon de commande|facture"
        r"|lien|formulaire|rib)"
        r"|(?:on|nous) (?:fait|fais|faisons) comme (?:ca|cela|vous dites|convenu)|let's do that"
        r"|(?:on|nous) (?:fait|fais|faisons) (?:ca|cela)(?= ?(?:[.,!]|$))"
        r"|comment (?:on fait|faire|proceder|ca se passe|on procede) pour (?:commencer|demarrer|s'inscrire"
        r"|souscrire|commander|signer|avancer|en profiter|lancer|le mettre en place)"
        r"|(?:quelle est|c'est quoi) la (?:suite|prochaine etape)"
        r"|bon pour accord|(?:devis|proposition|offre|contrat|conditions) (?:est )?acceptee?s?|j'accepte"
        r"|nous acceptons|on accepte|allez go|j'ai hate|hate de (?:commencer|demarrer|tester|essayer"
        r"|travailler)"
        r"|(?:contrat|devis|bon de commande|bdc|proposition|offre) (?:\w+ )?(?:signee?|validee?|paraphee?)"
        r"|envoye[rz]? (?:toujours|donc)(?= ?(?:[.,!]|$))"
        r"|(?:m'avez|nous avez|m'as|nous as) convaincue?s?|(?:je suis|on est|nous sommes) convaincue?s?"
        r"|(?:je|on|nous) (?:le|la|les) (?:veux|veut|voulons|prends|prend|prenons)",
        3,
    ),
    (_I, "fr:oui", r"ou{1,2}i{1,2}|ouais|ouai|ouep|oue|wi", 2),
    (_I, "fr:d'accord", r"d'accord|dac{1,2}(?:ord)?|dak|ca marche|ca roule|ok pour\w*", 2),
    (
        _I,
        "fr:ca me va",
        r"(?:ca|cela|sa) (?:me|nous) (?:va|convient|dit|plait|tente|parle|botte|interesse)",
        2,
    ),
    (
        _I,
        "fr:avec plaisir",
        r"avec (?:grand )?plaisir|volontiers|je veux bien|nous voulons bien|on veut bien|carrement|bonne idee"
        r"|trop bien|j'adore|j'aime bien|excellente idee|top ca|ca a l'air (?:top|bien|super|genial"
        r"|interessant)",
        2,
    ),
    (_I, "fr:pourquoi pas", r"pourquoi pas|pas contre", 2),
    (
        _I,
        "fr:en savoir plus",
        r"en savoir (?:un peu |bien |beaucoup )?(?:plus|davantage)|plus d'inf?os?|plus d'informations?"
        r"|curieu(?:x|se) d'en savoir"
        r"|plus de (?:details|precisions|renseignements)|(?:la|votre|une|vos) (?:doc|documentation|brochure"
        r"|plaquette|catalogue)s?|envoye[rz]? (?:moi|nous) (?:\w+ )?(?:infos?|informations?|doc\w*|brochure"
        r"|plaquette|offre|proposition|catalogue)",
        2,
    ),
    (_I, "fr:super", r"su{1,2}per|parfait|genial|nickel|top|excellent|chouette|cool", 1),
    (_I, "any:ok", r"ok{1,2}(?:i{1,2}|ay|ey|e)?", 1),
    (_I, "en:interested", r"inte?re?st?ed|keen|intrigued|curious", 3),
    (
        _I,
        "en:sounds good",
        r"sounds (?:good|great|interesting|perfect|like a plan|cool|nice|fine|awesome|amazing|excellent"
        r"|promising)"
        r"|(?:that|this|it) (?:sounds|looks) (?:good|great|interesting|promising|awesome)|works for me"
        r"|count (?:me|us) in"
        r"|(?:i'm|im|i am|we're|we are) (?:all )?in(?= ?(?:[.,!]|$|for|too))|let's do (?:it|this)|let's go"
        r"|go ahead|go for it|i'd love (?:to|that|a|one)|i would love (?:to|that)"
        r"|deal(?= ?(?:[.,!]|$))|(?:it's|thats|that's) a deal|sign (?:me|us) up|where do i sign"
        r"|let's (?:proceed|move forward|get started|start|try)|give it a (?:go|try|shot)|up for it"
        r"|green light"
        r"|(?:happy|ready|keen) to (?:proceed|move forward|go ahead|start|sign|try|get started)|next steps?"
        r"|(?:we|i) (?:were|was|are|am|'re|'m) (?:just |actually )?looking for (?:something|a solution"
        r"|exactly"
        r"|this|a tool|someone)|perfect timing|exactly what (?:we|i)|just what (?:we|i)"
        r"|(?:we'd|i'd|we would|i would) love to"
        r"|(?:i'd|we'd|i would|we would) like to (?:proceed|order|buy|sign up|subscribe|try|go ahead"
        r"|move forward"
        r"|get started|start)|i'm sold|sold(?= ?(?:[.!]|$))|love (?:it|this|the idea)|(?:i|we) like (?:it"
        r"|this|the idea)"
        r"|send (?:me|us|over) (?:the|your) (?:contract|agreement|invoice|paperwork|order form|quote|proposal"
        r"|link|form|terms)"
        r"|(?:ok|okay|fine|good|great) (?:by|with|for) (?:me|us)"
        r"|how (?:to|do (?:we|i)|can (?:we|i)|should (?:we|i)) (?:proceed|get started|start|sign up|order"
        r"|subscribe|move forward|sign)"
        r"|(?:we|i) (?:accept|agree to)|(?:offer|proposal|quote|terms) (?:is )?accepted"
        r"|accepted(?= ?(?:[.,!]|$))"
        r"|let's roll|can't wait to (?:start|try|get started|begin"
        r"|work)|looking forward to (?:working|starting|getting started)"
        r"|signed (?:the )?(?:contract|agreement|quote|proposal|order form)|(?:contract|agreement|quote"
        r"|proposal) (?:is )?signed"
        r"|(?:move|go|push|press) ahead|let's move forward"
        r"|send (?:it|them|that|this) (?:over|through|across|my way)"
        r"|(?:i'm|we're|i am|we are) on board|looks good to (?:me|us)|lgtm|ship it|(?:we|i) (?:want|need"
        r"|'ll take|will take) (?:it|this|one)(?= ?(?:[.,!]|$))",
        3,
    ),
    (_I, "en:yes", r"yes|yess|yep|yeah|yup|sure|of course|absolutely|definitely|why not|yea", 2),
    (
        _I,
        "en:tell me more",
        r"tell me more|more (?:info|information|details)|(?:love|like) to (?:learn|know|hear) more"
        r"|send (?:me |us )?(?:more |some |the |a |your )?(?:info|information|details|deck|brochure"
        r"|documentation|proposal|catalog|catalogue)",
        2,
    ),
    (_I, "en:great", r"great|perfect|awesome|cool|excellent|amazing|nice", 1),
    # --- question: price, quote, feature, delay, compatibility, with or without a question mark
    (_Q, "fr:combien", r"combien|cbn|cb", 2),
    (_Q, "fr:prix", r"prix|chiffrage|chiffree?s?|estimation|montant", 2),
    (_Q, "fr:tarif", r"tarif\w*|grille tarifaire", 2),
    (_Q, "fr:devis", r"devis", 2),
    (_Q, "fr:cout", r"couts?|coute(?:nt|rait|raient|ra)?", 2),
    (
        _Q,
        "fr:abonnement",
        r"abonnements?|engagements?|sans engagement|par mois|mensu\w*|payant|gratuit\w*|essai|remise"
        r"|reduction"
        r"|frais (?:de|d')|ht|ttc|facturation|facture\w*|paiement|payer",
        2,
    ),
    (_Q, "fr:livraison", r"livr(?:aison|aisons|ez|er|ons|e)", 2),
    (_Q, "fr:delai", r"delais?|sous combien de temps|en combien de temps|mise en place|installation", 2),
    (
        _Q,
        "fr:compatible",
        r"compatib\w*|s'integre\w*|integration|integrer|fonctionne (?:avec|sur)|marche (?:avec|sur)"
        r"|connect\w* (?:a|avec)|synchroni\w*|interface\w* avec|fonctionnalit\w*|option\w*|api",
        2,
    ),
    (_Q, "fr:est-ce que", r"est ce qu(?:e|')|eske|esque|qu'est ce|c'est quoi|c quoi", 2),
    (
        _Q,
        "fr:comment",
        r"comment (?:ca|cela|vous|faire|fonctionne|marche|on|ils|elle|se passe|fonctionnez|procedez|proceder)"
        r"|a quoi (?:ca|cela) sert|(?:ca|cela) fait quoi|quel(?:le)?s? (?:est|sont|serai(?:en)?t|type|genre"
        r"|sorte"
        r"|difference|avantages?|garanties?|conditions)"
        r"|(?:ca|cela) (?:marche|fonctionne) comment|comment (?:ca|cela) (?:marche|fonctionne)",
        2,
    ),
    (
        _Q,
        "fr:une question",
        r"(?:une|des|quelques|petite) questions?|(?:j'aimerais|je voudrais|je souhaiterais"
        r"|pourriez vous (?:me |m')"
        r"|pouvez vous (?:me |m')) ?(?:savoir|dire|preciser|expliquer|indiquer|confirmer)|savoir si"
        r"|heberge\w*|hebergement|conforme\w*|securis\w*|exporter|importer|support technique",
        2,
    ),
    (
        _Q,
        "fr:inversion",
        r"(?:avez|faites|proposez|pouvez|pourriez|acceptez|travaillez|etes|seriez|auriez|livrez|gerez"
        r"|fournissez|vendez|intervenez|installez|couvrez|prenez) vous|y a t il|est il possible|peut on"
        r"|c'est possible|(?:vous|tu) (?:avez|faites|proposez|gerez|livrez|acceptez|travaillez|intervenez"
        r"|installez"
        r"|couvrez|prenez|fournissez|vendez|fais|as|geres|livres) (?:un|une|des|le|la|les|aussi|en|a|dans|sur"
        r"|avec|quoi)|(?:il y a|y a|ya|y'a) (?:un|une|des|t il|moyen)"
        r"|(?:peut|pourrait|sait|fait|gere|permet|propose|inclut|comprend) (?:il|elle|on)",
        1,
    ),
    (
        _Q,
        "en:how much",
        r"how (?:much|many)|let's talk (?:pricing|price|prices|money|numbers|costs?|budget|rates)",
        2,
    ),
    (
        _Q,
        "en:price",
        r"prices?|pricing|priced|rates?|fees?|subscription|per month|monthly|discount|(?:which|what|monthly"
        r"|annual|yearly|pricing) plans?",
        2,
    ),
    (_Q, "en:cost", r"costs?|costing|free trial|trial", 2),
    (_Q, "en:quote", r"quotes?|quotation|estimate", 2),
    (_Q, "en:delivery", r"delivery|deliver|shipping|ship|lead time|turnaround|set ?up time|onboarding", 2),
    (
        _Q,
        "en:compatible",
        r"compatib\w*|integrat\w*|(?:does|do|will|can|would) (?:it|this|that|you|your \w+) (?:work|sync"
        r"|integrate"
        r"|connect|plug|play|run) (?:with|into|to|on)|features?|(?:do you|does it|does this) support|api",
        2,
    ),
    (_Q, "en:how does", r"how (?:does|do|long|soon|can|would|quickly|fast)", 2),
    (
        _Q,
        "en:question",
        r"(?:a|quick|one|some|few|couple of) questions?|(?:i'd|i would|we'd) like to know|wondering (?:if"
        r"|whether"
        r"|about|how|what)|can you (?:tell|explain|clarify|confirm)|what (?:is|are|'s|would|does|kind|type"
        r"|about)"
        r"|where (?:is|are|do|does|can)|can (?:we|i) (?:\w+ )?(?:export|import|use|get|pay|cancel|try|add"
        r"|change"
        r"|customi[sz]e|connect|integrate|keep|switch|upgrade|downgrade)|hosted|hosting|compliant|compliance"
        r"|secure|security|support team|training|onboard\w*",
        2,
    ),
    (_Q, "en:do you", r"(?:do|does|can|could|will|is|are) (?:you|it|they|there|this|your)", 1),
    # --- neutral: who is writing, how they got the number; the message is about the sender, not the offer
    (
        _Z,
        "fr:c'est qui",
        r"c'est qui|qui est ce|qui etes vous|vous etes qui|t'es qui|tu es qui|qui (?:me |m')ecrit|qui parle"
        r"|de la part de qui|c'est de la part|qui vous a (?:donne|communique|transmis)|c'est pour quoi"
        r"|(?:ou|comment) (?:avez vous|vous avez|as tu|tu as) (?:eu|trouve|obtenu|recupere) (?:mon|mes|ce)"
        r"|(?:vous etes|c'est) (?:de )?quelle (?:societe|entreprise|boite|agence|marque)|on se conna\w*"
        r"|je ne vous connais pas|(?:mauvais|faux) numero|erreur de (?:numero|destinataire|personne)"
        r"|(?:vous vous etes|vous faites) (?:trompe|erreur)\w*|qui etes vous"
        r"|c'est (?:bien )?(?:moi|lui|elle)|oui c'est (?:bien )?(?:moi|lui|elle|ca)|c'est a quel sujet"
        r"|a quel sujet"
        r"|c'est a propos de quoi|de quoi s'agit il|c'est quoi (?:ce|cette) (?:message|sms|mail|numero)"
        r"|(?:je suis |suis )?(?:en (?:reunion|rdv|rendez vous|clientele|consultation|rendez vous client"
        r"|rdv client)"
        r"|occupee?|au volant)(?! (?:jusqu|toute la|tout le|cette semaine))"
        r"|qui est (?:a l'appareil|la)|(?:quelle|which|what) (?:entreprise|societe|boite|company|agence"
        r"|marque|business)(?= ?(?:[.?!]|$))"
        r"|vous m'avez (?:ecrit|appele|contacte|envoye|laisse)|you (?:texted|called|emailed|messaged"
        r"|contacted) me"
        r"|je (?:ne )?comprends? (?:pas|rien)|pas compris|i don't understand"
        r"|c (?:ki|qui)|ki (?:e|es|est) (?:tu|vous|ce)|t'?(?:es )?ki|qui c|kiki",
        3,
    ),
    (
        _Z,
        "en:who is this",
        r"who (?:is|'s|s) (?:this|that|it|speaking|texting|messaging|writing)|who are you|whos this"
        r"|(?:how|where) (?:did|do) you (?:get|find|obtain) (?:my|this)|do i know you|who (?:gave|sent) you"
        r"|(?:which|what) company (?:is this|are you)|wrong (?:number|person)|you have the wrong"
        r"|(?:yes |yeah |yep )?(?:it's|this is|that's) (?:me|him|her)|speaking|what is this (?:about"
        r"|regarding"
        r"|concerning)|what's this (?:about|regarding)|what is it about|(?:i'm|i am|im) (?:in a (?:meeting"
        r"|call)"
        r"|busy|driving|with a (?:client|customer|patient))"
        r"|who (?:dis|dat|this)|(?:are )?(?:u|you) there",
        3,
    ),
    (
        _Z,
        "fr:je reviens vers vous",
        r"je (?:reviens|reviendrai|vous recontacte|vous redis|vous tiens au courant|vous dirai|vous dis"
        r"|regarde"
        r"|vais regarder|vais (?:y )?reflechir|reflechis|en parle|vais en parler|vais voir|verrai|transmets"
        r"|transfere|fais suivre)(?: vers vous| ca| cela| avec| a)?|(?:on|nous) (?:va"
        r"|allons) (?:y )?reflechir"
        r"|laissez moi (?:reflechir|le temps|regarder)",
        3,
    ),
    (
        _Z,
        "en:i'll get back to you",
        r"(?:i'll|i will|we'll|we will|let me|i need to|i have to|i'd like to) (?:get back to you"
        r"|think (?:about it"
        r"|it over)|have a look|take a look|look into it|discuss (?:it |this )?with|check with|run it by"
        r"|talk to"
        r"|circle back|review|forward)|(?:give me|need) (?:some )?time to think"
        r"|pass (?:it|this|that|them) (?:on|along)|forward (?:it|this|that) to"
        r"|(?:is this|is it|c'est|est ce) (?:a |une |un )?(?:scam|arnaque|joke|blague|bot|robot|real"
        r"|serieux)",
        3,
    ),
    (
        _Z,
        "any:thanks for the meeting",
        r"(?:merci|thanks|thank you) (?:pour|for) (?:la|le|l'|the|votre|your|ce|cette|this|our"
        r"|notre) (?:\w+ )?"
        r"(?:demo|demonstration|visio|call|appel|rdv|rendez vous|echange|meeting|presentation|chat)",
        1,
    ),
    (
        _Z,
        "any:opening hours",
        rf"(?:du |from )?{_WEEKDAY} (?:au|to|a|-) {_WEEKDAY}(?:,? (?:de |from )?{_TIME} ?(?:a|to"
        rf"|-) ?{_TIME})?"
        rf"|(?:de |from )?{_TIME} ?(?:a|to|-) ?{_TIME}|(?:horaires?|opening hours|office hours|ouvert|open)"
        rf"(?: \w+){{0,3}} {_WEEKDAY}",
        1,
    ),
)

# (name, phrase, weight): a machine's answer that is not an absence notice (an auto-acknowledgement, a
# ticket, a delivery or read receipt). Such a text is neutral and marked automatic: it counts as no reply.
AUTOMATIC: tuple[tuple[str, str, int], ...] = (
    (
        "fr:message automatique",
        r"(?:reponse|message|mail|e mail|email|courriel|accuse de reception) (?:\w+ )?automatique"
        r"|(?:ceci est|ce message est|il s'agit d') (?:un|une) (?:\w+ )?automatique|genere automatiquement"
        r"|envoye automatiquement|merci de ne pas (?:y )?repondre|ne (?:pas )?repondez pas|ne pas repondre"
        r"|ne peut (?:pas )?recevoir de (?:reponse|message)|adresse (?:non surveillee|no reply|noreply)",
        4,
    ),
    (
        "fr:bien recu votre message",
        r"(?:nous avons|avons) bien (?:recu|pris en compte|enregistre) (?:votre|ta|vos) (?:\w+ )?"
        r"(?:message|demande|mail|e mail|email|courriel|requete|sollicitation|candidature|commande)"
        r"|(?:votre|ta) (?:message|demande|mail|e mail|requete) (?:a (?:bien )?ete|est) (?:bien )?"
        r"(?:recu|enregistre|transmis|pris en compte)e?"
        r"|(?:vous|nous vous) (?:repondr\w*|recontacter\w*|contacter\w*|reviendr\w*|traiter\w*) (?:\w+ ){0,3}"
        r"(?:dans les (?:meilleurs|plus brefs) delais|sous \d+|au plus vite|rapidement|des que possible)"
        r"|(?:numero de |n )?(?:ticket|dossier|demande|reference) (?:n ?)?(?:#|no?|n°|numero )?\s?\d{3,}"
        r"|accuse de (?:reception|lecture)|(?:message|mail) (?:lu|remis|delivre)|avis de (?:reception|remise)"
        r"|(?:notre|nos) (?:equipe|service|conseillers?) (?:\w+ ){0,3}(?:reviendr|repondr|traiter)\w*"
        r"|accus\w* (?:bonne )?reception|(?:traitee?s?|repondue?s?"
        r"|recontacte\w*) (?:\w+ )?dans les (?:meilleurs|plus brefs) delais",
        4,
    ),
    (
        "en:automated response",
        r"(?:this is an?|this) (?:\w+ )?(?:automated|automatic|auto generated|autogenerated) (?:\w+ )?"
        r"(?:response|reply|message|email|e mail|notification|acknowledg\w+)|auto ?reply|autoreply"
        r"|auto ?response"
        r"|automatic (?:reply|response|message)|automated (?:reply|response|message)|(?:do not|don't"
        r"|please do not)"
        r" reply|noreply|no reply (?:address|email|mailbox)|(?:mailbox|inbox|address) is (?:not monitored"
        r"|unmonitored)|unmonitored",
        4,
    ),
    (
        "en:we received your message",
        r"(?:we have|we've|we) (?:received|got) your (?:\w+ )?(?:message|request|email|e mail|enquiry|inquiry"
        r"|ticket|query|submission)|(?:we|someone|a member of our team|our team) will (?:get back to"
        r"|respond to|reply to"
        r"|contact|be in touch with) you (?:\w+ ){0,3}(?:within|shortly|as soon as|soon|in \d+)"
        r"|(?:ticket|case|request|reference) (?:number |no |#|id )?#?\s?\d{3,}|(?:ticket|case) (?:has been"
        r"|was) "
        r"(?:created|opened|received)|(?:delivery|read) (?:receipt|notification)|message (?:was )?"
        r"(?:delivered|read)|has been (?:delivered|read)|(?:undeliverable|delivery (?:has )?failed"
        r"|mailer daemon)"
        r"|delivery status notification|(?:mail )?delivery (?:has )?failed|undeliverable"
        r"|mail delivery (?:failed|subsystem)|mailer daemon"
        r"|returned mail|non remis|echec de (?:la )?remise|message non distribue"
        r"|notification d'etat de remise",
        4,
    ),
    (
        "en:thank you for contacting us",
        r"(?:thank you|thanks) for (?:contacting|reaching out to|writing to|getting in touch with) us"
        r"|merci (?:de nous avoir|d'avoir) (?:contacte|ecrit|sollicite)",
        2,
    ),
)

_ACKNOWLEDGEMENT = (
    r"(?:ok{1,2}(?:ay|ey|i)?|d'accord|dac{1,2}|entendu|compris|bien note|note|c'est note|bien recu|recu|noted"
    r"|got it|received|understood|well received|vu|lu)"
)

# (intent, name, keyword regex, weight) for keyword-only messages: the opt-out words of
# maxcore.rules.keywords, a bare "no", a bare "go", and bare acknowledgements (neutral).
KEYWORDS: tuple[tuple[Intent, str, str, int], ...] = (
    *(
        (_U, f"sms:{w.word.upper()}", "|".join(re.escape(s) for s in (w.word, *w.variants)), 5)
        for w in OPT_OUT_WORDS
    ),
    (_N, "fr:non", r"no{1,2}n|nan|nn|non non|niet", 3),
    (_N, "any:👎", r"👎+|❌|🙅\S*", 3),
    (_U, "any:🛑", r"🛑+|⛔+|🚫+", 5),
    (_N, "en:no", r"no{1,2}|nope|nah|no way", 3),
    (
        _Z,
        "any:confused",
        r"\?+|hein|quoi|what|huh|pardon|sorry|excuse me|eh|hm+|euh|uh|allo|hello|bonjour|hi",
        2,
    ),
    (_I, "any:go", r"go|go go|gogo|let's go|c'est parti|banco|deal", 3),
    (
        _Z,
        "any:acknowledgement",
        rf"{_ACKNOWLEDGEMENT}(?:[^a-z0-9]+(?:{_ACKNOWLEDGEMENT}|merci(?: beaucoup| bien)?|thanks|thank you"
        r"|cheers"
        r"|bonne journee|bonne soiree|have a nice day|a bientot|cordialement|bien a vous|regards|best))*",
        2,
    ),
)

EVERY_CHANNEL: tuple[tuple[str, str], ...] = (
    (
        "fr:nulle part",
        r"(?:ni|aucun|aucune) (?:par )?(?:sms|mail|e ?mail|courriel|telephone|appel|whatsapp|canal|moyen"
        r"|autre)"
        r"|plus du tout|plus jamais|(?:par |sur )?(?:aucun|tous les|quelque|n'importe quel) (?:canal|canaux"
        r"|moyen|moyens"
        r"|media|support)|de quelque (?:maniere|facon|sorte) que ce soit|nulle part|partout|sous aucune forme"
        r"|(?:tous|toutes) (?:vos |les )?(?:listes|fichiers|canaux|moyens|bases)|toutes vos communications",
    ),
    (
        "en:any channel",
        r"(?:any|every|all|no other) (?:channels?|means|medium|media|platforms?|way|form|method)|at all"
        r"|(?:all|any|every) (?:of )?(?:your )?(?:lists|communications|messages|channels)|anywhere|ever again"
        r"|(?:neither|nor) (?:by )?(?:sms|text|email|e mail|phone|call|whatsapp)|in any way|by any",
    ),
    (
        "any:two channels",
        rf"{_CHANNEL} (?:et|ni|ou|and|or|nor|&|/|,)? ?(?:par |de |d'|les |des |by |no |any |ni )?{_CHANNEL}",
    ),
)
"""(name, phrase): an opt-out that asks to stop on every channel, not only the one it came on."""
