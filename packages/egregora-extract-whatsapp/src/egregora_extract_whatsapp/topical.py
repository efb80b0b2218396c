"""A deterministic bilingual (Portuguese/English) chat with real topics, and its search labels.

The random-word chats of :mod:`.synthetic` are for parsers and privacy; search needs
sentences with meaning. :func:`generate_topical_chat` writes a WhatsApp Android export
(Brazilian Portuguese headers) of a friends' group that plans trips, dinners and chores
in both languages: each *topic* is a short conversation (more than 30 minutes apart, so
each is its own search chunk) with one or two messages that hold a fact (a place, a
number, a link, a date), between everyday chatter that shares many of their words.

:data:`QUERIES` are the labelled searches over it (:func:`qrels`): for each query the
exact text of the messages that answer it, in four kinds: ``paraphrase`` (same language,
other words), ``exact`` (a number, code, link or rare word), ``place`` (a place name) and
``cross`` (a Portuguese question for an English answer or the reverse). Message ids are
salted per project, so labels name the answering text; ``egregora eval search`` maps it
to the ids of the project it evaluates.
"""

from __future__ import annotations

import io
import random
import zipfile
from datetime import datetime, timedelta

from .synthetic import LOCALES, _Headers

MEMBERS = ["Ana Rocha", "Bruno Lima", "Carla Dias", "Diego Souza", "Emma Clarke", "Felipe Nunes"]

