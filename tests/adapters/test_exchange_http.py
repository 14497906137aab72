"""The exchange platform / API gateway adapter against a real HTTP server on 127.0.0.1 that checks signatures."""
from __future__ import annotations

import json

import pytest

from app.adapters import ACTIVE, MISSING, AdapterError, GrantSpec, Handle
from app.adapters.conformance import AdapterConformance
from app.adapters.exchange_http import ExchangeHttpAdapter, signature, subscription_body

from .conftest import APPROVED, EXCHANGE_KEY, RESOURCE_ITEMS, grant_spec
from .exchange_server import ExchangeServer


def adapter_for(server: ExchangeServer, key: str = EXCHANGE_KEY, **config) -> ExchangeHttpAdapter:
    return ExchangeHttpAdapter({"EXCHANGE_URL": server.url, "EXCHANGE_KEY": key, "EXCHANGE_TIMEOUT_SECONDS": 5,
                                **config})


class TestExchangeHttpConformance(AdapterConformance):
    """The conformance suite, against a platform that answers a repeated registration with 200."""

    duplicate_status = 200

    @pytest.fixture(autouse=True)
    def _platform(self):
        self.server = ExchangeServer(key=EXCHANGE_KEY, duplicate_status=self.duplicate_status).start()
        yield
        self.server.stop()

    def make_adapter(self):
        return adapter_for(self.server)

    def make_grant(self, grant_id: int) -> GrantSpec:
        return grant_spec(grant_id)

    def exposed(self, handle: Handle) -> set[str]:
        registered = self.server.subscriptions.get(handle.reference)
        return set(registered["items"]) if registered else set()

    def is_reachable(self, handle: Handle) -> bool:
        return handle.reference in self.server.subscriptions

    def provisioned_count(self, grant: GrantSpec) -> int:
        return sum(1 for r in self.server.requests_for("POST")
                   if r.status == 201 and r.json and r.json["grant_id"] == grant.grant_id)

    def break_adapter(self, adapter):
        self.server.stop()

    def repair_adapter(self, adapter):
        self.server.start()


class TestExchangeHttpConformanceWith409(TestExchangeHttpConformance):
    """The same, against a platform that answers a repeated registration with 409 "already exists"."""

    duplicate_status = 409


# ---- provisioning ------------------------------------------------------------------------------------------

def test_platform_receives_exactly_the_approved_items_signed(exchange_server):
    grant = grant_spec(7)
    handle = adapter_for(exchange_server).provision(grant)

    [received] = exchange_server.requests
    assert received.method == "POST" and received.path == "/subscriptions"
    assert received.signed and received.status == 201
    assert received.headers["Idempotency-Key"] == "grant-7"
    assert received.headers["X-Catalog-Signature"].startswith("sha256=")
    assert received.json == {
        "subscription": "grant-7", "grant_id": 7, "resource_code": "101001/000001", "resource_name": "户籍人口基本信息",
        "provider_code": "006", "consumer_code": "007", "consumer_name": "市民政局", "items": list(APPROVED),
        "purpose": "核验低保申请人身份", "valid_from": grant.valid_from.isoformat(),
        "valid_until": grant.valid_until.isoformat()}
    assert not set(received.json["items"]) & (set(RESOURCE_ITEMS) - set(APPROVED))
    assert received.body == subscription_body(grant)  # the exact bytes that were signed
    assert handle == Handle("exchange_http", 7, "grant-7")
    assert handle.details["subscription"] == "grant-7" and handle.details["items"] == list(APPROVED)


def test_signature_covers_timestamp_method_path_and_body():
    body = b'{"a":1}'
    first = signature("k", "1700000000", "POST", "/subscriptions", body)
    assert first.startswith("sha256=") and len(first) == len("sha256=") + 64
    assert first != signature("k", "1700000001", "POST", "/subscriptions", body)
    assert first != signature("k", "1700000000", "DELETE", "/subscriptions", body)
    assert first != signature("k", "1700000000", "POST", "/subscriptions/x", body)
    assert first != signature("k", "1700000000", "POST", "/subscriptions", b'{"a":2}')
    assert first != signature("other", "1700000000", "POST", "/subscriptions", body)


