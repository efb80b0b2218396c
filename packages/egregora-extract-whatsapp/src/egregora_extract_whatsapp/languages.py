"""Per-language phrase tables used to classify message bodies.

Data, not code: add a language by adding its phrases here (and a test line in
``tests/test_classify.py``). Patterns are Python regexes matched against the body with
invisible marks removed. In system patterns the named groups say who is involved:
``a`` is the actor, ``t`` a target (possibly "A, B and C"), ``t2`` a second target
(a new phone number). Group names and subjects are never captured as names.
"""

from __future__ import annotations

#: Words that mean "you" (the exporting phone's owner): never a member name.
YOU = {
    "you",
    "You",
    "your",
    "Your",
    "você",
    "Você",
    "voce",
    "Voce",
    "tú",
    "Tú",
    "tu",
    "Tu",
    "te",
    "Te",
    "du",
    "Du",
    "dich",
    "Dich",
    "vous",
    "Vous",
    "ti",
    "Ti",
}

#: Separators between several targets: "A, B and C", "A e B", "A y B", "A und B".
TARGET_SPLIT = r",\s+|\s+(?:and|e|y|und|et)\s+"

_Q = "[\"“”„«»']"

#: (subtype, pattern) tried in order; the first match wins.
SYSTEM: list[tuple[str, str]] = [
    # --- encryption notices (three generations, several languages)
    (
        "encryption",
        r"^Messages (?:and calls )?(?:to this group )?(?:are|were) (?:now )?(?:secured with )?end-to-end encrypt",
    ),
    ("encryption", r"^Messages to this (?:group|chat) are now secured with end-to-end encryption"),
    (
        "encryption",
        r"^As mensagens (?:e (?:as )?(?:ligações|chamadas) )?(?:deste grupo )?(?:são|estão|agora estão) protegidas com a criptografia de ponta a ponta",
    ),
    (
        "encryption",
        r"^Los mensajes (?:y (?:las )?llamadas )?(?:(?:en|de) este grupo )?(?:ahora )?están (?:cifrados|protegidos)",
    ),
    (
        "encryption",
        r"^Nachrichten (?:und Anrufe )?(?:in dieser Gruppe )?sind (?:jetzt )?(?:mit )?Ende-zu-Ende-verschlüssel",
    ),
    (
        "encryption",
        r"^Les messages (?:et (?:les )?appels )?(?:envoyés dans ce groupe )?sont (?:désormais )?chiffrés de bout en bout",
    ),
    (
        "encryption",
        r"^I messaggi (?:e le chiamate )?(?:(?:inviati )?in questo gruppo )?sono (?:ora )?(?:protetti con la )?crittografi",
    ),
    # --- created
    ("created", rf"^(?P<a>.+?) created (?:the )?group {_Q}.*{_Q}$"),
    ("created", r"^(?P<a>.+?) created (?:this|the) group$"),
    ("created", r"^(?P<a>.+?) criou (?:o|este) grupo(?: .*)?$"),
    ("created", r"^(?P<a>.+?) creó (?:el|este) grupo(?: .*)?$"),
    ("created", r"^Creaste (?:el|este) grupo(?: .*)?$"),
    ("created", r"^(?P<a>.+?) (?:hat|hast) (?:die|diese) Gruppe(?: .*)? erstellt$"),
    ("created", r"^(?P<a>.+?) (?:a|avez) créé (?:le|ce) groupe(?: .*)?$"),
    ("created", r"^(?P<a>.+?) ha(?:i)? creato (?:il|questo) gruppo(?: .*)?$"),
    # --- added / removed / left / joined
    ("added", r"^(?P<t>.+?) (?:was|were) added$"),
    ("added", r"^(?P<a>.+?) added (?P<t>.+)$"),
    ("added", r"^(?P<t>.+?) (?:foi adicionad[oa](?:\(a\))?|foram adicionad[oa]s(?:\(as\))?)$"),
    ("added", r"^(?P<a>.+?) adicionou (?P<t>.+)$"),
    ("added", r"^(?P<a>.+?) añadió a (?P<t>.+)$"),
    ("added", r"^Añadiste a (?P<t>.+)$"),
    ("added", r"^(?P<t>.+?) (?:fue añadido|se añadió)(?: al grupo)?$"),
    ("added", r"^(?P<a>.+?) (?:hat|hast) (?P<t>.+?) hinzugefügt$"),
    ("added", r"^(?P<t>.+?) wurden? hinzugefügt$"),
    ("added", r"^(?P<a>.+?) (?:a|avez) ajouté (?P<t>.+)$"),
    ("added", r"^(?P<a>.+?) ha(?:i)? aggiunto (?P<t>.+)$"),
    ("removed", r"^(?P<t>.+?) was removed$"),
    ("removed", r"^(?P<a>.+?) removed (?P<t>.+)$"),
    ("removed", r"^(?P<a>.+?) removeu (?P<t>.+)$"),
    ("removed", r"^(?P<t>.+?) foi removid[oa](?:\(a\))?$"),
    ("removed", r"^(?P<a>.+?) eliminó a (?P<t>.+)$"),
    ("removed", r"^Eliminaste a (?P<t>.+)$"),
    ("removed", r"^(?P<a>.+?) (?:hat|hast) (?P<t>.+?) entfernt$"),
    ("removed", r"^(?P<a>.+?) (?:a|avez) retiré (?P<t>.+)$"),
    ("removed", r"^(?P<a>.+?) ha(?:i)? rimosso (?P<t>.+)$"),
    ("left", r"^(?P<t>.+?) left$"),
    ("left", r"^(?P<t>.+?) saiu$"),
    ("left", r"^(?P<t>.+?) salió(?: del grupo)?$"),
    ("left", r"^Saliste(?: del grupo)?$"),
    ("left", r"^(?P<t>.+?) (?:hat|hast) die Gruppe verlassen$"),
    ("left", r"^(?P<t>.+?) (?:est parti|êtes parti)$"),
    ("left", r"^(?P<t>.+?) è uscit[oa]$"),
    ("joined", r"^(?P<t>.+?) joined (?:using|via|from) .*(?:link|community)"),
    ("joined", r"^(?P<t>.+?) joined$"),
    ("joined", r"^(?P<t>.+?) entrou (?:usando|pelo|por meio do) .*link"),
    ("joined", r"^(?P<t>.+?) entrou(?: no grupo)?$"),
    ("joined", r"^(?P<t>.+?) se unió (?:usando|mediante|con) .*enlace"),
    (
        "joined",
        r"^(?P<t>.+?) (?:ist|bist) (?:der Gruppe )?über (?:den|einen) Einladungslink beigetreten",
    ),
    ("joined", r"^(?P<t>.+?) (?:a|avez) rejoint .*lien"),
    ("joined", r"^(?P<t>.+?) si è unit[oa] .*link"),
    # --- subject / icon / description / settings / admin
    ("subject", r"^(?P<a>.+?) changed (?:the subject|the group name|this group's name)\b"),
    ("subject", r"^(?P<a>.+?) (?:mudou|alterou) o (?:nome|assunto)(?: do grupo)?\b"),
    ("subject", r"^(?P<a>.+?) cambió el (?:asunto|nombre)(?: del grupo)?\b"),
    ("subject", r"^(?P<a>.+?) (?:hat|hast) den (?:Betreff|Gruppennamen)\b.* geändert"),
    ("subject", r"^(?P<a>.+?) (?:a|avez) (?:modifié|changé) (?:le sujet|le nom du groupe)"),
    ("subject", r"^(?P<a>.+?) ha(?:i)? (?:modificato|cambiato) (?:l'oggetto|il nome del gruppo)"),
    (
        "icon",
        r"^(?P<a>.+?) (?:changed|deleted|removed) (?:this|the) group(?:'s)? (?:icon|photo|picture)",
    ),
    (
        "icon",
        r"^(?P<a>.+?) (?:mudou|alterou|apagou|removeu) (?:a imagem|o ícone|a foto) (?:deste|do) grupo",
    ),
    (
        "icon",
        r"^(?P<a>.+?) (?:cambió|eliminó) (?:el ícono|el icono|la imagen|la foto) (?:de este|del) grupo",
    ),
    ("icon", r"^(?P<a>.+?) (?:hat|hast) das Gruppenbild (?:geändert|gelöscht|entfernt)"),
    ("icon", r"^(?P<a>.+?) (?:a|avez) (?:modifié|changé|supprimé) l['’]icône"),
    ("icon", r"^(?P<a>.+?) ha(?:i)? (?:modificato|cambiato|eliminato) l['’]immagine"),
    ("description", r"^(?P<a>.+?) (?:changed|deleted) the group description"),
    ("description", r"^(?P<a>.+?) (?:mudou|alterou|apagou) a descrição do grupo"),
    ("description", r"^(?P<a>.+?) (?:cambió|eliminó) la descripción del grupo"),
    ("description", r"^(?P<a>.+?) (?:hat|hast) die Gruppenbeschreibung (?:geändert|gelöscht)"),
    ("description", r"^(?P<a>.+?) (?:a|avez) (?:modifié|supprimé) la description du groupe"),
    ("description", r"^(?P<a>.+?) ha(?:i)? (?:modificato|eliminato) la descrizione del gruppo"),
    ("settings", r"^(?P<a>.+?) changed (?:this group's|the group) settings"),
    ("settings", r"^(?P<a>.+?) (?:mudou|alterou) as configurações do grupo"),
    ("settings", r"^(?P<a>.+?) cambió (?:los ajustes|la configuración) del grupo"),
    ("settings", r"^(?P<a>.+?) (?:hat|hast) die Gruppeneinstellungen geändert"),
    (
        "admin",
        r"^You're now an admin$|^You are now an admin$|^Você agora é admin|^Ahora eres admin|^Du bist jetzt Admin",
    ),
    ("admin", r"^(?P<t>.+?) (?:is|are) (?:now|no longer) (?:an? )?admins?$"),
    ("admin", r"^(?P<t>.+?) (?:agora é|não é mais) admin"),
    ("admin", r"^(?P<t>.+?) (?:ahora es|ya no es) admin"),
    ("admin", r"^(?P<t>.+?) (?:ist jetzt|ist kein) Admin"),
    # --- number change, security code, disappearing messages
    (
        "number_changed",
        r"^(?P<t>.+?) changed (?:their phone number|to (?P<t2>.+?))(?:\.| to a new number| Tap|$)",
    ),
    (
        "number_changed",
        r"^(?P<t>.+?) mudou (?:seu número|o número|para (?P<t2>.+?))(?:\.|$| Toque)",
    ),
    ("number_changed", r"^(?P<t>.+?) cambió (?:su número|a (?P<t2>.+?))(?:\.|$| Toca)"),
    ("number_changed", r"^(?P<t>.+?) hat (?:die Telefonnummer|zu (?P<t2>.+?)) gewechselt"),
    ("security_code", r"^Your security code with (?P<t>.+?) changed"),
    ("security_code", r"^Seu código de segurança com (?P<t>.+?) (?:mudou|foi alterado)"),
    ("security_code", r"^Tu código de seguridad con (?P<t>.+?) cambió"),
    ("security_code", r"^Deine Sicherheitsnummer für (?P<t>.+?) hat sich geändert"),
    (
        "timer",
        r"^(?P<a>.+?) (?:turned on|turned off|changed|updated) (?:the )?disappearing messages?",
    ),
    (
        "timer",
        r"^(?P<a>.+?) (?:ativou|desativou|atualizou|alterou|mudou) (?:a duração d)?as mensagens temporárias",
    ),
    (
        "timer",
        r"^(?P<a>.+?) (?:activó|desactivó|cambió|actualizó) (?:la duración de )?los mensajes temporales",
    ),
    ("timer", r"^(?P<a>.+?) (?:hat|hast) selbstlöschende Nachrichten"),
    ("timer", r"^Disappearing messages (?:were|are) (?:turned on|turned off|on|off)"),
    # --- calls
    ("call", r"^(?:Missed (?:voice|video|group voice|group video) call|(?:Voice|Video) call)\b"),
    ("call", r"^(?:Chamada de (?:voz|vídeo)(?: perdida)?|Ligação de (?:voz|vídeo))\b"),
    ("call", r"^(?:Llamada (?:de voz|de video|perdida)(?: perdida)?|Videollamada)\b"),
    ("call", r"^(?:Verpasster )?(?:Sprachanruf|Videoanruf)\b"),
    # --- blocks and misc notices
    (
        "blocked",
        r"^You (?:blocked|unblocked) this contact|^Você (?:bloqueou|desbloqueou) este contato|^(?:Bloqueaste|Desbloqueaste) este contacto|^Du hast diesen Kontakt (?:blockiert|freigegeben)",
    ),
    (
        "notice",
        r"^(?:This (?:chat|group) is with an official business account|Waiting for this message|Aguardando mensagem|Esperando el mensaje|Warten auf diese Nachricht)",
    ),
]

