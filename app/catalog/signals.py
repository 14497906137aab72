"""Catalog events other modules react to (they subscribe; the catalog never imports them)."""
from blinker import Namespace

_signals = Namespace()

#: sent with the entry (and `user`) after it is retired, inside the same transaction
entry_retired = _signals.signal("entry-retired")

#: sent with the entry (and `user`) after a version is published, inside the same transaction
entry_published = _signals.signal("entry-published")

#: sent with a list of entry ids after a bulk import published them, inside the same transaction
entries_published = _signals.signal("entries-published")
