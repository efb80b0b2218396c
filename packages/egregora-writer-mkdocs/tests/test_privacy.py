from __future__ import annotations

import pytest
from egregora_writer_mkdocs.privacy import REDACTED, Guard, PrivacyLeak, find


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("me liga 11 98765-4321", "phone"),
        ("whatsapp +55 11 98765 4321 ok", "phone"),
        ("fixo (21) 3456-7890", "phone"),
        ("mail me at jane.doe+x@example.com.br", "e-mail"),
        ("cpf 123.456.789-09", "CPF"),
        ("cnpj 12.345.678/0001-95", "CNPJ"),
    ],
)
def test_finds_personal_data(text, kind):
    assert kind in find(text)


@pytest.mark.parametrize(
    "text",
    [
        "date: 2025-10-27",
        "Week 2025-W43",
        "at 09:05",
        "1,234 messages",
        "media/images/59ae99b8-7e9b-5812-9b2b-03d62efc7ce2.jpg",
        "pseudonym ca71a986",
        "https://twitter.com/x/status/1234567890123456789",
        "rating 1507.7",
    ],
)
def test_ignores_what_the_site_legitimately_contains(text):
    assert find(text) == []


def test_scrub_redacts_and_counts():
    guard = Guard()
    out = guard.scrub("ligue 11 98765-4321 ou jane@example.com")
    assert out == f"ligue {REDACTED} ou {REDACTED}"
    assert guard.redactions == 2


def test_check_document_names_file_not_content():
    with pytest.raises(PrivacyLeak) as info:
        Guard().check_document("ok\ncontato jane@example.com\n", where="docs/posts/x.md")
    message = str(info.value)
    assert "docs/posts/x.md" in message
    assert "e-mail" in message
    assert "jane" not in message


def test_all_digit_pseudonyms_are_not_phone_numbers():
    guard = Guard({"25616549"})
    assert guard.scrub("thanks @25616549 and 98765432") == "thanks @25616549 and [redacted]"
    guard.check_document('authors:\n  25616549:\n    name: "25616549"\n', where="x")
    with pytest.raises(PrivacyLeak):
        Guard().check_document("name: 25616549", where="x")
