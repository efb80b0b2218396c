"""Many small hostile WhatsApp exports from a seed, each with the strings that must vanish.

:func:`write_hostile_exports` writes ``count`` Android WhatsApp zips. Every chat has its own
members, invented from syllables holding a q, x or z (so no name is a real person's, an
ordinary word or hex), and types them the ways :mod:`egregora_core.testing.adversarial`
collects: without accents, in NFD, upper case, first name or surname alone, glued into
handles, links and hashtags, as poll options, mentions and a contact card; plus obfuscated
e-mails, phone numbers, a phone-number member, an emoji-only member and, for one chat in
five, a one-to-one chat titled after a contact who never writes. Each export comes with
its secrets: every name part, phone and e-mail user it holds.
"""

from __future__ import annotations

import random
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .adversarial import _fold

_HEADS = ["Qu", "Xa", "Zy", "Vex", "Kroz", "Zal", "Quo", "Xen", "Tzé", "Vrö", "Ñaq", "Jüx"]
_MIDS = ["é", "a", "í", "o", "ü", "ø", "e", "á", "ñi", "u"]
_TAILS = ["lix", "rdt", "vonq", "zmir", "brax", "tovz", "quen", "xal", "nyz", "rqot"]
_EMOJI = ["🦊", "🦉🦉", "🌵", "🪐"]


def _part(rng: random.Random) -> str:
    return rng.choice(_HEADS) + rng.choice(_MIDS) + rng.choice(_TAILS)


@dataclass
class HostileExport:
    path: Path
    secrets: list[str]


def _lines(rng: random.Random, n: int, people: list[str], phone: str) -> list[str]:
    """Texts typing the members of ``people`` ("First Last") every way the scrubber knows."""
    lines = []
    for person in people:
        first, last = person.split()[0], person.split()[-1]
        f, la = _fold(first), _fold(last)
        lines += [
            rng.choice([_fold(person), person.upper(), unicodedata.normalize("NFD", person)])
            + " said hi",
            f"see facebook.com/{f}.{la} and https://example.com/?u={f.title()}{la.title()}",
            f"#{f.title()}{la.title()} handles: {f}_{la} {f}-{la}",
            f"POLL:\nWho hosts?\nOPTION: {first} (2 votes)\nOPTION: {last} (1 vote)",
            f"@\u2068{person}\u2069 look, {first} agreed, ask {last}",
            f"write to {f}.{la}(at)gmail(dot)com or box{n}x [at] mail{n}.example.org",
        ]
    lines.append(f"call {phone} now")
    rng.shuffle(lines)
    return lines


def write_hostile_exports(folder: Path, count: int, seed: int = 0) -> list[HostileExport]:
    """``count`` hostile exports written into ``folder`` (the same ones for the same seed)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    exports = []
    for n in range(count):
        people = sorted({f"{_part(rng)} {_part(rng)}" for _ in range(rng.randint(2, 3))})
        if rng.random() < 0.3:  # a three-word name: "First da Last" is also typed "First Last"
            first, last = people[0].split()
            people[0] = f"{first} da {last}"
        phone = f"+44 7700 9{n:05d}"
        authors = list(people)
        if rng.random() < 0.3:
            authors.append(f"+44 7711 8{n:05d}")  # a contact saved by number only
        emoji = rng.choice(_EMOJI) if rng.random() < 0.3 else None
        one_to_one = n % 5 == 0
        if one_to_one:  # one writer; the title is the contact, who never writes
            title, authors = people[-1], authors[:1]
        else:
            title = f"Quarry Club {n}"
        texts = _lines(rng, n, people, phone)
        rows = [(rng.choice(authors), text) for text in texts]
        rows.append((authors[0], f"{people[0]}.vcf (file attached)"))
        if emoji:
            rows.append((emoji, f"I love {emoji}"))
        chat = "".join(
            f"{13 + n % 15:02d}/03/2024, {i // 60:02d}:{i % 60:02d} - {author}: {text}\n"
            for i, (author, text) in enumerate(rows)
        )
        name = f"WhatsApp Chat with {title}"
        path = folder / f"{n:04d}" / f"{name}.zip"
        path.parent.mkdir()
        card = f"BEGIN:VCARD\nFN:{people[0]}\nTEL:{phone}\nEND:VCARD"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{name}.txt", chat)
            archive.writestr(f"{people[0]}.vcf", card.encode())
        words = {w for p in people for w in p.split() if len(w) > 2}
        numbers = [phone, re.sub(r"\D", "", phone), *(a for a in authors if a.startswith("+"))]
        numbers += [re.sub(r"\D", "", a) for a in authors if a.startswith("+")]
        exports.append(HostileExport(path, [*sorted(words), *numbers, f"box{n}x", f"mail{n}."]))
    return exports