#: Words that betray a system line mis-split at a ": " inside its body (Android).
SYSTEM_HINT = r"(?: (?:added|removed|changed|created|adicionou|removeu|mudou|alterou|criou|añadió|eliminó|cambió|creó) | hat | hast |[\"“„])"

# --- media ---------------------------------------------------------------------
#: Android "<Media omitted>" (no file in the export), per language.
MEDIA_OMITTED = [
    "Media omitted",
    "Mídia oculta",
    "Medien ausgeschlossen",
    "Multimedia omitido",
    "Médias omis",
    "Media omessi",
    "Media weggelaten",
    "Mediafiler utelatt",
    "Video message omitted",
    "Video note omitted",
    "imagen omitida",
    "archivo omitido",
    "Medya dahil edilmedi",
    "Файл пропущен",
    "Без медиафайлов",
]

#: iOS "image omitted" family: phrase -> subtype.
IOS_OMITTED = {
    "image omitted": "image",
    "video omitted": "video",
    "audio omitted": "audio",
    "sticker omitted": "sticker",
    "GIF omitted": "gif",
    "document omitted": "document",
    "imagem ocultada": "image",
    "vídeo oculto": "video",
    "áudio ocultado": "audio",
    "figurinha omitida": "sticker",
    "GIF oculto": "gif",
    "documento oculto": "document",
    "imagen omitida": "image",
    "video omitido": "video",
    "audio omitido": "audio",
    "sticker omitido": "sticker",
    "GIF omitido": "gif",
    "documento omitido": "document",
    "Bild weggelassen": "image",
    "Video weggelassen": "video",
    "Audio weggelassen": "audio",
    "Sticker weggelassen": "sticker",
    "GIF weggelassen": "gif",
    "Dokument weggelassen": "document",
    "image absente": "image",
    "vidéo absente": "video",
    "audio omis": "audio",
    "immagine omessa": "image",
    "video omesso": "video",
    "audio omesso": "audio",
}

