"""The file download adapter (文件下载): the provider attaches a file for a grant, the consumer downloads it through a
signed link that expires.

What the sharing module hands over, in `grant.settings`:
- ``file``: the attachment's path relative to `CATALOG_ATTACHMENTS_PATH` (where the sharing module stored it);
- ``filename``: the name the consumer's browser saves it under (default: the stored file's name);
- ``items`` (optional): the data items the provider declares the file holds. A file grant exposes the whole
  file, so **the provider must attach a file holding only the approved items**; when ``items`` is given and names
  an item that was not approved, provisioning is refused. Without it, the provider's upload for this grant is
  taken as its declaration that the file holds the approved items.

`provision` issues a link ``/downloads/<token>``: an itsdangerous `URLSafeTimedSerializer` token, signed with the
app's `SECRET_KEY`, over the grant id, the file, its name, the consumer, provider and resource codes, and the end
of the grant's period. The link works from issue (or from the first day of the grant, if that is later) for
`DOWNLOAD_LINK_HOURS` (the serializer's `max_age`), and never after the last day of the grant (the ``exp`` it
carries, end of `valid_until` in the deployment's time zone). The token is signed, not encrypted: it holds no
data, only references. Provisioning again for the same grant gives the same handle (reference ``grant-<id>``)
with a fresh link: that is how a consumer whose link expired gets a new one while the grant lasts.

The link alone is not enough: `GET /downloads/<token>` (`views.py`) also wants a signed-in user of the consumer
department, and asks the sharing module's grant checker (`hooks.set_grant_checker`) whether the grant is still
active. That checker is what really decides: `revoke` has nothing of its own to take back (no copy of the file
was made, no account created) and succeeds without doing anything once the registry has withdrawn the grant;
`status` asks the checker. A link of a withdrawn grant answers 410 from then on.

Times come from `clock` (Unix seconds), by default the registry's `utcnow()` — which follows `CATALOG_TODAY` —
so tests move the clock by setting `TODAY`.
"""
from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app.core.db import utcnow

from . import hooks
from .base import ACTIVE, MISSING, REVOKED, AdapterError, GrantSpec, Handle

SALT = "catalog.adapters.download"
LINK_PREFIX = "/downloads/"


def registry_now() -> float:
    """Now as Unix seconds, on the registry's clock (`CATALOG_TODAY` moves it)."""
    return utcnow().replace(tzinfo=dt.timezone.utc).timestamp()


@dataclass(frozen=True)
class Link:
    """What a verified download token says. `problem`: None when it may be used now, "expired" (past its hours
    or the grant's last day) or "not_yet_valid" (the grant has not begun)."""

    grant_id: int
    file: str
    filename: str
    consumer_code: str
    provider_code: str
    resource_code: str
    expires: float
    problem: str | None = None


class InvalidLink(Exception):
    """The token is not one this registry signed (tampered, truncated, another deployment's)."""


