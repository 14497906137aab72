"""The file download adapter and its link, `GET /downloads/<token>`: a real file under a test ATTACHMENTS_PATH,
fetched through the test client as users of the consumer department and of others."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from app.adapters import ACTIVE, MISSING, REVOKED, AdapterError, GrantSpec, Handle
from app.adapters.conformance import AdapterConformance
from app.adapters.download import DownloadAdapter
from app.audit import AuditEntry
from app.extensions import db
from tests.portal.test_portal import login

from .conftest import APPROVED, grant_spec

CONTENT = "姓名,公民身份号码\n张三,110101199001011234\n李四,110101198502022345\n".encode()
DAY = dt.date(2025, 3, 3)  # a Monday


def attach(root, relative: str = "grants/7/户籍.csv", content: bytes = CONTENT) -> str:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return relative


def file_grant(relative: str, grant_id: int = 7, **overrides) -> GrantSpec:
    settings = {"file": relative, "filename": "户籍人口基本信息.csv", "items": list(APPROVED)}
    settings.update(overrides.pop("settings", {}))
    return grant_spec(grant_id, settings=settings, **overrides)


def on_day(app, day: dt.date, user):
    """Move the registry's clock to `day` and sign `user` in afresh (a session does not live for days)."""
    app.config["TODAY"] = day.isoformat()
    client = app.test_client()
    login(client, user)
    return client


def downloads_of(grant_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "grant.download",
                                                            AuditEntry.object_id == grant_id)))


@pytest.fixture
def consumer(make_user):
    return make_user("seeker", "市民政局")  # code 007, the consumer of grant_spec()


@pytest.fixture
def provisioned(app, downloads, grant_checker):
    """Provision grant 7 (file attached, grant active); returns (adapter, handle)."""
    def make(grant: GrantSpec | None = None):
        default = attach(downloads)
        grant = grant or file_grant(default)
        grant_checker.active.add(grant.grant_id)
        adapter = DownloadAdapter(app.config)
        return adapter, adapter.provision(grant)

    return make


# ---- the conformance suite -----------------------------------------------------------------------------------

class TestDownloadConformance(AdapterConformance):
    """`exposed()` downloads the file through the link, as the consumer, and reads the items from its header."""

    @pytest.fixture(autouse=True)
    def _setup(self, app, client, downloads, grant_checker, consumer):
        self.app, self.client, self.root, self.checker = app, client, downloads, grant_checker
        login(client, consumer)

    def make_adapter(self):
        return DownloadAdapter(self.app.config)

    def make_grant(self, grant_id: int) -> GrantSpec:
        self.checker.active.add(grant_id)
        return file_grant(attach(self.root, f"grants/{grant_id}/data.csv"), grant_id)

    def _fetch(self, handle: Handle) -> tuple[int, bytes]:
        with self.client.get(handle.details["path"]) as response:  # a streamed file: close it
            return response.status_code, response.get_data()

    def exposed(self, handle: Handle) -> set[str]:
        status, content = self._fetch(handle)
        if status != 200:
            return set()
        return set(next(csv.reader(io.StringIO(content.decode("utf-8")))))

    def is_reachable(self, handle: Handle) -> bool:
        return self._fetch(handle)[0] == 200

    def withdraw(self, grant: GrantSpec) -> None:
        self.checker.active.discard(grant.grant_id)  # the sharing module marks the grant revoked first

    def break_adapter(self, adapter):
        for path in self.root.glob("grants/*/data.csv"):
            path.rename(path.with_suffix(".gone"))

    def repair_adapter(self, adapter):
        for path in self.root.glob("grants/*/data.gone"):
            path.rename(path.with_suffix(".csv"))


# ---- provisioning -------------------------------------------------------------------------------------------

def test_provision_issues_a_link_that_expires_after_the_configured_hours(app, provisioned):
    app.config["TODAY"] = DAY.isoformat()
    app.config["DOWNLOAD_LINK_HOURS"] = 24
    _adapter, handle = provisioned(file_grant("grants/7/户籍.csv", valid_from=DAY, valid_until=DAY + dt.timedelta(days=90)))
    assert handle == Handle("download", 7, "grant-7")
    assert handle.details["path"].startswith("/downloads/")
    assert handle.details["filename"] == "户籍人口基本信息.csv"
    assert handle.details["items"] == list(APPROVED)
    expires = dt.datetime.fromisoformat(handle.details["expires_at"])
    assert expires.utcoffset() == dt.timedelta(hours=8)  # shown in the deployment's time zone
    assert expires.date() == DAY + dt.timedelta(days=1)


