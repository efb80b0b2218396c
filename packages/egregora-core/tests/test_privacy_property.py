"""Property: after ingesting generated chats, no raw name, phone or e-mail is on disk."""

import random
import shutil

from egregora_core.ingest import ingest
from egregora_core.plugins import make_plugin_manager
from egregora_core.testing import make_context
from egregora_core.testing.fakes import FakeExtractor, raw_messages
from egregora_core.testing.privacy import project_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIRST = ["José", "Zoë", "Ñandú", "Öykü", "Łukasz", "Renée", "Ægir", "Þóra", "Çağla", "Søren"]
LAST = ["Würth", "Güneş", "Ramírez", "Ødegård", "Straße", "Kovačić", "Nørby", "Llewyn"]
EMOJI = ["", "", " 🌻", " 👩\u200d💻"]


@st.composite
def chats(draw):
    rng = random.Random(draw(st.integers(0, 2**32)))
    names = sorted(
        {
            f"{rng.choice(FIRST)} {rng.choice(LAST)}{rng.choice(EMOJI)}"
            for _ in range(rng.randint(2, 6))
        }
    )
    phones = [
        f"+{rng.randint(1, 99)} {rng.randint(10, 99)} {rng.randint(10000, 99999)}-"
        f"{rng.randint(1000, 9999)}"
        for _ in range(rng.randint(0, 2))
    ]
    emails = [f"user{rng.randint(0, 999)}.x@mail{rng.randint(0, 9)}.example.com"]
    members = names + phones
    # Never writes; known only from a system line (a name typed in text by nobody's
    # record cannot be recognized as a name by anyone).
    outsider = f"{rng.choice(FIRST)} Øutsider"
    rows = [{"author": None, "text": f"{names[0]} added {outsider}", "names": [names[0], outsider]}]
    rows += [{"author": member, "text": "hi"} for member in members]  # every member writes
    for i in range(rng.randint(5, 40)):
        who = rng.choice(members)
        other = rng.choice([*members, outsider])
        shape = rng.randrange(6)
        if shape == 0:
            rows.append(
                {"author": None, "text": f"\u200e{who} added {other}", "names": [who, other]}
            )
            continue
        text = [
            f"hey @\u2068{other}\u2069 look",
            f"{other.upper()} said {rng.choice(emails)} is their mail",
            f"call {rng.choice(phones or ['+1 415 555 0100'])} now",
            f"{other.split()[0]} and {other.lower()} at https://example.com/p/{i}",
            f"plain text {i}",
        ][shape - 1]
        author = rng.choice([who, "\u202a" + who + "\u202c", "~\u202f" + who])
        rows.append({"author": author, "text": text})
    secrets = [*names, outsider, *phones, *emails]
    return rows, secrets


def _ingest(tmp_path, rows):
    extractor = FakeExtractor()

    plugins = make_plugin_manager(load_entry_points=False, env={})
    plugins.register(extractor.as_plugin(), "fake")
    path = extractor.add(tmp_path, "chat.fake", raw_messages(rows))
    ctx = make_context(tmp_path / "project", plugins=plugins)
    ingest(ctx, [path])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(chats())
def test_no_raw_identity_reaches_disk(tmp_path_factory, chat):
    rows, secrets = chat
    tmp_path = tmp_path_factory.mktemp("chat")
    try:
        _ingest(tmp_path, rows)
        haystack = project_text(tmp_path / "project").casefold()
        for secret in secrets:
            plain = secret.replace(" 🌻", "").replace(" 👩\u200d💻", "")
            assert plain.casefold() not in haystack, f"{plain!r} reached disk"
            if secret.startswith("+"):
                digits = "".join(c for c in secret if c.isdigit())
                assert digits not in haystack
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)