#: (answering messages, [(query, kind), ...]); answers are unique strings in the chat.
TOPICS: list[tuple[list[str], list[tuple[str, str]]]] = [
    (
        ["Reservei a casa em Ilhabela de 14 a 17 de março, fica na praia do Curral"],
        [("onde vamos ficar na viagem de março?", "paraphrase"), ("Ilhabela", "place")],
    ),
    (
        ["The ferry to the island leaves São Sebastião every 30 minutes, the ticket is R$ 22"],
        [("how much is the boat ticket", "paraphrase"), ("quanto custa a balsa?", "cross")],
    ),
    (
        ["Vamos fazer o churrasco no sábado na chácara do tio, cada um leva uma bebida"],
        [("where is the barbecue on saturday", "cross"), ("churrasco sábado", "exact")],
    ),
    (
        ["I booked a table for eight at Mocotó for Friday at 8pm"],
        [("reserva do jantar de sexta", "cross"), ("Mocotó", "place")],
    ),
    (
        ["O aluguel subiu para R$ 3.480 a partir de junho, já avisei a imobiliária"],
        [("novo valor do aluguel", "paraphrase"), ("3.480", "exact")],
    ),
    (
        ["My flight number is LA 3472, landing at Guarulhos at 06:40"],
        [("when does Emma's plane arrive", "paraphrase"), ("LA 3472", "exact")],
    ),
    (
        ["A senha do wifi da casa de praia é gaivota2024"],
        [("what is the wifi password at the beach house", "cross"), ("gaivota2024", "exact")],
    ),
    (
        ["The hiking trail to Pico do Marumbi takes about six hours, bring two liters of water"],
        [("quanto tempo dura a trilha", "cross"), ("Marumbi", "place")],
    ),
    (
        ["Achei o vídeo do show: https://youtu.be/q7Xk29aLmZc"],
        [("link do vídeo do show", "paraphrase"), ("youtu.be/q7Xk29aLmZc", "exact")],
    ),
    (
        ["Dentist appointment moved to Tuesday the 12th at 3pm, Dr. Okafor's office"],
        [("quando é a consulta no dentista", "cross"), ("Okafor", "exact")],
    ),
    (
        ["A conta de luz veio R$ 412, alguém esqueceu o ar-condicionado ligado"],
        [("why was the electricity bill so high", "cross"), ("conta de luz", "paraphrase")],
    ),
    (
        ["We are meeting at Parque Ibirapuera near gate 3 for the picnic"],
        [("onde é o piquenique", "cross"), ("Ibirapuera", "place")],
    ),
    (
        ["Minha avó faz aniversário dia 9 de agosto, ela vai fazer 90 anos"],
        [("grandmother birthday", "cross"), ("quantos anos a vó vai fazer", "paraphrase")],
    ),
    (
        ["The car rental confirmation code is KX-88213, pick up at Curitiba airport"],
        [("código da locadora de carro", "cross"), ("KX-88213", "exact")],
    ),
    (
        ["Comprei os ingressos do Lollapalooza, setor pista, paguei R$ 850 cada"],
        [("festival tickets price", "cross"), ("Lollapalooza", "exact")],
    ),
    (
        ["The vet said Thor needs his rabies vaccine before the trip"],
        [("o cachorro precisa de vacina?", "cross"), ("rabies vaccine", "exact")],
    ),
    (
        ["Vou levar o violão e o cooler para o acampamento em Paraty"],
        [("who brings the guitar to the camping", "cross"), ("Paraty", "place")],
    ),
    (
        ["The book club pick for April is One Hundred Years of Solitude by García Márquez"],
        [("qual livro vamos ler em abril", "cross"), ("García Márquez", "exact")],
    ),
    (
        ["O conserto da máquina de lavar ficou em R$ 260, o técnico trocou a bomba"],
        [("washing machine repair cost", "cross"), ("técnico trocou a bomba", "exact")],
    ),
    (
        ["Our Airbnb in Lisbon is in Alfama, five minutes from the Sé cathedral"],
        [("onde fica o apartamento em Lisboa", "cross"), ("Alfama", "place")],
    ),
    (
        ["Passei no concurso! Começo no Banco Central em setembro"],
        [("who got a new job", "cross"), ("Banco Central", "exact")],
    ),
    (
        ["The kids' school play is on Thursday at 7, in the Colégio Santa Cruz auditorium"],
        [("que dia é a peça da escola", "cross"), ("Santa Cruz", "place")],
    ),
    (
        ["Fiz a trilha da Pedra do Baú ontem, a subida pelas escadas de ferro é tensa"],
        [("anyone climbed the rock with iron ladders", "cross"), ("Pedra do Baú", "place")],
    ),
    (
        ["Please send me your share of the groceries by Pix, it's R$ 137 each"],
        [("quanto cada um deve do mercado", "cross"), ("Pix", "exact")],
    ),
    (
        ["A reunião de condomínio foi remarcada para quarta, 19h, no salão de festas"],
        [("when is the building meeting", "cross"), ("reunião de condomínio", "exact")],
    ),
    (
        ["I left my blue umbrella at your place after the dinner, can you keep it"],
        [("esqueci meu guarda-chuva", "cross"), ("blue umbrella", "exact")],
    ),
    (
        ["O voo para Salvador atrasou três horas por causa da chuva"],
        [("flight delayed because of rain", "cross"), ("Salvador", "place")],
    ),
    (
        ["The marathon registration closes on May 31, the fee is 180 reais"],
        [("inscrição da maratona até quando", "cross"), ("marathon registration", "exact")],
    ),
    (
        ["Adotamos uma gatinha, o nome dela é Pipoca"],
        [("did someone get a new cat", "cross"), ("Pipoca", "exact")],
    ),
    (
        ["Road trip plan: Florianópolis first, then Garopaba for the whales"],
        [("roteiro da viagem de carro", "cross"), ("Garopaba", "place")],
    ),
    (
        ["Meu notebook quebrou, a assistência disse que a placa-mãe queimou"],
        [("laptop broken motherboard", "cross"), ("placa-mãe", "exact")],
    ),
    (
        ["Yoga class moved from Monday to Wednesday mornings at 7:30"],
        [("mudou o horário da aula de yoga", "cross"), ("yoga Wednesday", "exact")],
    ),
]