def test_the_link_never_outlives_the_grant(app, provisioned):
    app.config["TODAY"] = DAY.isoformat()
    _adapter, handle = provisioned(file_grant("grants/7/户籍.csv", valid_from=DAY - dt.timedelta(days=30),
                                              valid_until=DAY))
    assert handle.details["expires_at"] == f"{DAY + dt.timedelta(days=1)}T00:00:00+08:00"  # end of its last day


def test_provisioning_again_gives_the_same_handle_with_a_fresh_link(app, provisioned):
    adapter, first = provisioned()
    second = adapter.provision(file_grant("grants/7/户籍.csv"))
    assert second == first
    assert adapter.status(second) == ACTIVE


def test_a_grant_that_has_ended_gets_no_link(app, provisioned):
    app.config["TODAY"] = DAY.isoformat()
    with pytest.raises(AdapterError) as raised:
        provisioned(file_grant("grants/7/户籍.csv", valid_from=DAY - dt.timedelta(days=30),
                               valid_until=DAY - dt.timedelta(days=1)))
    assert not raised.value.retryable and "有效期" in raised.value.message


def test_a_file_declared_to_hold_unapproved_items_is_refused(app, provisioned, downloads):
    grant = file_grant(attach(downloads), settings={"items": ["姓名", "公民身份号码", "户籍地址"]})
    with pytest.raises(AdapterError) as raised:
        provisioned(grant)
    assert not raised.value.retryable and "户籍地址" in raised.value.message


@pytest.mark.parametrize("relative", ["../outside.csv", "/etc/passwd", "grants/../../outside.csv", ""])
def test_an_attachment_outside_the_attachments_folder_is_refused(app, provisioned, downloads, relative):
    (downloads.parent / "outside.csv").write_bytes(CONTENT)
    with pytest.raises(AdapterError) as raised:
        provisioned(file_grant(relative))
    assert not raised.value.retryable


def test_a_missing_or_oversized_attachment_is_refused(app, provisioned, downloads):
    with pytest.raises(AdapterError) as raised:
        provisioned(file_grant("grants/7/none.csv"))
    assert "附件文件不存在" in raised.value.message
    app.config["ATTACHMENT_MAX_BYTES"] = 10
    with pytest.raises(AdapterError) as raised:
        provisioned(file_grant(attach(downloads)))
    assert "过大" in raised.value.message


def test_status_follows_the_grant_checker_and_revoke_is_a_no_op(app, provisioned, grant_checker):
    adapter, handle = provisioned()
    assert adapter.status(handle) == ACTIVE
    grant_checker.active.clear()
    adapter.revoke(handle)
    adapter.revoke(handle)
    assert adapter.status(handle) == REVOKED


def test_status_without_a_grant_checker_is_an_error(app, provisioned):
    adapter, handle = provisioned()
    from app import adapters

    previous = adapters.set_grant_checker(None)
    try:
        with pytest.raises(AdapterError):
            adapter.status(handle)
    finally:
        adapters.set_grant_checker(previous)


def test_status_is_missing_when_the_attachment_is_gone(app, provisioned, downloads):
    adapter, handle = provisioned()
    (downloads / "grants/7/户籍.csv").unlink()
    assert adapter.status(handle) == MISSING


# ---- the link ---------------------------------------------------------------------------------------------------

def test_the_consumer_downloads_the_file_and_it_is_audited(app, client, provisioned, consumer, grant_checker):
    _adapter, handle = provisioned()
    login(client, consumer)
    response = client.get(handle.details["path"])
    assert response.status_code == 200
    assert response.get_data() == CONTENT
    assert "attachment" in response.headers["Content-Disposition"]
    assert "%E6%88%B7%E7%B1%8D" in response.headers["Content-Disposition"]  # 户籍…, RFC 5987 encoded
    assert "no-store" in response.headers["Cache-Control"]
    response.close()
    assert grant_checker.calls == [7]
    [entry] = downloads_of(7)
    assert entry.object_type == "grant" and entry.actor_id == consumer.id
    assert entry.details["filename"] == "户籍人口基本信息.csv" and entry.details["bytes"] == len(CONTENT)
    assert "户籍人口基本信息.csv" in entry.summary


def test_another_department_is_refused(app, client, provisioned, make_user):
    _adapter, handle = provisioned()
    login(client, make_user("seeker", "市财政局"))
    response = client.get(handle.details["path"])
    assert response.status_code == 403
    assert "使用部门" in response.get_data(as_text=True)
    assert downloads_of(7) == []


