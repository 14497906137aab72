"""The exchange platform / API gateway adapter (交换平台/接口网关): a grant becomes a subscription at the platform.

The platform is any HTTP service that keeps this small contract (a deployment's gateway, or an adapter in front of
it), at `CATALOG_EXCHANGE_URL`:

    POST   {EXCHANGE_URL}/subscriptions                  register; body: the JSON below
    GET    {EXCHANGE_URL}/subscriptions/grant-<id>       200 (with {"status": …} optional) | 404 | 410
    DELETE {EXCHANGE_URL}/subscriptions/grant-<id>       2xx | 404 (already gone)

The POST body holds the grant (`subscription`: "grant-<id>", `grant_id`, `resource_code`, `resource_name`,
`provider_code`, `consumer_code`, `consumer_name`, `items` — the approved data items and nothing else —,
`purpose`, `valid_from`, `valid_until` as ISO dates) as compact UTF-8 JSON with sorted keys.

Every request carries:
- `X-Catalog-Timestamp`: Unix seconds when it was signed;
- `X-Catalog-Signature: sha256=<hex>`: HMAC-SHA256 with `CATALOG_EXCHANGE_KEY` over the bytes
  ``<timestamp> "\\n" <METHOD> "\\n" <path> "\\n" <body>`` — the exact body bytes sent (empty for GET and DELETE),
  prefixed by the timestamp, method and path so that a signature cannot be replayed on another request or, once
  the platform's allowed clock skew has passed, at all (`signature()` computes it);
- `Idempotency-Key: grant-<id>` (POST).

Idempotent by grant id: the platform answers 200 or 201 to a repeated POST with the same key, or 409 "already
exists"; all three are success and give the same handle. A network error, a timeout, 429 or 5xx raises a
retryable `AdapterError` (the outbox tries again later); any other 4xx (a bad signature, a refused body) raises a
non-retryable one, which the same call would only meet again. Redirects are not followed (a platform that moved
is a setting to fix, and a signed request must not wander to another host). Only the standard library is used;
proxies come from the usual environment variables (`http_proxy`, `no_proxy`).
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping

from .base import ACTIVE, MISSING, REVOKED, AdapterError, GrantSpec, Handle

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Catalog-Signature"
TIMESTAMP_HEADER = "X-Catalog-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
#: the most of a platform's answer read (its error text is shown in a message, its JSON kept in the handle)
MAX_RESPONSE_BYTES = 64 * 1024


def subscription_id(grant_id: int) -> str:
    """The subscription's name at the platform: stable per grant, so a retry finds what the first try made."""
    return f"grant-{int(grant_id)}"


def signature(key: str | bytes, timestamp: str, method: str, path: str, body: bytes) -> str:
    """The `X-Catalog-Signature` value of one request (what a platform recomputes to check it)."""
    secret = key.encode("utf-8") if isinstance(key, str) else key
    message = f"{timestamp}\n{method.upper()}\n{path}\n".encode() + body
    return "sha256=" + hmac.new(secret, message, hashlib.sha256).hexdigest()


