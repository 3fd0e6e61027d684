"""Flashcards as an Anki package (.apkg), with genanki.

Ids are stable so that importing a newer package updates what an earlier one created instead of adding
duplicates: the note type and the decks have fixed ids (decks derive theirs from the section key), and
each note's GUID derives from the flashcard's key.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path

import genanki
from django.utils.html import escape

from quizapp.catalog.models import Flashcard, Section
from quizapp.catalog.rendering import render_markdown

ROOT_DECK = "AI与大模型介绍"
MODEL_ID = 1_607_392_319  # fixed forever: changing it makes Anki see a new note type
CSS = """.card { font-family: system-ui, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
font-size: 20px; line-height: 1.6; color: #1f2933; background: #fbfaf7; text-align: left; }
.hint { color: #52606d; font-size: .85em; } .section { color: #52606d; font-size: .75em; }"""

MODEL = genanki.Model(
    MODEL_ID,
    "quizapp flashcard",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Hint"}, {"name": "Section"}, {"name": "Key"}],
    templates=[{
        "name": "Card 1",
        "qfmt": ('<div class="section">{{Section}}</div>{{Front}}'
                 '{{#Hint}}<p class="hint">{{Hint}}</p>{{/Hint}}'),
        "afmt": '{{FrontSide}}<hr id="answer">{{Back}}',
    }],
    css=CSS,
    sort_field_index=4,
)


def deck_id(key: str) -> int:
    """A stable Anki deck id from a section key (Anki ids are positive 63-bit-safe integers)."""
    return int.from_bytes(hashlib.sha256(f"quizapp-deck:{key}".encode()).digest()[:6], "big") + 1


def flashcards_for(section: Section | None):
    cards = Flashcard.objects.published().select_related("section__parent").order_by("section__order", "key")
    if section is not None:
        cards = cards.filter(section__in=Section.objects.leaves_under(section))
    return cards


def build_package(flashcards) -> genanki.Package:
    decks: dict[str, genanki.Deck] = {}
    for card in flashcards:
        section = card.section
        path = [ROOT_DECK] + ([section.parent.title] if section.parent_id else []) + [section.title]
        deck = decks.get(section.key)
        if deck is None:
            deck = decks[section.key] = genanki.Deck(deck_id(section.key), "::".join(path))
        deck.add_note(genanki.Note(
            model=MODEL,
            # Anki fields are HTML: the faces are rendered and sanitized Markdown, the plain texts escaped.
            fields=[render_markdown(card.front), render_markdown(card.back), escape(card.hint),
                    escape(section.title), card.key],
            guid=genanki.guid_for(card.key),
            tags=[section.key],
        ))
    if not decks:
        decks[""] = genanki.Deck(deck_id(""), ROOT_DECK)
    return genanki.Package(list(decks.values()))


def write_package(flashcards, out=None, *, timestamp: float | None = None):
    """Write the package to `out` (a path or a binary file; a new in-memory file if None) and return it.

    `timestamp` stamps the notes' modification time (Anki updates a note on re-import only when newer).
    Same as genanki's Package.write_to_file, but its scratch database goes in a directory that is removed.
    """
    package = build_package(flashcards)
    out = io.BytesIO() if out is None else out
    with tempfile.TemporaryDirectory() as scratch:
        db_path = Path(scratch) / "collection.anki2"
        conn = sqlite3.connect(db_path)
        timestamp = time.time() if timestamp is None else timestamp
        package.write_to_db(conn.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
        conn.commit()
        conn.close()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(db_path, "collection.anki2")
            archive.writestr("media", json.dumps({}))
    if hasattr(out, "seek"):
        out.seek(0)
    return out
