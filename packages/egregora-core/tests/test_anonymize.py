import pytest
from egregora_core.anonymize import Anonymizer, Pseudonymizer, identity_key, normalize_name
from egregora_core.redact import redact_text

V2_GOLDEN = {
    "Franklin": "ca71a986",
    "Eurico Max": "2b200d1a",
    "Jules": "b07ac1f4",
    "John Doe": "957cf4d6",
    "Jane Doe": "6ebd8acd",
    "Jane Smith": "a54556c4",
}


@pytest.mark.parametrize(("name", "expected"), V2_GOLDEN.items())
def test_v2_golden(name, expected):
    assert Pseudonymizer("v2", b"ignored")(name) == expected


def test_v2_ignores_invisible_marks_case_and_space():
    v2 = Pseudonymizer("v2", b"")
    assert v2("\u200e  eurico MAX \u202c") == "2b200d1a"


def test_keyed_is_stable_per_secret_and_differs_across_secrets():
    a1, a2 = Pseudonymizer("keyed", b"a" * 32), Pseudonymizer("keyed", b"a" * 32)
    b = Pseudonymizer("keyed", b"b" * 32)
    assert a1("Maya R.") == a2("maya r.")
    assert a1("Maya R.") != b("Maya R.")
    assert a1("Maya R.") != Pseudonymizer("v2", b"a" * 32)("Maya R.")
    assert len(a1("x")) == 8
    assert all(c in "0123456789abcdef" for c in a1("Maya R."))


def test_normalize_strips_tilde_nfkc_and_bidi():
    assert normalize_name("~\u202fMaya") == "Maya"
    assert identity_key("\u202a+49\u00a0170\u00a00000000\u202c") == "+49 170 0000000"


def test_mention_v2_parity():
    v2 = Pseudonymizer("v2", b"")
    anon = Anonymizer(v2, ["Franklin"])
    assert anon.scrub("@\u2068Eurico Max\u2069 teste") == "@2b200d1a teste"


@pytest.fixture
def anon():
    names = ["Maya Rodrigues", "Ana", "Ana Maria", "José Ñúñez", "+55 11 91234-5678", "Ana Lima"]
    return Anonymizer(Pseudonymizer("v2", b""), names)


def p(name):
    return Pseudonymizer("v2", b"")(name)


def test_longest_name_first_whole_word_case_insensitive(anon):
    out = anon.scrub("ana maria and ANA went to banana land with josé ñúñez")
    assert out == f"{p('Ana Maria')} and {p('Ana')} went to banana land with {p('José Ñúñez')}"


def test_first_names_capitalized_only_and_shared_first_names(anon):
    # "Maya" belongs to one member; "Ana" is itself a full member name.
    assert (
        anon.scrub("Maya said hi; maya is a word too")
        == f"{p('Maya Rodrigues')} said hi; maya is a word too"
    )
    shared = Anonymizer(Pseudonymizer("v2", b""), ["Leo Bento", "Leo Costa"])
    assert shared.scrub("Leo came") == "[name] came"


def test_phone_member_by_digits_in_any_format(anon):
    pseudo = p("+55 11 91234-5678")
    assert anon.scrub("call 11 91234 5678 or @5511912345678") == f"call {pseudo} or @{pseudo}"
    assert anon.scrub("@\u2068+55 11 91234-5678\u2069 oi") == f"@{pseudo} oi"


def test_unknown_mentions_still_pseudonymized(anon):
    assert anon.scrub("@\u2068~Zé Fulano\u2069") == "@" + p("Zé Fulano")


def test_urls_files_dates_kept(anon):
    text = "see https://x.com/ana/status/123456789012 IMG-20240307-WA0012.jpg on 2024-03-07"
    assert anon.scrub(text) == text
    assert redact_text(text) == text


def test_redact_phones_and_emails():
    assert (
        redact_text("ring +1 (415) 555-0100 or mail a.b+c@mail.example.org")
        == "ring [phone] or mail [email]"
    )
    assert redact_text("CPF 123.456.789-09") == "CPF [phone]"
    assert redact_text("it costs 1500 and 12:30") == "it costs 1500 and 12:30"


def test_system_line_names(anon):
    assert (
        anon.scrub("\u200eMaya Rodrigues added Ana Lima")
        == f"\u200e{p('Maya Rodrigues')} added {p('Ana Lima')}"
    )


def test_case_variants_that_lower_maps_elsewhere_are_still_replaced():
    """IGNORECASE lets "IRMAK" match member "ırmak" (I folds to ı), but "IRMAK".lower() is
    "irmak": the lookup must still find the member (it used to raise KeyError)."""
    from egregora_core.anonymize import Anonymizer, Pseudonymizer

    pseudo = Pseudonymizer("keyed", b"k" * 32)
    anonymizer = Anonymizer(pseudo, ["ırmak Su", "Kai Lee"])
    out = anonymizer.scrub("IRMAK SU and IRMAK said hi to KAI")
    assert out == f"{pseudo('ırmak Su')} and {pseudo('ırmak Su')} said hi to {pseudo('Kai Lee')}"
    assert anonymizer.scrub_many(["IRMAK SU!"]) == [f"{pseudo('ırmak Su')}!"]


def test_case_folds_primed_in_one_scan_match_the_per_character_scan():
    """_prime_folds scans Unicode once for many characters; it must find, for each, exactly
    what scanning all of Unicode for that one character with IGNORECASE finds."""
    import re

    import numpy as np
    from egregora_core import anonymize

    everything = np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    tricky = (
        "aksiIıİſKÅåßẞσςΣθϑµΜǅǄǆﬀ" + "ДдЁё" + "\U00010400\U00010428\U0001e900\U000118a0" + "é1_ 🎸"
    )
    anonymize._FOLDS.clear()
    anonymize._prime_folds(tricky)
    for char in tricky:
        same = re.findall(re.escape(char), everything, re.IGNORECASE)
        expected = tuple(sorted({c for c in same if c.lower() == c} | {char}))
        assert anonymize._FOLDS[char] == expected, char
