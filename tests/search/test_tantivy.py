"""The embedded Tantivy backend against the conformance suite, on disk as in production."""
import pytest

from search.tantivy_backend import IndexBusy, TantivyBackend
from tests.search.conformance import *  # noqa: F401,F403
from tests.search.conformance import ENTRIES, make_doc


@pytest.fixture
def backend(tmp_path, segmenter):
    return TantivyBackend(segmenter, tmp_path / "index")


def test_a_second_process_sees_commits(tmp_path, segmenter):
    writer = TantivyBackend(segmenter, tmp_path / "index")
    reader = TantivyBackend(segmenter, tmp_path / "index")
    writer.index([make_doc(segmenter, *ENTRIES[0])])
    assert reader.count() == 1


def test_only_one_writer_at_a_time(tmp_path, segmenter):
    import fcntl
    backend = TantivyBackend(segmenter, tmp_path / "index")
    with open(tmp_path / "index" / ".catalog-writer.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(IndexBusy):
            backend.index([make_doc(segmenter, *ENTRIES[0])], blocking=False)
    backend.index([make_doc(segmenter, *ENTRIES[0])], blocking=False)
    assert backend.count() == 1
