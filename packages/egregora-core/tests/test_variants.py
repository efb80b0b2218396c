"""Member names typed other than as displayed, emoji-only names and obfuscated e-mails.

Every name here is invented for the tests."""

from __future__ import annotations

import unicodedata

import pytest
from egregora_core import redact
from egregora_core.anonymize import Anonymizer, Pseudonymizer
from hypothesis import given, settings
from hypothesis import strategies as st

MEMBERS = ["José Íñigo Pérez", "Renée Dubois", "Iñaki Zubizarreta", "🤓", "Rose", "Will Turner"]


@pytest.fixture(scope="module")
def anon() -> Anonymizer:
    return Anonymizer(Pseudonymizer("keyed", b"k" * 32), MEMBERS)


def pseudo(anon: Anonymizer, name: str) -> str:
    return anon.pseudonymize(name)


@pytest.mark.parametrize(
    ("text", "member"),
    [
        ("Jose Perez came", "José Íñigo Pérez"),  # no accents, first + surname
        ("JOSE IÑIGO PEREZ", "José Íñigo Pérez"),
        (unicodedata.normalize("NFD", "Renée Dubois"), "Renée Dubois"),
        ("renee dubois", "Renée Dubois"),
        ("ask Zubizarreta", "Iñaki Zubizarreta"),  # surname alone, capitalized
        ("Inaki said", "Iñaki Zubizarreta"),  # first name without the accent
        ("facebook.com/renee.dubois", "Renée Dubois"),
        ("https://example.com/ReneeDubois/x", "Renée Dubois"),
        ("https://example.com/?u=InakiZubizarreta", "Iñaki Zubizarreta"),
        ("https://example.com/?q=Renee+Dubois+house", "Renée Dubois"),
        ("#InakiZubizarreta", "Iñaki Zubizarreta"),
        ("inaki-zubizarreta", "Iñaki Zubizarreta"),
        ("inaki_zubizarreta", "Iñaki Zubizarreta"),
    ],
)
def test_name_variants_are_replaced(anon, text, member):
    out = anon.scrub(text)
    assert pseudo(anon, member) in out
    folded = redact_fold(out)
    for part in ("renee", "dubois", "inaki", "zubizarreta", "perez"):
        assert part not in folded


def redact_fold(text: str) -> str:
    from egregora_core.variants import fold

    return fold(text)


def test_emoji_only_name_is_never_a_text_pattern(anon):
    assert anon.scrub("I love 🤓 so much 🤓") == "I love 🤓 so much 🤓"
    assert "🤓" not in anon.full


@pytest.mark.parametrize(
    ("text", "expected_kept"),
    [
        ("a rose is a rose", "a rose is a rose"),  # the flower, member "Rose"
        ("I will go tomorrow", "I will go tomorrow"),  # the verb, member "Will Turner"
        ("zubizarreta in lower case", "zubizarreta in lower case"),  # surname alone: capitals
    ],
)
def test_ordinary_words_stay(anon, text, expected_kept):
    assert anon.scrub(text) == expected_kept


def test_capitalized_word_names_are_replaced(anon):
    assert anon.scrub("Rose said") == pseudo(anon, "Rose") + " said"
    assert anon.scrub("Will said") == pseudo(anon, "Will Turner") + " said"


def test_common_word_surname_is_not_matched_alone():
    anon = Anonymizer(Pseudonymizer("keyed", b"k" * 32), ["Maria da Costa"])
    assert anon.scrub("a Costa leste") == "a Costa leste"
    assert anon.scrub("Maria da Costa") == pseudo(anon, "Maria da Costa")


@pytest.mark.parametrize(
    "text",
    ["jose(at)gmail(dot)com", "jose [at] gmail.com", "jose{at}mail(dot)example(dot)org"],
)
def test_obfuscated_emails_are_redacted(text):
    assert redact.redact_text(f"write to {text} please") == "write to [email] please"
    assert redact.redact_many([text]) == ["[email]"]


LETTERS = "abcdefghijklmnoprstuvz"


