"""Page text in the group's language: one small table per language, keyed by language code.

``site.language`` picks the table ("auto" detects it from the chat's own words, see
:func:`detect`). The same code goes to MkDocs Material's ``theme.language`` so the theme's
own labels (search, archive, "Continue reading") match the writer's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable

LANGUAGES = ("en", "pt", "es", "de", "fr", "it")
DEFAULT = "en"

# Countable nouns are (singular, plural); everything else is a template for str.format.
TEXT: dict[str, dict[str, object]] = {
    "en": {
        "months": "January February March April May June July August September October "
        "November December",
        "weekdays": "Mon Tue Wed Thu Fri Sat Sun",
        "day_label": "{day} {month} {year}",
        "week_label": "Week of {day} {month} {year}",
        "month_label": "{month} {year}",
        "message": ("message", "messages"),
        "member": ("member", "members"),
        "conversation": ("conversation", "conversations"),
        "day": ("day", "days"),
        "time": ("time", "times"),
        "link": ("link", "links"),
        "file": ("file", "files"),
        "summary": "{messages} from {members} in {conversations}.",
        "who": "Who took part",
        "col_member": "Member",
        "col_messages": "Messages",
        "conversations": "Conversations",
        "quotes": "In their words",
        "links": "Shared links",
        "shared": "shared {times}",
        "media": "Media",
        "related": "Related earlier posts",
        "sources": "Sources",
        "more": "and {n} more",
        "image": "shared image",
        "images": "image",
        "videos": "video",
        "audio": "audio",
        "documents": "document",
        "files": "file",
        "not_available": "{kind} not available",
        "pseudonym": "Pseudonym",
        "activity": "{messages} on {days}",
        "groups": "Groups",
        "over_time": "Activity over time",
        "col_month": "Month",
        "hours": "Active hours",
        "most_active": "Most active around {hour}.",
        "domains": "Top shared domains",
        "members_title": "Members",
        "no_profiles": "No member profiles yet.",
        "members_intro": "Every member who took part, under their pseudonym or the alias "
        "they chose.",
        "col_days": "Active days",
        "col_last": "Last seen",
        "top_title": "Top posts",
        "col_post": "Post",
        "col_rating": "Rating",
        "col_duels": "Duels",
        "top_none": "No posts have been ranked yet. Run `egregora rank` to compare posts two "
        "at a time; the best ones will be listed here.",
        "top_intro": "Posts ranked by the group, two at a time (ELO rating).",
        "no_posts": "*No posts yet: run `egregora site build`.*",
        "group_member": "Group member",
        "thousands": ",",
        "stopwords": "the and you that for with this have what but not are was just",
    },
    "pt": {
        "months": "janeiro fevereiro março abril maio junho julho agosto setembro outubro "
        "novembro dezembro",
        "weekdays": "seg ter qua qui sex sáb dom",
        "day_label": "{day} de {month} de {year}",
        "week_label": "Semana de {day} de {month} de {year}",
        "month_label": "{month} de {year}",
        "message": ("mensagem", "mensagens"),
        "member": ("membro", "membros"),
        "conversation": ("conversa", "conversas"),
        "day": ("dia", "dias"),
        "time": ("vez", "vezes"),
        "link": ("link", "links"),
        "file": ("arquivo", "arquivos"),
        "summary": "{messages} de {members} em {conversations}.",
        "who": "Quem participou",
        "col_member": "Membro",
        "col_messages": "Mensagens",
        "conversations": "Conversas",
        "quotes": "Nas palavras deles",
        "links": "Links compartilhados",
        "shared": "compartilhado {times}",
        "media": "Mídia",
        "related": "Posts anteriores relacionados",
        "sources": "Fontes",
        "more": "e mais {n}",
        "image": "imagem compartilhada",
        "images": "imagem",
        "videos": "vídeo",
        "audio": "áudio",
        "documents": "documento",
        "files": "arquivo",
        "not_available": "{kind} indisponível",
        "pseudonym": "Pseudônimo",
        "activity": "{messages} em {days}",
        "groups": "Grupos",
        "over_time": "Atividade ao longo do tempo",
        "col_month": "Mês",
        "hours": "Horários de atividade",
        "most_active": "Mais ativo por volta das {hour}.",
        "domains": "Domínios mais compartilhados",
        "members_title": "Membros",
        "no_profiles": "Ainda não há perfis de membros.",
        "members_intro": "Todos os membros que participaram, pelo pseudônimo ou pelo apelido "
        "que escolheram.",
        "col_days": "Dias ativos",
        "col_last": "Visto por último",
        "top_title": "Melhores posts",
        "col_post": "Post",
        "col_rating": "Pontuação",
        "col_duels": "Duelos",
        "top_none": "Nenhum post foi classificado ainda. Rode `egregora rank` para comparar "
        "posts dois a dois; os melhores aparecerão aqui.",
        "top_intro": "Posts classificados pelo grupo, dois a dois (pontuação ELO).",
        "no_posts": "*Ainda não há posts: rode `egregora site build`.*",
        "group_member": "Membro do grupo",
        "thousands": ".",
        "stopwords": "que não uma com para você está isso mas muito também então tem ele "
        "ela vou pra né",
    },
    "es": {
        "months": "enero febrero marzo abril mayo junio julio agosto septiembre octubre "
        "noviembre diciembre",
        "weekdays": "lun mar mié jue vie sáb dom",
        "day_label": "{day} de {month} de {year}",
        "week_label": "Semana del {day} de {month} de {year}",
        "month_label": "{month} de {year}",
        "message": ("mensaje", "mensajes"),
        "member": ("miembro", "miembros"),
        "conversation": ("conversación", "conversaciones"),
        "day": ("día", "días"),
        "time": ("vez", "veces"),
        "link": ("enlace", "enlaces"),
        "file": ("archivo", "archivos"),
        "summary": "{messages} de {members} en {conversations}.",
        "who": "Quién participó",
        "col_member": "Miembro",
        "col_messages": "Mensajes",
        "conversations": "Conversaciones",
        "quotes": "En sus palabras",
        "links": "Enlaces compartidos",
        "shared": "compartido {times}",
        "media": "Multimedia",
        "related": "Publicaciones anteriores relacionadas",
        "sources": "Fuentes",
        "more": "y {n} más",
        "image": "imagen compartida",
        "images": "imagen",
        "videos": "vídeo",
        "audio": "audio",
        "documents": "documento",
        "files": "archivo",
        "not_available": "{kind} no disponible",
        "pseudonym": "Seudónimo",
        "activity": "{messages} en {days}",
        "groups": "Grupos",
        "over_time": "Actividad en el tiempo",
        "col_month": "Mes",
        "hours": "Horas de actividad",
        "most_active": "Más activo hacia las {hour}.",
        "domains": "Dominios más compartidos",
        "members_title": "Miembros",
        "no_profiles": "Todavía no hay perfiles de miembros.",
        "members_intro": "Todos los miembros que participaron, con su seudónimo o el alias "
        "que eligieron.",
        "col_days": "Días activos",
        "col_last": "Última vez",
        "top_title": "Mejores publicaciones",
        "col_post": "Publicación",
        "col_rating": "Puntuación",
        "col_duels": "Duelos",
        "top_none": "Todavía no se ha clasificado ninguna publicación. Ejecuta `egregora "
        "rank` para compararlas de dos en dos; las mejores aparecerán aquí.",
        "top_intro": "Publicaciones clasificadas por el grupo, de dos en dos (puntuación ELO).",
        "no_posts": "*Todavía no hay publicaciones: ejecuta `egregora site build`.*",
        "group_member": "Miembro del grupo",
        "thousands": ".",
        "stopwords": "que los las del por con una pero para como está muy esto eso también "
        "porque pues hay",
    },
    "de": {
        "months": "Januar Februar März April Mai Juni Juli August September Oktober "
        "November Dezember",
        "weekdays": "Mo Di Mi Do Fr Sa So",
        "day_label": "{day}. {month} {year}",
        "week_label": "Woche vom {day}. {month} {year}",
        "month_label": "{month} {year}",
        "message": ("Nachricht", "Nachrichten"),
        "member": ("Mitglied", "Mitgliedern"),
        "conversation": ("Gespräch", "Gesprächen"),
        "day": ("Tag", "Tagen"),
        "time": ("Mal", "Mal"),
        "link": ("Link", "Links"),
        "file": ("Datei", "Dateien"),
        "summary": "{messages} von {members} in {conversations}.",
        "who": "Wer dabei war",
        "col_member": "Mitglied",
        "col_messages": "Nachrichten",
        "conversations": "Gespräche",
        "quotes": "In ihren Worten",
        "links": "Geteilte Links",
        "shared": "{times} geteilt",
        "media": "Medien",
        "related": "Ähnliche frühere Beiträge",
        "sources": "Quellen",
        "more": "und {n} weitere",
        "image": "geteiltes Bild",
        "images": "Bild",
        "videos": "Video",
        "audio": "Audio",
        "documents": "Dokument",
        "files": "Datei",
        "not_available": "{kind} nicht verfügbar",
        "pseudonym": "Pseudonym",
        "activity": "{messages} an {days}",
        "groups": "Gruppen",
        "over_time": "Aktivität im Zeitverlauf",
        "col_month": "Monat",
        "hours": "Aktive Stunden",
        "most_active": "Am aktivsten gegen {hour}.",
        "domains": "Meistgeteilte Domains",
        "members_title": "Mitglieder",
        "no_profiles": "Noch keine Mitgliederprofile.",
        "members_intro": "Alle Mitglieder, die dabei waren, unter ihrem Pseudonym oder dem "
        "gewählten Alias.",
        "col_days": "Aktive Tage",
        "col_last": "Zuletzt gesehen",
        "top_title": "Top-Beiträge",
        "col_post": "Beitrag",
        "col_rating": "Wertung",
        "col_duels": "Duelle",
        "top_none": "Noch keine Beiträge bewertet. Mit `egregora rank` werden Beiträge "
        "paarweise verglichen; die besten erscheinen hier.",
        "top_intro": "Von der Gruppe paarweise bewertete Beiträge (ELO-Wertung).",
        "no_posts": "*Noch keine Beiträge: `egregora site build` ausführen.*",
        "group_member": "Gruppenmitglied",
        "thousands": ".",
        "stopwords": "und ich die der das nicht ist ein eine mit auch auf aber noch wir sie habe",
    },
    "fr": {
        "months": "janvier février mars avril mai juin juillet août septembre octobre "
        "novembre décembre",
        "weekdays": "lun. mar. mer. jeu. ven. sam. dim.",
        "day_label": "{day} {month} {year}",
        "week_label": "Semaine du {day} {month} {year}",
        "month_label": "{month} {year}",
        "message": ("message", "messages"),
        "member": ("membre", "membres"),
        "conversation": ("conversation", "conversations"),
        "day": ("jour", "jours"),
        "time": ("fois", "fois"),
        "link": ("lien", "liens"),
        "file": ("fichier", "fichiers"),
        "summary": "{messages} de {members} dans {conversations}.",
        "who": "Qui a participé",
        "col_member": "Membre",
        "col_messages": "Messages",
        "conversations": "Conversations",
        "quotes": "Dans leurs mots",
        "links": "Liens partagés",
        "shared": "partagé {times}",
        "media": "Médias",
        "related": "Articles précédents liés",
        "sources": "Sources",
        "more": "et {n} de plus",
        "image": "image partagée",
        "images": "image",
        "videos": "vidéo",
        "audio": "audio",
        "documents": "document",
        "files": "fichier",
        "not_available": "{kind} non disponible",
        "pseudonym": "Pseudonyme",
        "activity": "{messages} sur {days}",
        "groups": "Groupes",
        "over_time": "Activité dans le temps",
        "col_month": "Mois",
        "hours": "Heures d'activité",
        "most_active": "Plus actif vers {hour}.",
        "domains": "Domaines les plus partagés",
        "members_title": "Membres",
        "no_profiles": "Pas encore de profils de membres.",
        "members_intro": "Tous les membres qui ont participé, sous leur pseudonyme ou l'alias "
        "qu'ils ont choisi.",
        "col_days": "Jours actifs",
        "col_last": "Vu pour la dernière fois",
        "top_title": "Meilleurs articles",
        "col_post": "Article",
        "col_rating": "Score",
        "col_duels": "Duels",
        "top_none": "Aucun article n'a encore été classé. Lancez `egregora rank` pour les "
        "comparer deux à deux ; les meilleurs apparaîtront ici.",
        "top_intro": "Articles classés par le groupe, deux à deux (score ELO).",
        "no_posts": "*Pas encore d'articles : lancez `egregora site build`.*",
        "group_member": "Membre du groupe",
        "thousands": " ",
        "stopwords": "les des est pas que une pour avec mais vous nous dans sur tout bien ça c'est",
    },
    "it": {
        "months": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre "
        "ottobre novembre dicembre",
        "weekdays": "lun mar mer gio ven sab dom",
        "day_label": "{day} {month} {year}",
        "week_label": "Settimana del {day} {month} {year}",
        "month_label": "{month} {year}",
        "message": ("messaggio", "messaggi"),
        "member": ("membro", "membri"),
        "conversation": ("conversazione", "conversazioni"),
        "day": ("giorno", "giorni"),
        "time": ("volta", "volte"),
        "link": ("link", "link"),
        "file": ("file", "file"),
        "summary": "{messages} da {members} in {conversations}.",
        "who": "Chi ha partecipato",
        "col_member": "Membro",
        "col_messages": "Messaggi",
        "conversations": "Conversazioni",
        "quotes": "Con le loro parole",
        "links": "Link condivisi",
        "shared": "condiviso {times}",
        "media": "Media",
        "related": "Post precedenti correlati",
        "sources": "Fonti",
        "more": "e altri {n}",
        "image": "immagine condivisa",
        "images": "immagine",
        "videos": "video",
        "audio": "audio",
        "documents": "documento",
        "files": "file",
        "not_available": "{kind} non disponibile",
        "pseudonym": "Pseudonimo",
        "activity": "{messages} in {days}",
        "groups": "Gruppi",
        "over_time": "Attività nel tempo",
        "col_month": "Mese",
        "hours": "Ore di attività",
        "most_active": "Più attivo verso le {hour}.",
        "domains": "Domini più condivisi",
        "members_title": "Membri",
        "no_profiles": "Ancora nessun profilo.",
        "members_intro": "Tutti i membri che hanno partecipato, con il loro pseudonimo o "
        "l'alias scelto.",
        "col_days": "Giorni attivi",
        "col_last": "Ultima volta",
        "top_title": "Post migliori",
        "col_post": "Post",
        "col_rating": "Punteggio",
        "col_duels": "Duelli",
        "top_none": "Nessun post è stato ancora classificato. Esegui `egregora rank` per "
        "confrontarli a due a due; i migliori compariranno qui.",
        "top_intro": "Post classificati dal gruppo, a due a due (punteggio ELO).",
        "no_posts": "*Ancora nessun post: esegui `egregora site build`.*",
        "group_member": "Membro del gruppo",
        "thousands": ".",
        "stopwords": "che non per una sono con anche questo come del della perché però tutto io",
    },
}


class Text:
    """The page text of one language: ``t("who")``, ``t.count(3, "message")``, ``t.month(5)``."""

    def __init__(self, language: str = DEFAULT) -> None:
        self.language = language if language in TEXT else DEFAULT
        self.table = TEXT[self.language]

    def __call__(self, key: str, **values: object) -> str:
        return str(self.table[key]).format(**values)

    def number(self, n: int) -> str:
        return f"{n:,}".replace(",", str(self.table["thousands"]))

    def count(self, n: int, noun: str) -> str:
        """``1 message``, ``2 messages``: the noun agrees with the number."""
        singular, plural = self.table[noun]  # type: ignore[misc]
        return f"{self.number(n)} {singular if n == 1 else plural}"

    def month(self, number: int) -> str:
        return str(self.table["months"]).split()[number - 1]

    def weekday(self, day: dt.date) -> str:
        return str(self.table["weekdays"]).split()[day.weekday()]

    def date(self, day: dt.date) -> str:
        """``27 October 2025`` in this language."""
        return self("day_label", day=day.day, month=self.month(day.month), year=day.year)

    def short_date(self, day: dt.date) -> str:
        """``Mon 03 Jun`` (weekday, day, abbreviated month)."""
        return f"{self.weekday(day)} {day.day:02d} {self.month(day.month)[:3]}"


def detect(texts: Iterable[str]) -> str:
    """The language whose common words occur most in ``texts`` (English when none occur)."""
    words = {lang: frozenset(str(table["stopwords"]).split()) for lang, table in TEXT.items()}
    tokens = Counter(w for text in texts for w in re.findall(r"[\w']+", text.lower()))
    scores = {lang: sum(tokens[w] for w in vocab) for lang, vocab in words.items()}
    best = max(LANGUAGES, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else DEFAULT