def test_the_provider_itself_cannot_use_the_consumers_link(app, client, provisioned, make_user):
    _adapter, handle = provisioned()
    login(client, make_user("editor", "市公安局"))
    assert client.get(handle.details["path"]).status_code == 403


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(app, client, provisioned):
    _adapter, handle = provisioned()
    response = client.get(handle.details["path"])
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert downloads_of(7) == []


def test_an_expired_link_answers_410(app, client, provisioned, consumer):
    app.config["TODAY"] = DAY.isoformat()
    _adapter, handle = provisioned(file_grant("grants/7/户籍.csv", valid_from=DAY, valid_until=DAY + dt.timedelta(days=90)))
    with on_day(app, DAY + dt.timedelta(days=2), consumer).get(handle.details["path"]) as response:
        assert response.status_code == 200  # 48 of its 72 hours
    response = on_day(app, DAY + dt.timedelta(days=4), consumer).get(handle.details["path"])
    assert response.status_code == 410
    assert "下载链接已过期" in response.get_data(as_text=True)
    assert len(downloads_of(7)) == 1


def test_a_link_stops_at_the_end_of_the_grant(app, client, provisioned, consumer):
    app.config["TODAY"] = DAY.isoformat()
    _adapter, handle = provisioned(file_grant("grants/7/户籍.csv", valid_from=DAY - dt.timedelta(days=9),
                                              valid_until=DAY))
    login(client, consumer)
    with client.get(handle.details["path"]) as response:
        assert response.status_code == 200
    # within its 72 hours, but past the grant's last day
    assert on_day(app, DAY + dt.timedelta(days=1), consumer).get(handle.details["path"]).status_code == 410


def test_a_link_issued_before_the_grant_begins_works_from_its_first_day(app, client, provisioned, consumer):
    app.config["TODAY"] = DAY.isoformat()
    start = DAY + dt.timedelta(days=5)
    _adapter, handle = provisioned(file_grant("grants/7/户籍.csv", valid_from=start, valid_until=start + dt.timedelta(days=30)))
    assert handle.details["expires_at"] == f"{start + dt.timedelta(days=3)}T00:00:00+08:00"
    login(client, consumer)
    response = client.get(handle.details["path"])
    assert response.status_code == 403 and "授权尚未生效" in response.get_data(as_text=True)
    with on_day(app, start + dt.timedelta(days=1), consumer).get(handle.details["path"]) as response:
        assert response.status_code == 200


def test_a_withdrawn_grant_answers_410(app, client, provisioned, consumer, grant_checker):
    adapter, handle = provisioned()
    login(client, consumer)
    grant_checker.active.discard(7)
    adapter.revoke(handle)
    response = client.get(handle.details["path"])
    assert response.status_code == 410
    assert "共享授权已撤销或已终止" in response.get_data(as_text=True)
    assert downloads_of(7) == []


def test_no_grant_checker_serves_nothing(app, client, provisioned, consumer):
    from app import adapters

    _adapter, handle = provisioned()
    login(client, consumer)
    previous = adapters.set_grant_checker(None)
    try:
        assert client.get(handle.details["path"]).status_code == 410
    finally:
        adapters.set_grant_checker(previous)


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # the signature
    lambda token: "x" + token[1:],  # the payload
    lambda token: token.split(".")[0],  # truncated
    lambda _token: "not-a-token",
])
def test_a_tampered_link_is_the_404_page(app, client, provisioned, consumer, tamper):
    _adapter, handle = provisioned()
    login(client, consumer)
    token = handle.details["path"].removeprefix("/downloads/")
    response = client.get("/downloads/" + tamper(token))
    assert response.status_code == 404
    assert "未找到" in response.get_data(as_text=True)
    assert downloads_of(7) == []


def test_a_link_signed_with_another_key_is_the_404_page(app, client, downloads, grant_checker, consumer):
    grant_checker.active.add(7)
    other = DownloadAdapter({**app.config, "SECRET_KEY": "another-deployment"})
    handle = other.provision(file_grant(attach(downloads)))
    login(client, consumer)
    assert client.get(handle.details["path"]).status_code == 404


def test_an_attachment_removed_after_the_link_was_issued_is_a_404(app, client, provisioned, consumer, downloads):
    _adapter, handle = provisioned()
    (downloads / "grants/7/户籍.csv").unlink()
    login(client, consumer)
    response = client.get(handle.details["path"])
    assert response.status_code == 404 and "附件文件不存在" in response.get_data(as_text=True)