class DownloadAdapter:
    """Signed, expiring download links to the file the provider attached for a grant."""

    key = "download"
    label = "文件下载"

    def __init__(self, config: Mapping, *, clock: Callable[[], float] | None = None):
        self.config = config  # read at each call: the app makes its adapters once, settings may change after
        self.clock = clock or registry_now

    @property
    def secret(self) -> str:
        return self.config.get("SECRET_KEY") or ""

    @property
    def root(self) -> pathlib.Path | None:
        folder = self.config.get("ATTACHMENTS_PATH")
        return pathlib.Path(str(folder)) if folder else None

    @property
    def hours(self) -> float:
        return float(self.config.get("DOWNLOAD_LINK_HOURS") or 72)

    @property
    def max_bytes(self) -> int:
        return int(self.config.get("ATTACHMENT_MAX_BYTES") or 0)

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(str(self.config.get("TIMEZONE") or "Asia/Shanghai"))

    # ---- the adapter interface -----------------------------------------------------------------------------

    def provision(self, grant: GrantSpec) -> Handle:
        """Check the attachment and issue a link to it (a fresh one each time; the handle stays the same)."""
        self._configured()
        settings = grant.settings or {}
        relative = settings.get("file")
        if not relative:
            raise AdapterError("提供部门尚未上传该授权的附件文件，无法签发下载链接",
                               f"no file attached for grant {grant.grant_id}", retryable=False)
        path = self.attachment(str(relative))
        if not path.is_file():
            raise AdapterError(f"附件文件不存在：{relative}，请提供部门重新上传",
                               f"attached file {relative} of grant {grant.grant_id} does not exist", retryable=False)
        size = path.stat().st_size
        if self.max_bytes and size > self.max_bytes:
            raise AdapterError(f"附件文件过大：{size} 字节，超过上限 {self.max_bytes} 字节",
                               f"attached file is {size} bytes, above the limit of {self.max_bytes}", retryable=False)
        declared = settings.get("items")
        if declared is not None:
            extra = [item for item in declared if item not in grant.items]
            if extra:
                raise AdapterError(f"附件包含未获批准的信息项：{'、'.join(map(str, extra))}，请提供部门只上传批准的信息项",
                                   f"the attached file holds items that were not approved: {', '.join(map(str, extra))}",
                                   retryable=False)
        filename = str(settings.get("filename") or path.name)
        token, expires = self.issue(grant, str(relative), filename)
        details = {"path": LINK_PREFIX + token, "expires_at": self._local(expires), "filename": filename,
                   "items": list(declared) if declared is not None else list(grant.items)}
        return Handle(self.key, grant.grant_id, f"grant-{grant.grant_id}", details)

    def revoke(self, handle: Handle) -> None:
        """Nothing to take back here: the grant checker refuses every link of a withdrawn grant (see the module
        docstring). Succeeds however often it is called."""
        self._check_handle(handle)

    def status(self, handle: Handle) -> str:
        """"active" while the grant checker says so (a link that expired can be issued again by provisioning),
        "missing" when the attachment is gone, "revoked" otherwise."""
        self._check_handle(handle)
        if not self._grant_active(handle.grant_id):
            return REVOKED
        link = self._link_of(handle)
        if link is not None and not self._exists(link.file):
            return MISSING
        return ACTIVE

    # ---- links ------------------------------------------------------------------------------------------------

    def issue(self, grant: GrantSpec, relative: str, filename: str) -> tuple[str, float]:
        """A token for the grant's file and when it expires (Unix seconds)."""
        now = self.clock()
        first = dt.datetime.combine(grant.valid_from, dt.time(), tzinfo=self.timezone).timestamp()
        end = dt.datetime.combine(grant.valid_until + dt.timedelta(days=1), dt.time(), tzinfo=self.timezone).timestamp()
        start = max(now, first)  # signed as of the grant's first day when issued before it
        expires = min(start + self.hours * 3600, end)
        if expires <= now:
            raise AdapterError(f"授权有效期已于 {grant.valid_until.isoformat()} 结束，不能再签发下载链接",
                               f"grant {grant.grant_id} ended on {grant.valid_until.isoformat()}", retryable=False)
        payload = {"g": grant.grant_id, "f": relative, "n": filename, "c": grant.consumer_code,
                   "p": grant.provider_code, "r": grant.resource_code, "exp": int(expires)}
        token = self._serializer(lambda: start).dumps(payload)
        return token, float(int(expires))

    def verify(self, token: str) -> Link:
        """What the token says, with its `problem` at this moment; `InvalidLink` when it is not ours."""
        if not self.secret:
            raise InvalidLink("no secret key")
        serializer = self._serializer(self.clock)
        problem = None
        try:
            payload = serializer.loads(token, max_age=self.hours * 3600)
        except SignatureExpired as error:  # the signature is good; only the time is wrong
            signed = error.date_signed.timestamp() if error.date_signed else 0
            problem = "not_yet_valid" if signed > self.clock() else "expired"
            try:
                payload = serializer.load_payload(error.payload)
            except BadData as bad:
                raise InvalidLink(str(bad)) from None
        except BadData as error:
            raise InvalidLink(str(error)) from None
        link = _link(payload, problem)
        if link.problem is None and self.clock() >= link.expires:
            link = _link(payload, "expired")
        return link

    def attachment(self, relative: str) -> pathlib.Path:
        """The attachment's full path; refused when it would lie outside `ATTACHMENTS_PATH`."""
        self._configured()
        root = self.root.resolve()
        candidate = pathlib.PurePosixPath(relative.replace("\\", "/"))
        if candidate.is_absolute() or ".." in candidate.parts or not candidate.parts:
            raise AdapterError(f"附件路径无效：{relative}", f"invalid attachment path {relative!r}", retryable=False)
        path = (root / pathlib.Path(*candidate.parts)).resolve()
        if not path.is_relative_to(root):
            raise AdapterError(f"附件路径无效：{relative}", f"attachment path {relative!r} leaves the attachments folder",
                               retryable=False)
        return path

    # ---- inside ------------------------------------------------------------------------------------------

    def _serializer(self, clock: Callable[[], float]) -> URLSafeTimedSerializer:
        class _Signer(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock())

        return URLSafeTimedSerializer(self.secret, salt=SALT, signer=_Signer)

    def _configured(self) -> None:
        if not self.secret:
            raise AdapterError("未配置签名密钥（SECRET_KEY），无法签发下载链接", "SECRET_KEY is not set", retryable=False)
        if self.root is None:
            raise AdapterError("未配置附件存放目录（CATALOG_ATTACHMENTS_PATH）", "CATALOG_ATTACHMENTS_PATH is not set",
                               retryable=False)

    def _check_handle(self, handle: Handle) -> None:
        if handle.adapter != self.key:
            raise AdapterError(f"该授权不是由{self.label}开通的（{handle.adapter}），无法在此处理",
                               f"handle of adapter {handle.adapter!r} given to {self.key}", retryable=False)

    def _grant_active(self, grant_id: int) -> bool:
        checker = hooks.grant_checker()
        if checker is None:
            raise AdapterError("下载服务未接入授权检查（set_grant_checker），无法确认授权状态",
                               "no grant checker is registered (app.adapters.set_grant_checker)", retryable=False)
        try:
            return bool(checker(grant_id))
        except Exception as error:  # the registry's own failure (its database busy …): try again later
            raise AdapterError(f"无法确认授权 #{grant_id} 的状态，稍后将自动重试",
                               f"the grant checker failed for grant {grant_id}: {error!r}", retryable=True) from error

    def _link_of(self, handle: Handle) -> Link | None:
        path = str((handle.details or {}).get("path") or "")
        if not path.startswith(LINK_PREFIX):
            return None
        try:
            return self.verify(path[len(LINK_PREFIX):])
        except InvalidLink:
            return None

    def _exists(self, relative: str) -> bool:
        try:
            return self.attachment(relative).is_file()
        except AdapterError:
            return False

    def _local(self, timestamp: float) -> str:
        return dt.datetime.fromtimestamp(timestamp, self.timezone).isoformat(timespec="seconds")


def _link(payload, problem: str | None) -> Link:
    try:
        return Link(grant_id=int(payload["g"]), file=str(payload["f"]), filename=str(payload["n"]),
                    consumer_code=str(payload["c"]), provider_code=str(payload["p"]), resource_code=str(payload["r"]),
                    expires=float(payload["exp"]), problem=problem)
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidLink(f"malformed payload: {error}") from None