def subscription_body(grant: GrantSpec) -> bytes:
    """The POST body for a grant: only the approved items, the purpose and the period."""
    payload = {
        "subscription": subscription_id(grant.grant_id),
        "grant_id": grant.grant_id,
        "resource_code": grant.resource_code,
        "resource_name": grant.resource_name,
        "provider_code": grant.provider_code,
        "consumer_code": grant.consumer_code,
        "consumer_name": grant.consumer_name,
        "items": list(grant.items),
        "purpose": grant.purpose,
        "valid_from": grant.valid_from.isoformat(),
        "valid_until": grant.valid_until.isoformat(),
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx status


class ExchangeHttpAdapter:
    """Registers a grant as a subscription at the exchange platform / API gateway over signed HTTP."""

    key = "exchange_http"
    label = "交换平台/接口网关"

    def __init__(self, config: Mapping, *, clock: Callable[[], float] = time.time):
        self.config = config  # read at each call: the app makes its adapters once, settings may change after
        self.clock = clock
        self._opener = urllib.request.build_opener(_NoRedirect())

    @property
    def base_url(self) -> str:
        return str(self.config.get("EXCHANGE_URL") or "").strip().rstrip("/")

    @property
    def shown_url(self) -> str:
        """The address as messages and handles show it: without any user:password@ it may carry."""
        parts = urllib.parse.urlsplit(self.base_url)
        return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()

    @property
    def secret(self) -> str:
        return str(self.config.get("EXCHANGE_KEY") or "")

    @property
    def timeout(self) -> float:
        return float(self.config.get("EXCHANGE_TIMEOUT_SECONDS") or 10.0)

    # ---- the adapter interface -----------------------------------------------------------------------------

    def provision(self, grant: GrantSpec) -> Handle:
        """POST the subscription (idempotent by grant id: 200, 201 and 409 all mean it is there)."""
        name = subscription_id(grant.grant_id)
        status, answer = self._call("POST", "/subscriptions", subscription_body(grant), idempotency_key=name)
        if status == 409:
            log.info("exchange platform already had subscription %s", name)
        elif status not in (200, 201, 202):
            raise self._refused("登记订阅", status, answer)
        details = {"subscription": name, "platform": self.shown_url, "items": list(grant.items)}
        returned = _json(answer)
        if isinstance(returned.get("access_url"), str):
            details["access_url"] = returned["access_url"]
        return Handle(self.key, grant.grant_id, name, details)

    def revoke(self, handle: Handle) -> None:
        """DELETE the subscription; 404 (or 410) means it is already gone, which is success too."""
        self._check_handle(handle)
        status, answer = self._call("DELETE", f"/subscriptions/{urllib.parse.quote(handle.reference)}")
        if status not in (200, 202, 204, 404, 410):
            raise self._refused("撤销订阅", status, answer)

    def status(self, handle: Handle) -> str:
        """GET the subscription: 200 → active (unless its body says otherwise), 404 → missing, 410 → revoked."""
        self._check_handle(handle)
        status, answer = self._call("GET", f"/subscriptions/{urllib.parse.quote(handle.reference)}")
        if status == 404:
            return MISSING
        if status == 410:
            return REVOKED
        if status != 200:
            raise self._refused("查询订阅状态", status, answer)
        state = str(_json(answer).get("status") or ACTIVE).lower()
        if state in ("revoked", "cancelled", "canceled", "deleted"):
            return REVOKED
        return ACTIVE

    # ---- HTTP ------------------------------------------------------------------------------------------------

    def _platform(self) -> str:
        return f"交换平台（{self.shown_url}）"

    def _check_handle(self, handle: Handle) -> None:
        if handle.adapter != self.key or not handle.reference:
            raise AdapterError(f"该授权不是由{self.label}开通的（{handle.adapter}），无法在此处理",
                               f"handle of adapter {handle.adapter!r} given to {self.key}", retryable=False)

    def _configured(self) -> None:
        if not self.base_url:
            raise AdapterError("未配置交换平台地址（CATALOG_EXCHANGE_URL）",
                               "the exchange platform address is not configured (CATALOG_EXCHANGE_URL)",
                               retryable=False)
        scheme = urllib.parse.urlsplit(self.base_url).scheme
        if scheme not in ("http", "https"):
            raise AdapterError(f"交换平台地址无效（CATALOG_EXCHANGE_URL={self.shown_url}）：须以 http:// 或 https:// 开头",
                               f"the exchange platform address must start with http:// or https://: {self.shown_url}",
                               retryable=False)
        if not self.secret:
            raise AdapterError("未配置交换平台签名密钥（CATALOG_EXCHANGE_KEY）",
                               "the exchange platform signing key is not configured (CATALOG_EXCHANGE_KEY)",
                               retryable=False)

    def _call(self, method: str, path: str, body: bytes = b"", *, idempotency_key: str | None = None
              ) -> tuple[int, bytes]:
        """One signed request; (status, body) for any HTTP answer below 500 except 429, `AdapterError` otherwise."""
        self._configured()
        url = self.base_url + path
        timestamp = str(int(self.clock()))
        headers = {
            "Accept": "application/json",
            "User-Agent": "gov-catalog-adapter/1",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.secret, timestamp, method, urllib.parse.urlsplit(url).path, body),
        }
        if body:
            headers["Content-Type"] = "application/json; charset=utf-8"
        if idempotency_key:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        request = urllib.request.Request(url, data=body if method in ("POST", "PUT") else None, headers=headers,
                                         method=method)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read(MAX_RESPONSE_BYTES)
        except urllib.error.HTTPError as error:
            status = error.code
            try:
                answer = error.read(MAX_RESPONSE_BYTES)
            except (OSError, http.client.HTTPException):
                answer = b""
            finally:
                error.close()
            if status >= 500 or status == 429:
                raise AdapterError(f"{self._platform()}暂时无法处理请求（HTTP {status}），稍后将自动重试",
                                   f"exchange platform {self.shown_url} answered HTTP {status}; will retry",
                                   retryable=True) from None
            if 300 <= status < 400:
                raise AdapterError(f"{self._platform()}要求重定向（HTTP {status}），请核对 CATALOG_EXCHANGE_URL",
                                   f"exchange platform {self.shown_url} answered a redirect (HTTP {status})",
                                   retryable=False) from None
            return status, answer
        except TimeoutError as error:
            raise AdapterError(f"{self._platform()}在 {self.timeout:g} 秒内未响应，稍后将自动重试",
                               f"exchange platform {self.shown_url} timed out after {self.timeout:g}s",
                               retryable=True) from error
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, TimeoutError):
                raise AdapterError(f"{self._platform()}在 {self.timeout:g} 秒内未响应，稍后将自动重试",
                                   f"exchange platform {self.shown_url} timed out after {self.timeout:g}s",
                                   retryable=True) from error
            raise AdapterError(f"无法连接{self._platform()}：{reason}，稍后将自动重试",
                               f"cannot reach exchange platform {self.shown_url}: {reason}", retryable=True) from error
        except (OSError, http.client.HTTPException) as error:
            raise AdapterError(f"与{self._platform()}通信中断：{error or type(error).__name__}，稍后将自动重试",
                               f"connection to exchange platform {self.shown_url} failed: {error!r}",
                               retryable=True) from error

    def _refused(self, what: str, status: int, answer: bytes) -> AdapterError:
        text = _json(answer).get("message") or answer.decode("utf-8", "replace").strip()
        text = str(text)[:200]
        if status in (401, 403):
            message = (f"{self._platform()}拒绝了请求（HTTP {status}）：签名或权限不符，"
                       f"请核对签名密钥（CATALOG_EXCHANGE_KEY）")
        else:
            message = f"{self._platform()}拒绝{what}（HTTP {status}）" + (f"：{text}" if text else "")
        return AdapterError(message, f"exchange platform {self.shown_url} refused ({what}): HTTP {status} {text}",
                            retryable=False)


def _json(answer: bytes) -> dict:
    try:
        value = json.loads(answer.decode("utf-8")) if answer else {}
    except (UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