#: Near misses, one per topic, in other conversations: the same subject with other
#: specifics (another place, number or name), as chats return to a subject. They are
#: what makes exact words matter: by meaning alone they are as good an answer.
DISTRACTORS = [
    "Ano passado a gente ficou numa pousada em Ubatuba, na praia Vermelha",
    "The bus to the coast leaves Tietê terminal every hour, the ticket is R$ 95",
    "O churrasco de domingo passado foi na laje do prédio, que delícia",
    "We had dinner at Fasano last month, the table for six was perfect",
    "O condomínio subiu para R$ 910, a administradora mandou o boleto",
    "Last time my flight number was G3 1204 and it landed at Congonhas",
    "A senha do wifi do escritório mudou, pede pro TI",
    "The trail to Pico do Jaraguá is short, one hour up with a bottle of water",
    "Achei as fotos do show no drive: https://drive.example.com/show-fotos",
    "Doctor appointment with the dermatologist is next month, Dr. Tanaka",
    "A conta de água veio R$ 98, normal",
    "We did a picnic at Parque Villa-Lobos last year near the playground",
    "Meu avô fez aniversário em maio, 85 anos",
    "The hotel booking reference is BR-10442, check in at noon",
    "Comprei ingressos do Rock in Rio ano passado, pista premium",
    "The vet said Luna only needs a check-up this year",
    "Levei a barraca e o fogareiro no acampamento de Ubatuba",
    "The book club pick for March was Dom Casmurro by Machado de Assis",
    "O conserto da geladeira ficou caro, o técnico trocou o compressor",
    "Our Airbnb in Porto was in Ribeira, next to the river",
    "Fiz a prova do concurso do Banco do Brasil mas não passei",
    "The kids' football match is on Saturday at the Colégio Bandeirantes field",
    "Subi a Pedra Grande em Atibaia, a vista é linda",
    "Please send me your share of the pizza by bank transfer, R$ 45 each",
    "A reunião da escola foi remarcada para sexta, 18h, na biblioteca",
    "I left my black jacket in the car after the party",
    "O voo para Recife saiu no horário, nenhum atraso",
    "The half marathon registration opened today, the fee is 120 reais",
    "Adotamos um cachorro, o nome dele é Biscoito",
    "Road trip last year: Santos first, then Ilhabela",
    "Meu celular quebrou, a tela trincou toda",
    "Pilates class is on Tuesday evenings at 19:00",
]

#: Everyday chatter between the topics: shares words with them, answers nothing.
CHATTER = [
    "bom dia pessoal",
    "good morning everyone",
    "kkkkkk",
    "alguém viu o jogo ontem?",
    "that's hilarious",
    "vou ver e te falo",
    "ok, combinado",
    "sounds good to me",
    "tô no trânsito, chego em 20 min",
    "stuck in traffic again",
    "que calor hoje",
    "it's so hot today",
    "alguém quer almoçar?",
    "anyone up for lunch?",
    "boa noite, até amanhã",
    "see you tomorrow",
    "hahaha verdade",
    "true, lol",
    "mandei no privado",
    "just sent you a message",
    "tô sem bateria",
    "my phone is dying",
    "vamos marcar alguma coisa esse mês",
    "we should plan something this month",
    "quem vai?",
    "who's in?",
    "adorei as fotos",
    "love the photos",
    "depois a gente vê isso",
    "let's talk later",
    "que saudade de vocês",
    "miss you all",
    "parabéns!!",
    "congrats!!",
    "amanhã tem chuva de novo",
    "rain again tomorrow",
    "vou fazer um café",
    "coffee time",
    "o mercado estava lotado",
    "the supermarket was packed",
]


def _chat_lines(seed: int, filler_conversations: int) -> list[tuple[datetime, str, str]]:
    rng = random.Random(seed)
    moment = datetime(2024, 1, 8, 9, 0)
    out: list[tuple[datetime, str, str]] = []
    topics: list[list[str]] = [answers for answers, _ in TOPICS]
    topics += [[line] for line in DISTRACTORS] + [[] for _ in range(filler_conversations)]
    rng.shuffle(topics)
    for answers in topics:
        lines = [rng.choice(CHATTER) for _ in range(rng.randint(3, 8))]
        for answer in answers:
            lines.insert(rng.randint(0, len(lines)), answer)
        for line in lines:
            moment += timedelta(minutes=rng.randint(1, 6))
            out.append((moment, rng.choice(MEMBERS), line))
        moment += timedelta(hours=rng.randint(2, 30))  # > 30 min: a new conversation
    return out


def generate_topical_chat(seed: int = 0, filler_conversations: int = 120) -> str:
    """The export's text (``Conversa do WhatsApp com Amigos.txt``, Android, pt-BR)."""
    header = _Headers("android", LOCALES["pt"])
    rows = [
        f"{header(moment.date(), moment.hour * 3600 + moment.minute * 60)}{who}: {text}"
        for moment, who, text in _chat_lines(seed, filler_conversations)
    ]
    return "\n".join(rows) + "\n"


def topical_zip(seed: int = 0, filler_conversations: int = 120) -> bytes:
    """:func:`generate_topical_chat` as an exported zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "Conversa do WhatsApp com Amigos.txt", generate_topical_chat(seed, filler_conversations)
        )
    return buffer.getvalue()


def qrels() -> list[dict]:
    """The labelled queries: ``{"query", "kind", "relevant_text": [answering messages]}``."""
    return [
        {"query": query, "kind": kind, "relevant_text": answers}
        for answers, queries in TOPICS
        for query, kind in queries
    ]
