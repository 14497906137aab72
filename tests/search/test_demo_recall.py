"""Recall over the demo catalog, as seekers type: the tail of a name, and two adjacent characters of it.

Every published entry of the 800-entry demo city is searched for by its name without the first two characters
(someone who remembers the distinctive part, or a place name without its prefix), and by two random adjacent
characters of its name (the least anyone types). The first must bring the entry into the top ten for at least
95 % of entries; the second must find the entry somewhere for every entry (no zero results).
"""
import random

from sqlalchemy import select

from app import demo, indexing
from app.catalog import Entry, EntryStatus
from app.extensions import db
from search.query import SearchQuery

SEED = 20261130


def test_name_tails_and_character_pairs_find_their_entries(app):
    demo.load_reference_data()
    demo.generate(800)
    indexing.reindex()
    entries = [(e.id, e.published_version.name) for e in db.session.scalars(
        select(Entry).where(Entry.status == EntryStatus.published))]
    assert len(entries) > 700
    backend = indexing.backend()
    rng = random.Random(SEED)

    in_top_ten, pair_misses = 0, []
    for entry_id, name in entries:
        tail = backend.search(SearchQuery(text=name[2:], per_page=10))
        in_top_ten += entry_id in [hit.id for hit in tail.hits]
        start = rng.randrange(len(name) - 1)
        pair = name[start:start + 2]
        found = backend.search(SearchQuery(text=pair, per_page=1000))
        if entry_id not in {hit.id for hit in found.hits}:
            pair_misses.append((pair, name, found.total))

    recall = in_top_ten / len(entries)
    assert recall >= 0.95, f"recall@10 of name tails {recall:.3f}"
    assert pair_misses == [], pair_misses[:10]
