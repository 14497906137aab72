"""The portal (门户), the read side: home page, search, the catalogs of SPEC §3, entry pages. It never writes."""
from . import search
from .search import matching_ids, parse as parse_search
from .views import bp

__all__ = ["bp", "matching_ids", "parse_search", "search"]
