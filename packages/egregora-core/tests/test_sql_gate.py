"""The RE2 gates pasted into SQL hold no readable member name, and select the same rows.

:meth:`Anonymizer.gate_re2` goes into a DuckDB query as a string literal, and a query's
text can be printed (a failing query's traceback, ``-v``). Every character derived from a
name is written as an RE2 hex escape. Here the escaped gate is compared, in DuckDB itself,
with the pattern as it was written before (characters in clear, metacharacters escaped
with a backslash) on the anonymizer tests' names and texts and on generated ones.
Every name here is invented for the tests.
"""

from __future__ import annotations

import re
import unicodedata

import duckdb
import pytest
from egregora_core import redact, variants
from egregora_core.anonymize import Anonymizer, Pseudonymizer
from egregora_core.testing.adversarial import GROUP_LINES, ONE_TO_ONE_LINES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# --- the patterns as they were written before (characters in clear) -----------------------


def old_literal(name: str) -> str:
    parts = [re.sub(r"([\\.^$|?*+()\[\]{}\-])", r"\\\1", p) for p in name.lower().split()]
    return r"[\s\x{a0}\x{202f}]+".join(parts)


def old_letter(char: str) -> str:
    if not char.isalnum():
        return re.escape(char)
    forms = char + char.upper() + variants._accented().get(char, "")
    escaped = "".join(f"\\x{{{ord(c):x}}}" for c in dict.fromkeys(forms))
    return "[" + escaped + "]" + r"\p{Mn}*"


def old_loose(word: str) -> str:
    return "".join(old_letter(c) for c in variants.fold(word))


def old_gate(anon: Anonymizer) -> str:
    parts = ["\u2068", r"@\+?\p{Nd}"]
    parts += [old_literal(n) for n in sorted(anon.full, key=len, reverse=True)]
    parts += [old_literal(w) for w in anon.first]
    if anon.phones:
        parts.append(redact.PHONE_GATE_RE2)
    scrubber = anon.variants
    anchors = {f[0] for f in scrubber._whole} | set(scrubber.capitalized)
    if anchors:
        parts.append("|".join(old_loose(a) for a in sorted(anchors, key=len, reverse=True)))
    return "(?i)(" + "|".join(parts) + ")"


# --- checks -------------------------------------------------------------------------------

_CON = duckdb.connect()
#: What a gate may hold besides hex escapes: RE2 syntax and the fixed phone/mention parts.
_SYNTAX = re.compile(r"\\x\{[0-9a-f]+\}|\\p\{\w+\}|\\[st]|\(\?i\)|\{\d+(,\d*)?\}")


def selected(pattern: str, texts: list[str]) -> list[bool]:
    """Which ``texts`` DuckDB's ``regexp_matches`` selects with ``pattern`` (a parameter)."""
    rows = _CON.execute(
        "SELECT list_transform($texts, t -> regexp_matches(t, $pattern))",
        {"texts": texts, "pattern": pattern},
    ).fetchone()
    return rows[0]


def assert_unreadable(pattern: str) -> None:
    """No letter or digit is left once hex escapes and RE2 syntax are taken out."""
    rest = _SYNTAX.sub("", pattern)
    assert not [c for c in rest if c.isalnum()], rest


def anonymizer(members: list[str]) -> Anonymizer:
    return Anonymizer(Pseudonymizer("keyed", b"k" * 32), members)


def typed(name: str) -> list[str]:
    """A name as people type it: cases, no accents, NFD, glued, inside a link."""
    bare = variants.fold(name)
    forms = [name, name.upper(), name.lower(), name.swapcase(), bare, bare.upper()]
    forms += [unicodedata.normalize("NFD", f) for f in forms[:3]]
    words = name.split()
    if words:
        forms += [words[0], words[-1], words[-1].lower(), "".join(words), "_".join(words)]
        forms.append("https://example.com/?u=" + "".join(variants.fold(w) for w in words))
    forms.append(name.replace(" ", "\u00a0"))
    return forms


MEMBERS = [
    "José Íñigo Pérez",
    "Renée Dubois",
    "Iñaki Zubizarreta",
    "🤓",
    "Rose",
    "Will Turner",
    "Ana (mom) [x]",
    "a.b+c*d?",
    "Straße",
    "İpek ırmak",
    "+55 11 91234-5678",
]


def test_escaped_gate_selects_what_the_clear_gate_selected():
    anon = anonymizer(MEMBERS)
    new, old = anon.gate_re2(), old_gate(anon)
    assert new != old
    texts = [t for _, t in GROUP_LINES + ONE_TO_ONE_LINES]
    texts += [f for m in MEMBERS for f in typed(m)]
    texts += ["nothing here", "a rose is a rose", "I will go", "Anab", "call 5511912345678"]
    found = selected(new, texts)
    assert found == selected(old, texts)
    assert any(found) and not all(found)  # the comparison is not vacuous
    assert_unreadable(new)


def test_no_name_is_readable_in_the_gate():
    anon = anonymizer([*MEMBERS, "Ottilie Vexford", "Quintus Zebulon"])
    gate = anon.gate_re2()
    folded = variants.fold(gate)
    for member in ("jose", "inigo", "perez", "renee", "dubois", "zubizarreta", "ottilie"):
        assert member not in folded
    assert "5511" not in gate
    assert_unreadable(gate)
    assert_unreadable(variants.loose("Ottilie O'Brien-Vexford", re2=True))


# --- generated names and texts -----------------------------------------------------------

#: Accented letters, case-folding traps, RE2 metacharacters, spaces, marks and emoji.
ALPHABET = "aeinorsuzAEJRZáéíñóúüçÉÍÑßİıſKkΣσς.^$|?*+()[]{}-\\'_ \u00a0\u0301🎸"
word = st.text(st.sampled_from(ALPHABET.replace(" ", "").replace("\u00a0", "")), max_size=7)
member = st.builds(" ".join, st.lists(word.filter(lambda w: w.strip()), min_size=1, max_size=3))


@st.composite
def chats(draw):
    members = draw(st.lists(member, min_size=1, max_size=4))
    pool = [f for m in members for f in typed(m)]
    noise = st.text(st.sampled_from(ALPHABET + "@\u2068\u20690123456789"), max_size=12)
    texts = draw(
        st.lists(
            st.builds(lambda a, b, c: a + b + c, noise, st.sampled_from(pool), noise) | noise,
            min_size=1,
            max_size=12,
        )
    )
    return members, texts


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chats())
def test_generated_gates_select_the_same_rows(chat):
    members, texts = chat
    anon = anonymizer(members)
    new = anon.gate_re2()
    assert selected(new, texts) == selected(old_gate(anon), texts)
    assert_unreadable(new)


@pytest.mark.parametrize("word", ["josé", "o'brien", "a.b", "straße", "ſtar", "ıpek"])
def test_loose_escaped_matches_the_same_as_before(word):
    new, old = variants.loose(word, re2=True), old_loose(word)
    texts = [*typed(word), word + "x", "x" + word, "nothing"]
    assert selected("(?i)" + new, texts) == selected("(?i)" + old, texts)
    assert_unreadable(new)
