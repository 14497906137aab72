"""The adapters installed through the `catalog.adapters` entry points, and how the app makes them."""
from __future__ import annotations

from importlib.metadata import entry_points

from app import adapters
from app.adapters import Adapter

OURS = {"download", "exchange_http", "postgres_view", "comparison"}


def test_our_adapters_are_declared_as_entry_points():
    assert OURS <= {ep.name for ep in entry_points(group="catalog.adapters")}
    assert OURS <= set(adapters.available())


def test_load_makes_every_adapter_with_the_apps_config(app):
    made = adapters.load(app.config)
    assert OURS <= set(made)
    for key, adapter in made.items():
        assert isinstance(adapter, Adapter)
        assert adapter.key == key and adapter.label


def test_labels_are_chinese(app):
    made = adapters.load(app.config)
    assert made["download"].label == "文件下载"
    assert made["exchange_http"].label == "交换平台/接口网关"


def test_an_unconfigured_deployment_still_makes_every_adapter(app):
    """Nothing is configured by default (no exchange platform): making the adapters must not fail; only their
    calls refuse, with a message that names the setting."""
    app.config["EXCHANGE_URL"] = ""
    made = adapters.load(app.config)
    assert made["exchange_http"].base_url == ""


def test_a_broken_adapter_is_left_out_and_named_not_fatal(app, monkeypatch):
    """A third party's adapter that cannot load does not take ours down."""
    from importlib.metadata import EntryPoint

    from app import adapters
    from app.adapters import registry

    real = registry.available()
    broken_ep = EntryPoint(name="broken_gateway", value="no_such_package.adapter:Gateway", group=adapters.GROUP)
    monkeypatch.setattr(registry, "available", lambda: {**real, "broken_gateway": broken_ep})
    loaded = adapters.load(app.config)
    assert {"download", "exchange_http", "postgres_view", "comparison"} <= set(loaded)
    assert "broken_gateway" not in loaded
    assert "ModuleNotFoundError" in adapters.broken()["broken_gateway"]
