"""The hand-off to the adapters: outbox consumers that provision and revoke grants in the background worker.

A provisioning message is handled once the grant's unit of work has committed. Success activates the grant and
stores the adapter's handle in the same commit that removes the message. A passing failure (a platform down) is
recorded on the grant — failed, with the error and the number of tries — in its own commit, and raised, so the
outbox tries again with a growing backoff; the provider can also retry by hand. A refusal that a retry would meet
again (a missing setting) fails the grant without retrying until someone fixes it and presses 重新开通. Nothing is
ever reported as provisioned unless the adapter said so.
"""
from __future__ import annotations

import logging


from app import adapters, notifications, outbox
from app.core.clock import today
from app.core.db import utcnow
from app.extensions import db

from .models import Grant, GrantState
from .services import PROVISION, REVOKE, _path, _tell_consumer, grant_spec, installed, provider_people
from .workflows import GRANT

log = logging.getLogger(__name__)


class ProvisionFailed(Exception):
    """A passing adapter failure: the outbox retries the message with backoff."""


def _provision(payloads: list[dict]) -> None:
    for payload in payloads:
        grant = db.session.get(Grant, payload["grant_id"])
        if grant is not None and grant.state == GrantState.active and payload.get("reissue"):
            _reissue(grant)
            continue
        if grant is None or grant.state not in (GrantState.provisioning, GrantState.failed):
            continue  # revoked or expired meanwhile, or already active (a message handled twice)
        adapter = installed().get(grant.adapter)
        try:
            if adapter is None:
                raise adapters.AdapterError(f"未安装数据访问适配器“{grant.adapter}”", f"adapter {grant.adapter!r} is not installed",
                                            retryable=False)
            handle = adapter.provision(grant_spec(grant))
        except adapters.AdapterError as error:
            _failed(grant, error)
            if error.retryable:
                db.session.commit()  # the failure is recorded; the outbox retries the message with backoff
                raise ProvisionFailed(error.message_en) from error
            continue
        GRANT.fire_internal("activate", [grant], actor=None)
        grant.handle, grant.last_error, grant.activated_on = handle.as_dict(), None, today()
        grant.late = grant.due_on is not None and today() > grant.due_on
        _tell_consumer(grant, "共享授权已开通",
                       f"“{grant.entry.published_version.name}”的 {len(grant.items)} 个信息项已开通，"
                       f"有效期至 {grant.valid_until}。")


def _reissue(grant: Grant) -> None:
    """Provisioning an active grant again gives the same handle with fresh details (a new download link)."""
    try:
        handle = installed()[grant.adapter].provision(grant_spec(grant))
    except (KeyError, adapters.AdapterError) as error:
        grant.last_error = getattr(error, "message", f"未安装数据访问适配器“{grant.adapter}”")
        return
    grant.handle, grant.last_error = handle.as_dict(), None


def _failed(grant: Grant, error: adapters.AdapterError) -> None:
    if grant.state == GrantState.provisioning:
        GRANT.fire_internal("fail", [grant], actor=None)
    grant.attempts += 1
    grant.last_error = error.message
    notifications.notify(
        [*provider_people(grant.provider_department_id)], key=f"share_grant:{grant.id}:failed:{grant.attempts}",
        kind="sharing.grant", subject=f"共享授权开通失败：第 {grant.id} 号",
        body=f"{error.message}" + ("（系统将自动重试）" if error.retryable else "（请处理后点击“重新开通”）"),
        link=_path("sharing.grant_page", grant_id=grant.id))


def _revoke(payloads: list[dict]) -> None:
    for payload in payloads:
        grant = db.session.get(Grant, payload["grant_id"])
        if grant is None or not grant.handle or grant.revoked_at_adapter is not None:
            continue
        adapter = installed().get(grant.adapter)
        if adapter is None:
            grant.last_error = f"未安装数据访问适配器“{grant.adapter}”，无法在适配器处撤销"
            continue
        try:
            adapter.revoke(adapters.Handle.from_dict(grant.handle))
        except adapters.AdapterError as error:
            grant.last_error = error.message
            if error.retryable:
                db.session.commit()
                raise ProvisionFailed(error.message_en) from error
            continue
        grant.revoked_at_adapter = utcnow()


outbox.register(PROVISION, _provision, batch=1, background=True)
outbox.register(REVOKE, _revoke, batch=1, background=True)
