import pytest

from search.segment import Segmenter
from tests.search.conformance import DEPARTMENTS


@pytest.fixture(scope="module")
def segmenter():
    """A segmenter that knows the test departments' abbreviations, as the app's does from its table."""
    words = [w for d in DEPARTMENTS.values() for w in [d["short_name"]] + d["aliases"].split(";") if w]
    groups = [[d["name"], d["short_name"]] + [a for a in d["aliases"].split(";") if a] for d in DEPARTMENTS.values()]
    return Segmenter(words=words, synonyms=groups)
