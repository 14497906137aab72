"""Fixtures of the account tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def browser_at(app, client):
    """`browser_at("10.0.0.5")`: a new client (its own cookies) whose requests come from that address."""
    def make(address: str):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = address
        return browser

    return make