@st.composite
def typed_name(draw):
    """A member name with accents, and one way a person could type it."""
    accents = {"a": "áã", "e": "éê", "i": "í", "o": "óô", "u": "ú", "n": "ñ", "c": "ç"}
    parts = []
    for _ in range(draw(st.integers(2, 3))):
        word = draw(st.text(st.sampled_from(LETTERS), min_size=4, max_size=8))
        word = "".join(
            draw(st.sampled_from([c, *accents.get(c, "")])) if i else c.upper()
            for i, c in enumerate(word)
        )
        parts.append(word)
    name = " ".join(parts)
    plain = redact_fold(name).split()
    typed = draw(
        st.sampled_from(
            [
                " ".join(plain),
                " ".join(plain).upper(),
                unicodedata.normalize("NFD", name),
                unicodedata.normalize("NFD", name).lower(),
                f"{plain[0]} {plain[-1]}",
                ".".join(plain),
                "".join(p.capitalize() for p in plain),
                "-".join(plain),
                "_".join(plain),
                "+".join(plain),
            ]
        )
    )
    return name, typed


@settings(max_examples=300, deadline=None)
@given(typed_name(), st.sampled_from(["{} ", "hi {}!", "https://x.example/{}/p", "#{}", "({})"]))
def test_generated_variants_never_survive(named, frame):
    name, typed = named
    if " " in typed and "://" in frame:
        frame = "{} "  # a URL ends at a space: only glued forms can be inside one
    anon = Anonymizer(Pseudonymizer("keyed", b"k" * 32), [name, "Other Person"])
    out = anon.scrub(frame.format(typed))
    folded = redact_fold(out)
    assert redact_fold(name).replace(" ", "") not in folded.replace(" ", "")
    assert anon.pseudonymize(name) in out


# --- generated chats ---------------------------------------------------------------------

NAME_LETTERS = "ghijklmnoprstuvz"  # no hex letters: a pseudonym cannot spell a name
ACCENTED = {"o": "óôö", "u": "úü", "i": "íï", "n": "ñ", "z": "ž", "s": "š"}
FILLER = ["the", "book", "was", "great", "see", "you", "at", "eight", "ok", "🤓", "👍🏽"]


@st.composite
def member_name(draw):
    parts = []
    for _ in range(draw(st.integers(2, 3))):
        word = draw(st.text(st.sampled_from(NAME_LETTERS), min_size=4, max_size=7))
        word = "".join(
            draw(st.sampled_from([c, *ACCENTED.get(c, "")])) if draw(st.booleans()) else c
            for c in word
        )
        parts.append(word.capitalize())
    return " ".join(parts)


def _typed_forms(name: str) -> list[str]:
    """Ways a person types ``name`` that must always be replaced."""
    plain = redact_fold(name).split()
    return [
        name,
        name.lower(),
        " ".join(plain),
        " ".join(plain).upper(),
        unicodedata.normalize("NFD", name),
        f"{plain[0].capitalize()} {plain[-1].capitalize()}",
        ".".join(plain),
        "".join(p.capitalize() for p in plain),
        "_".join(plain),
        "-".join(plain),
        "+".join(plain),
        f"https://social.example/{'.'.join(plain)}",
        "#" + "".join(p.capitalize() for p in plain),
    ]


@st.composite
def chat(draw):
    members = draw(st.lists(member_name(), min_size=2, max_size=4, unique_by=redact_fold))
    lines = []
    for _ in range(draw(st.integers(3, 8))):
        words = draw(st.lists(st.sampled_from(FILLER), min_size=1, max_size=4))
        named = draw(st.sampled_from(members))
        form = draw(st.sampled_from(_typed_forms(named)))
        at = draw(st.integers(0, len(words)))
        lines.append(" ".join([*words[:at], form, *words[at:]]))
    return members, lines


@settings(max_examples=1000, deadline=None)
@given(chat())
def test_generated_chats_leave_no_member_name(generated):
    """~1,000 small in-memory chats through the scrubber and the redactor."""
    members, lines = generated
    anon = Anonymizer(Pseudonymizer("keyed", b"k" * 32), [*members, "🤓"])
    out = redact.redact_many(anon.scrub_many(lines), anon.pseudonymize.numeric)
    for line, scrubbed in zip(lines, out, strict=True):
        squeezed = "".join(c for c in redact_fold(scrubbed) if c.isalnum())
        for member in members:
            assert "".join(redact_fold(member).split()) not in squeezed, (line, scrubbed)
        assert scrubbed.count("🤓") == line.count("🤓")