def test_a_platform_that_is_down_raises_a_retryable_error_and_then_provisions_once(exchange_server):
    adapter = adapter_for(exchange_server)
    exchange_server.stop()

    with pytest.raises(AdapterError) as raised:
        adapter.provision(grant_spec(7))
    assert raised.value.retryable
    assert "交换平台" in raised.value.message and exchange_server.url in raised.value.message
    assert exchange_server.requests == [] and exchange_server.subscriptions == {}

    exchange_server.start()
    adapter.provision(grant_spec(7))
    assert list(exchange_server.subscriptions) == ["grant-7"]
    assert [r.status for r in exchange_server.requests] == [201]


def test_provisioning_twice_registers_one_subscription(exchange_server):
    adapter = adapter_for(exchange_server)
    first, second = adapter.provision(grant_spec(7)), adapter.provision(grant_spec(7))
    assert first == second
    assert list(exchange_server.subscriptions) == ["grant-7"]
    assert [r.status for r in exchange_server.requests] == [201, 200]
    assert {r.headers["Idempotency-Key"] for r in exchange_server.requests} == {"grant-7"}


def test_already_exists_409_is_success_with_the_same_handle():
    with ExchangeServer(key=EXCHANGE_KEY, duplicate_status=409) as server:
        adapter = adapter_for(server)
        first, second = adapter.provision(grant_spec(7)), adapter.provision(grant_spec(7))
        assert first == second
        assert [r.status for r in server.requests] == [201, 409]
        assert len(server.subscriptions) == 1


def test_a_503_is_retryable_and_the_retry_provisions_once(exchange_server):
    adapter = adapter_for(exchange_server)
    exchange_server.fail_next(2)
    for _ in range(2):
        with pytest.raises(AdapterError) as raised:
            adapter.provision(grant_spec(7))
        assert raised.value.retryable and "503" in raised.value.message
    assert exchange_server.subscriptions == {}
    adapter.provision(grant_spec(7))
    assert [r.status for r in exchange_server.requests] == [503, 503, 201]
    assert len(exchange_server.subscriptions) == 1


def test_an_outage_switch_answers_503_until_it_is_turned_off(exchange_server):
    adapter = adapter_for(exchange_server)
    exchange_server.unavailable = True
    with pytest.raises(AdapterError) as raised:
        adapter.provision(grant_spec(7))
    assert raised.value.retryable
    exchange_server.unavailable = False
    assert adapter.status(adapter.provision(grant_spec(7))) == ACTIVE


def test_a_wrong_key_is_refused_with_401_and_is_not_retryable(exchange_server):
    with pytest.raises(AdapterError) as raised:
        adapter_for(exchange_server, key="not-the-platform-key").provision(grant_spec(7))
    assert not raised.value.retryable
    assert "401" in raised.value.message and "CATALOG_EXCHANGE_KEY" in raised.value.message
    assert [(r.signed, r.status) for r in exchange_server.requests] == [(False, 401)]
    assert exchange_server.subscriptions == {}


def test_another_refusal_is_not_retryable_and_shows_the_platform_message(exchange_server):
    exchange_server.fail_next(1, status=422)
    with pytest.raises(AdapterError) as raised:
        adapter_for(exchange_server).provision(grant_spec(7))
    assert not raised.value.retryable
    assert "422" in raised.value.message and "维护中" in raised.value.message


def test_too_many_requests_is_retryable(exchange_server):
    exchange_server.fail_next(1, status=429)
    with pytest.raises(AdapterError) as raised:
        adapter_for(exchange_server).provision(grant_spec(7))
    assert raised.value.retryable


def test_a_redirect_is_not_followed(exchange_server):
    exchange_server.fail_next(1, status=302)
    with pytest.raises(AdapterError) as raised:
        adapter_for(exchange_server).provision(grant_spec(7))
    assert not raised.value.retryable
    assert len(exchange_server.requests) == 1


def test_a_platform_that_does_not_answer_in_time_raises_a_retryable_error(exchange_server):
    exchange_server.delay_seconds = 1.0
    with pytest.raises(AdapterError) as raised:
        adapter_for(exchange_server, EXCHANGE_TIMEOUT_SECONDS=0.2).provision(grant_spec(7))
    assert raised.value.retryable and "未响应" in raised.value.message


