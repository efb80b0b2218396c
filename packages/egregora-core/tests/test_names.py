"""Readable pseudonyms: stable, two words, unique within a project."""

from __future__ import annotations

import re

from egregora_core.names import ADJECTIVES, ANIMALS, readable_name, readable_names


def test_word_lists_give_65536_distinct_names():
    assert len(set(ADJECTIVES)) == 256
    assert len(set(ANIMALS)) == 256
    names = {readable_name(f"{i:04x}0000") for i in range(65536)}
    assert len(names) == 65536


def test_a_name_is_two_capitalized_words_and_stable():
    name = readable_name("ca71a986")
    assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", name)
    assert readable_name("ca71a986") == name
    assert readable_name("2b200d1a") != name


def test_collisions_are_resolved_deterministically_by_sorted_pseudonym():
    # Same first 16 bits: the same base name.
    assert readable_name("ca71a986") == readable_name("ca71ffff")
    names = readable_names(["ca71ffff", "ca71a986", "2b200d1a"])
    assert len(set(names.values())) == 3
    assert names["ca71a986"] == readable_name("ca71a986")  # first in sorted order keeps it
    assert names["ca71ffff"] != readable_name("ca71ffff")
    assert readable_names(["ca71a986", "2b200d1a", "ca71ffff"]) == names


def test_a_thousand_members_get_a_thousand_names():
    pseudonyms = [f"{(i * 2654435761) % 2**32:08x}" for i in range(1000)]
    assert len(set(readable_names(pseudonyms).values())) == 1000


def test_non_hex_keys_still_get_a_name():
    assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", readable_name("member-one"))
