"""A chat written to break the anonymizer leaves no identifying string anywhere.

The project-authored fixture (:mod:`egregora_core.testing.adversarial`) has every hole
found by hostile input: names typed without accents, in NFD, surname alone, glued into
handles and links, poll options, a vCard, obfuscated e-mails, an emoji-only member,
media with EXIF and ID3 tags, and a one-to-one chat named after a contact who never
writes. After ``run`` (ingest) and ``site build``, every file under the project is scanned
value by value (raw bytes, UTF-16, gzip, Parquet cells, DuckDB rows), and so is everything
the commands printed.
"""

from __future__ import annotations

import io

from egregora_core.testing.adversarial import GROUP_LINES, SECRETS, leaks, write_exports
from egregora_core.testing.privacy import THEME_ASSETS, project_text


def test_adversarial_exports_leave_no_identifying_string(cli, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    exports = write_exports(tmp_path / "in")
    project = tmp_path / "project"
    assert cli(["init", str(project)]) == 0
    for export in exports:
        assert cli(["--project", str(project), "-v", "run", str(export)]) == 0
    assert cli(["--project", str(project), "site", "build", "--period", "day"]) == 0
    printed = capsys.readouterr()

    raw = "\n".join(f"{author}: {line}" for author, line in GROUP_LINES)
    assert len(leaks(raw)) >= 10  # the scan does find the names in the raw export
    text = project_text(project, exclude=THEME_ASSETS)
    for ingested in ("said yes", "Who hosts?", "[email]", "[phone]", "you owe me a book"):
        assert ingested in text  # the hostile messages did go through
    assert leaks(text) == []
    assert leaks(printed.out + printed.err) == []
    assert "🤓 reading 🤓" in text  # an emoji-only name is not scrubbed out of text
    assert "a rose is a rose" in text  # nor are ordinary words that are also names

    from PIL import Image

    images = list((project / "docs/media/images").glob("*.jpg"))
    assert images
    for image in images:
        with Image.open(io.BytesIO(image.read_bytes())) as opened:
            assert not opened.getexif()
    audio = list((project / "docs/media/audio").glob("*.mp3"))
    assert audio
    import mutagen

    for file in audio:
        assert mutagen.File(io.BytesIO(file.read_bytes())).tags is None
    assert not list(project.rglob("*.vcf"))
    assert SECRETS  # the list the scan used is not empty