@pytest.mark.parametrize("config, message", [
    ({"EXCHANGE_URL": "", "EXCHANGE_KEY": "k"}, "未配置交换平台地址（CATALOG_EXCHANGE_URL）"),
    ({"EXCHANGE_URL": "ftp://127.0.0.1/x", "EXCHANGE_KEY": "k"}, "交换平台地址无效"),
    ({"EXCHANGE_URL": "http://127.0.0.1:9", "EXCHANGE_KEY": ""}, "未配置交换平台签名密钥（CATALOG_EXCHANGE_KEY）"),
])
def test_an_adapter_not_configured_refuses_without_retrying(config, message):
    adapter = ExchangeHttpAdapter(config)  # making it never fails: every installed adapter is made at start-up
    for call in (lambda: adapter.provision(grant_spec(7)), lambda: adapter.revoke(Handle("exchange_http", 7, "grant-7")),
                 lambda: adapter.status(Handle("exchange_http", 7, "grant-7"))):
        with pytest.raises(AdapterError) as raised:
            call()
        assert not raised.value.retryable
        assert message in raised.value.message


def test_a_platform_under_a_base_path_gets_signed_requests():
    with ExchangeServer(key=EXCHANGE_KEY, base_path="/gateway/v1") as server:
        adapter = adapter_for(server)
        handle = adapter.provision(grant_spec(7))
        assert adapter.status(handle) == ACTIVE
        adapter.revoke(handle)
        assert [(r.method, r.path, r.signed) for r in server.requests] == [
            ("POST", "/gateway/v1/subscriptions", True), ("GET", "/gateway/v1/subscriptions/grant-7", True),
            ("DELETE", "/gateway/v1/subscriptions/grant-7", True)]


# ---- revoking and status -----------------------------------------------------------------------------------

def test_revoke_deletes_the_subscription_and_revoking_again_succeeds(exchange_server):
    adapter = adapter_for(exchange_server)
    handle = adapter.provision(grant_spec(7))
    adapter.provision(grant_spec(8))

    adapter.revoke(handle)
    assert list(exchange_server.subscriptions) == ["grant-8"]
    assert adapter.status(handle) == MISSING
    adapter.revoke(handle)  # 404: already gone
    deletes = exchange_server.requests_for("DELETE")
    assert [(r.path, r.signed, r.status) for r in deletes] == [("/subscriptions/grant-7", True, 204),
                                                               ("/subscriptions/grant-7", True, 404)]


def test_revoking_while_the_platform_is_down_is_retryable(exchange_server):
    adapter = adapter_for(exchange_server)
    handle = adapter.provision(grant_spec(7))
    exchange_server.stop()
    with pytest.raises(AdapterError) as raised:
        adapter.revoke(handle)
    assert raised.value.retryable
    exchange_server.start()
    adapter.revoke(handle)
    assert exchange_server.subscriptions == {}


def test_status_reads_the_platform(exchange_server):
    adapter = adapter_for(exchange_server)
    handle = adapter.provision(grant_spec(7))
    assert adapter.status(handle) == ACTIVE
    exchange_server.subscriptions.clear()  # removed at the platform by someone else
    assert adapter.status(handle) == MISSING
    [get, _] = exchange_server.requests_for("GET")
    assert get.signed and get.body == b""


def test_a_handle_of_another_adapter_is_refused(exchange_server):
    with pytest.raises(AdapterError) as raised:
        adapter_for(exchange_server).revoke(Handle("download", 7, "grant-7"))
    assert not raised.value.retryable
    assert exchange_server.requests == []


def test_the_body_is_compact_sorted_utf8_json():
    body = subscription_body(grant_spec(7))
    assert "户籍人口基本信息".encode() in body
    assert json.loads(body)["items"] == list(APPROVED)
    assert body == json.dumps(json.loads(body), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def test_credentials_in_the_platform_address_are_never_shown():
    adapter = ExchangeHttpAdapter({"EXCHANGE_URL": "http://gateway:s3cret@127.0.0.1:9/api/", "EXCHANGE_KEY": ""})
    assert adapter.shown_url == "http://127.0.0.1:9/api"
    with pytest.raises(AdapterError) as raised:
        adapter.provision(grant_spec(7))
    assert "s3cret" not in raised.value.message + raised.value.message_en
