"""The conformance suite against a real Elasticsearch server, when ELASTICSEARCH_URL points at one.

No server can be installed on the machines this project is built on, so without ELASTICSEARCH_URL this module
is skipped; with it (e.g. ELASTICSEARCH_URL=http://127.0.0.1:9200) every conformance test runs for real.
"""
import os
import uuid

import pytest

from search.elasticsearch_backend import ElasticsearchBackend
from tests.search.conformance import *  # noqa: F401,F403

URL = os.environ.get("ELASTICSEARCH_URL")
pytestmark = pytest.mark.skipif(not URL, reason="ELASTICSEARCH_URL is not set (no Elasticsearch server here)")


@pytest.fixture
def backend(segmenter):
    alias = f"catalog-test-{uuid.uuid4().hex[:8]}"
    backend = ElasticsearchBackend(segmenter, url=URL, alias=alias)
    yield backend
    backend.client.indices.delete(index=f"{alias}-*", ignore_unavailable=True)
