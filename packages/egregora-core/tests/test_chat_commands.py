from datetime import UTC, datetime

import pytest
from egregora_core.chat_commands import Command, event_id, fold, parse_command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/egregora opt-out", Command("opt-out")),
        ("  /EGREGORA Opt-In ", Command("opt-in")),
        ("\u200e/egregora set alias “Mai”", Command("set", "alias", "Mai")),
        ("/egregora set bio 'I like books'", Command("set", "bio", "I like books")),
        ("/egregora remove alias", Command("remove", "alias")),
        ("/egregora set alias " + "x" * 41, None),
        ("/egregora set colour red", None),
        ("/egregorable opt-out", None),
        ("please /egregora opt-out", None),
    ],
)
def test_parse(text, expected):
    assert parse_command(text) == expected


def ev(p, minute, cmd):
    ts = datetime(2024, 1, 1, 0, minute, tzinfo=UTC)
    return {
        "event_id": event_id(p, ts, cmd),
        "pseudonym": p,
        "ts": ts,
        "action": cmd.action,
        "field": cmd.field,
        "value": cmd.value,
    }


def test_fold_applies_in_timestamp_order_last_wins():
    events = [
        ev("a", 5, Command("opt-in")),
        ev("a", 1, Command("opt-out")),
        ev("a", 2, Command("set", "alias", "x")),
        ev("a", 3, Command("remove", "alias")),
        ev("b", 1, Command("opt-out")),
    ]
    prefs = fold(events)
    assert prefs["a"]["opted_out"] is False
    assert prefs["a"]["alias"] is None
    assert prefs["b"]["opted_out"] is True