#: Contact cards without the file.
CONTACT_OMITTED = [
    "Contact card omitted",
    "Cartão de contato omitido",
    "cartão de contato omitido",
    "Tarjeta de contacto omitida",
    "tarjeta de contacto omitida",
    "Kontaktkarte weggelassen",
    "Carte de contact omise",
    "Scheda contatto omessa",
]

#: Android "FILE (file attached)" suffixes.
ATTACHED_SUFFIX = [
    "file attached",
    "arquivo anexado",
    "Datei angehängt",
    "archivo adjunto",
    "fichier joint",
    "file allegato",
    "bestand bijgevoegd",
    "dosya ekli",
]

#: iOS "<attached: FILE>" prefixes.
ATTACHED_PREFIX = ["attached", "anexado", "Anhang", "adjunto", "pièce jointe", "allegato"]

DELETED = [
    "This message was deleted",
    "You deleted this message",
    "This message was deleted by admin",
    "Mensagem apagada",
    "Esta mensagem foi apagada",
    "Você apagou esta mensagem",
    "Se eliminó este mensaje",
    "Eliminaste este mensaje",
    "Este mensaje fue eliminado",
    "Diese Nachricht wurde gelöscht",
    "Du hast diese Nachricht gelöscht",
    "Ce message a été supprimé",
    "Vous avez supprimé ce message",
    "Questo messaggio è stato eliminato",
    "Hai eliminato questo messaggio",
]

EDITED = [
    "This message was edited",
    "Mensagem editada",
    "Se editó este mensaje",
    "Diese Nachricht wurde bearbeitet",
    "Ce message a été modifié",
    "Questo messaggio è stato modificato",
    "Mensaje editado",
]

POLL = ["POLL", "ENQUETE", "ENCUESTA", "UMFRAGE", "SONDAGE", "SONDAGGIO"]

LOCATION_PREFIX = [
    "location",
    "Location",
    "localização",
    "Localização",
    "ubicación",
    "Ubicación",
    "Standort",
    "position",
    "Position",
    "posizione",
    "Posizione",
]

LIVE_LOCATION = [
    "live location shared",
    "Live location shared",
    "Localização em tempo real compartilhada",
    "Ubicación en tiempo real compartida",
    "Live-Standort wird geteilt",
    "Position en direct partagée",
    "Posizione in tempo reale condivisa",
]

#: File-name hints -> media subtype (checked in order against the lower-cased name).
MEDIA_SUBTYPES: list[tuple[str, str]] = [
    (r"(?:^|[-_])stk-|\.webp$|sticker", "sticker"),
    (r"\.gif$|(?:^|-)gif-", "gif"),
    (r"(?:^|[-_])ptt-|\.opus$|(?:^|-)aud-|audio|\.mp3$|\.m4a$|\.ogg$|\.aac$|\.wav$", "audio"),
    (r"(?:^|-)vid-|video|\.mp4$|\.mov$|\.3gp$|\.avi$|\.mkv$", "video"),
    (r"(?:^|-)img-|photo|\.jpe?g$|\.png$|\.heic$", "image"),
    (r"\.vcf$", "contact"),
    (r"\.(?:pdf|docx?|xlsx?|pptx?|txt|csv|zip|rar|7z|odt|ods|epub|apk)$", "document"),
]
