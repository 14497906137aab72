"""Account services: creating users, signing in, passwords, sessions, API tokens, and what admins do to accounts."""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import secrets

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager
from werkzeug.security import check_password_hash, generate_password_hash

from app import audit
from app.core.clock import today
from app.core.db import utcnow
from app.core.errors import InvalidInput, NotFound, PermissionDenied
from app.core.http import parse_id
from app.extensions import db
from app.org import Department
from catalog_schema import Problem, control_character, control_character_message

from . import passwords, ratelimits, sessions, throttle, tokens
from .models import ROLE_LABELS, User, UserRole

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
# an address as people type them: ASCII local part (no leading, trailing or double dot) @ a domain with a dot
EMAIL = re.compile(r"^(?!\.)(?!.*\.\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}(?<!\.)"
                   r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
EMAIL_MAX_LENGTH = 254


def _checked_email(value: str | None) -> tuple[str | None, list[Problem]]:
    """An e-mail address as stored (trimmed; empty = none) and the problems with it."""
    value = (value or "").strip()
    if not value:
        return None, []
    if len(value) > EMAIL_MAX_LENGTH:
        return None, [Problem("email", "电子邮箱", f"「电子邮箱」不能超过 {EMAIL_MAX_LENGTH} 个字符",
                              "e-mail address too long")]
    if not EMAIL.match(value):
        return None, [Problem("email", "电子邮箱", "「电子邮箱」格式不正确，应形如 zhangsan@example.gov.cn",
                              "invalid e-mail address")]
    return value, []


def create_user(*, username: str, display_name: str, roles: list[str] | tuple[str, ...] | str, department_code: str,
                password: str, actor=None, email: str | None = None) -> User:
    """Register a user in one department with a set of roles (one or more of ROLE_LABELS), optionally with an
    e-mail address (电子邮箱) for notifications."""
    email, problems = _checked_email(email)
    if not USERNAME.match(username or ""):
        problems.append(Problem("username", "用户名", "「用户名」须为 3–64 位字母、数字或 _.-", "invalid username"))
    elif db.session.scalar(select(User).where(User.username == username)):
        problems.append(Problem("username", "用户名", f"「用户名」“{username}”已被使用", "username already taken"))
    roles = [roles] if isinstance(roles, str) else list(dict.fromkeys(str(getattr(r, "value", r)) for r in roles))
    unknown = [r for r in roles if r not in ROLE_LABELS]
    if unknown or not roles:
        problems.append(Problem("roles", "角色", f"「角色」“{'、'.join(unknown) or '（空）'}”无效，可选：{'、'.join(ROLE_LABELS)}",
                                "unknown or missing role"))
    department = db.session.scalar(select(Department).where(Department.code == department_code))
    if department is None:
        problems.append(Problem("department", "所属部门", f"「所属部门」代码“{department_code}”不存在", "unknown department"))
    problems += passwords.problems(password, username=username or "", others=(display_name or "",))
    if not display_name or len(display_name) > 100:
        problems.append(Problem("display_name", "姓名", "「姓名」不能为空且不超过 100 个字符", "display name required"))
    if problems:
        raise InvalidInput(problems)
    user = User(username=username, display_name=display_name, department_id=department.id, email=email,
                role_rows=[UserRole(role=r) for r in roles])
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, actor=actor, department_id=department.id,
                 summary=f"创建用户 {username}（{user.roles_label}）", details={"roles": roles})
    db.session.flush()
    return user


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash made like a real user's, checked when the user name is unknown so that costs the same time."""
    return generate_password_hash(secrets.token_hex(16), method=method)


def authenticate(username: str, password: str) -> User | None:
    """The active user with this name and password, or None. Exactly one password hash is checked either way, so
    the time taken does not tell whether the user exists."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()[:64]))
    stored = user.password_hash if user is not None else _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
    matches = check_password_hash(stored, password or "")
    return user if user is not None and matches and user.active else None


@dataclasses.dataclass(frozen=True)
class SignIn:
    """What a sign-in try came to: a user and a session token, or a failure, or a wait (seconds)."""

    user: User | None = None
    token: str | None = None
    wait: int = 0


def sign_in(username: str, password: str) -> SignIn:
    """Check a sign-in try from this request's client address and open a session when it is right.

    The caller commits either way: a failure must be remembered although the answer is an error."""
    username = (username or "").strip()[:64]
    address = sessions.client_address()
    throttle.serialize(address)
    wait = throttle.address_wait(address)
    if wait:
        return SignIn(wait=wait)
    user = authenticate(username, password)
    if user is None:
        throttle.record_failure(username, address)
        return SignIn()
    throttle.forget(username, address)
    return SignIn(user=user, token=sessions.start(user))


def sign_out(current: sessions.Current | None) -> None:
    """End the session this request came with."""
    if current is not None:
        sessions.end([current.id], "logout")


def change_password(user: User, *, current: str, new: str, repeat: str) -> str:
    """A signed-in user chooses a new password: every session of theirs ends and this browser gets a new one
    (returns its token). Clears an admin's demand for a change."""
    problems = []
    if not user.check_password(current or ""):
        problems.append(Problem("current", "当前密码", "「当前密码」不正确", "current password is wrong"))
    problems += passwords.problems(new, username=user.username, others=(user.display_name,), path="new",
                                   label="新密码")
    if new and current and new == current:
        problems.append(Problem("new", "新密码", "「新密码」不能与当前密码相同", "new password equals the current one"))
    if (new or "") != (repeat or ""):
        problems.append(Problem("repeat", "确认新密码", "「确认新密码」与「新密码」不一致", "passwords do not match"))
    if problems:
        raise InvalidInput(problems)
    user.set_password(new)
    user.must_change_password = False
    ended = sessions.end_all(user.id, "password_changed")
    token = sessions.start(user)
    audit.record("user.password_change", user, actor=user, department_id=user.department_id,
                 summary=f"用户 {user.username} 修改了密码", details={"ended_sessions": ended})
    db.session.flush()
    return token


def end_own_sessions(user: User, *, session_ids: list[int] | None, keep: int) -> int:
    """A user ends their own other sessions: the ones named (`session_ids`), or all but the current one (None)."""
    if session_ids is None:
        return sessions.end_all(user.id, "ended_by_user", keep=keep)
    own = [s.id for s in sessions.live_of(user.id) if s.id in set(session_ids) and s.id != keep]
    return sessions.end(own, "ended_by_user")


def users_overview() -> list[dict]:
    """Every user with their roles, department, open sessions and recent failed sign-ins (the users page)."""
    users = db.session.scalars(select(User).join(User.department).options(contains_eager(User.department))
                               .order_by(Department.code, User.username)).all()
    open_sessions, failures = sessions.live_counts(), throttle.recent_by_username()
    return [{"user": u, "sessions": open_sessions.get(u.id, 0), "failures": failures.get(u.username, 0)}
            for u in users]


def recent_failing_addresses() -> list[tuple[str, int, int]]:
    """Client addresses with recent failed sign-ins: (address, failures, seconds still to wait)."""
    return throttle.recent_addresses()


def _require_admin(actor) -> None:
    """What admins do to other people's accounts (the users page) is checked here, whoever calls."""
    if actor is not None and not actor.has_role("admin"):
        raise PermissionDenied("只有平台管理员可以管理用户", "only admins may manage users")


def unlock(*, user: User | None = None, address: str | None = None, actor) -> int:
    """An admin clears an account's failed sign-ins and its strangers' budget, or an address's failures and its
    sign-in limit. Returns how many failures were forgotten."""
    _require_admin(actor)
    if user is None and not address:
        raise InvalidInput.single("address", "地址", "「地址」不能为空", "address required")
    if user is not None:
        forgotten = throttle.clear(username=user.username)
        ratelimits.clear_sign_in(username=user.username)
        audit.record("user.unlock", user, actor=actor, department_id=user.department_id,
                     summary=f"解除用户 {user.username} 的登录限制", details={"failures": forgotten})
    else:
        address = address.strip()[:64]
        forgotten = throttle.clear(address=address)
        ratelimits.clear_sign_in(address=address)
        audit.record("user.unlock_address", None, actor=actor, summary=f"解除地址 {address} 的登录限制",
                     details={"address": address, "failures": forgotten})
    db.session.flush()
    return forgotten


def require_password_change(user: User, *, actor) -> None:
    """An admin demands a new password: from the next request on, the user can only choose one."""
    _require_admin(actor)
    user.must_change_password = True
    audit.record("user.require_password_change", user, actor=actor, department_id=user.department_id,
                 summary=f"要求用户 {user.username} 下次登录时修改密码")
    db.session.flush()


def end_sessions(user: User, *, actor) -> int:
    """An admin signs a user out everywhere."""
    _require_admin(actor)
    ended = sessions.end_all(user.id, "ended_by_admin")
    audit.record("user.end_sessions", user, actor=actor, department_id=user.department_id,
                 summary=f"结束用户 {user.username} 的全部会话（{ended} 个）", details={"ended": ended})
    db.session.flush()
    return ended


def set_active(user: User, active: bool, *, actor) -> None:
    """An admin deactivates (every session ends) or reactivates a user; never themselves."""
    _require_admin(actor)
    if not active and actor is not None and user.id == actor.id:
        raise PermissionDenied("不能停用自己的账号", "you cannot deactivate your own account")
    user.active = active
    ended = 0 if active else sessions.end_all(user.id, "deactivated")
    # a deactivated user's tokens stop working at once (`token_user` checks `active`), and for good: reactivating
    # the account does not bring machine access back unnoticed
    revoked = 0 if active else tokens.revoke_all(user.id)
    audit.record("user.activate" if active else "user.deactivate", user, actor=actor,
                 department_id=user.department_id,
                 summary=f"{'启用' if active else '停用'}用户 {user.username}",
                 details={"ended_sessions": ended, **({"revoked_api_tokens": revoked} if revoked else {})})
    db.session.flush()


def set_email(user: User, email: str | None, *, actor) -> None:
    """Set or clear the address e-mail notifications go to: a user their own, an admin anyone's."""
    if actor is None or actor.id != user.id:
        _require_admin(actor)
    email, problems = _checked_email(email)
    if problems:
        raise InvalidInput(problems)
    if email == user.email:
        return
    previous, user.email = user.email, email
    own = actor is not None and actor.id == user.id
    action = "user.email_change" if own else "user.set_email"
    summary = (f"用户 {user.username} {'修改' if email else '清除'}了自己的电子邮箱" if own
               else f"{'设置' if email else '清除'}用户 {user.username} 的电子邮箱")
    audit.record(action, user, actor=actor, department_id=user.department_id, summary=summary,
                 details={"from": previous, "to": email})
    db.session.flush()


def get_user_or_404(user_id: int) -> User:
    """The user with this id, or NotFound (404)."""
    user = db.session.get(User, user_id) if 1 <= user_id <= 2 ** 31 - 1 else None
    if user is None:
        raise NotFound("用户不存在", "no such user")
    return user


# ---- API tokens (API 令牌) --------------------------------------------------------------------------------

def _token_name_problems(user: User, name: str) -> list[Problem]:
    label = "令牌名称"
    if not name:
        return [Problem("name", label, f"「{label}」不能为空", "token name required")]
    if len(name) > tokens.NAME_MAX_LENGTH:
        return [Problem("name", label, f"「{label}」不能超过 {tokens.NAME_MAX_LENGTH} 个字符",
                        f"token name longer than {tokens.NAME_MAX_LENGTH} characters")]
    character = control_character(name, multiline=False)
    if character:
        return [Problem("name", label, control_character_message(label, character),
                        f"token name contains an invisible control character ({character})")]
    if tokens.name_taken(user.id, name):
        return [Problem("name", label, f"「{label}」“{name}”已被您的另一个令牌使用（已过期的令牌撤销后名称才能再用）",
                        "you already have a token with this name")]
    return []


def _token_expiry(expires_on: dt.date | None) -> tuple[dt.date | None, list[Problem]]:
    """The last day a new token works: as chosen (not before today, at most `API_TOKEN_MAX_DAYS` ahead), or by
    default that maximum; with API_TOKEN_MAX_DAYS = 0 there is no maximum and no default end."""
    label, first, most = "有效期至", today(), current_app.config["API_TOKEN_MAX_DAYS"]
    latest = first + dt.timedelta(days=most) if most else None
    if expires_on is None:
        return latest, []
    if expires_on < first:
        return None, [Problem("expires_on", label, f"「{label}」不能早于今天（{first:%Y-%m-%d}）",
                              "the expiry date is in the past")]
    if latest is not None and expires_on > latest:
        return None, [Problem("expires_on", label, f"「{label}」不能晚于 {latest:%Y-%m-%d}（令牌最长有效 {most} 天）",
                              f"a token may last at most {most} days")]
    return expires_on, []


def create_token(user: User, name: str, *, expires_on: dt.date | None = None) -> tuple[tokens.ApiToken, str]:
    """Make an API token (API 令牌) for `user`, who uses it with all their roles; returns the token and the raw
    token, which is shown once and kept nowhere (only its hash is stored).

    `name` (令牌名称): required, at most 50 characters, no control characters, unique among the user's tokens not
    revoked. `expires_on` (有效期至): the last day it works, not before today and at most `API_TOKEN_MAX_DAYS`
    ahead; none given: that maximum."""
    if hasattr(user, "_get_current_object"):
        user = user._get_current_object()
    if not user.active:
        raise PermissionDenied("账号已停用，不能创建 API 令牌", "a deactivated account cannot have API tokens")
    name = (name or "").strip()
    problems = _token_name_problems(user, name)
    expires_on, expiry_problems = _token_expiry(expires_on)
    problems += expiry_problems
    if problems:
        raise InvalidInput(problems)
    token, raw = tokens.new(user, name, expires_on)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the same name submitted twice at once: the partial unique index decided
        raise InvalidInput([Problem("name", "令牌名称", f"「令牌名称」“{name}”已被您的另一个令牌使用",
                                    "you already have a token with this name")]) from None
    audit.record("user.api_token_create", user, actor=user, department_id=user.department_id,
                 summary=f"用户 {user.username} 创建了 API 令牌“{name}”",
                 details={"token_id": token.id, "token_name": name, "prefix": token.prefix,
                          "expires_on": expires_on.isoformat() if expires_on else None})
    db.session.flush()
    return token, raw


def revoke_token(user: User, token_id: int) -> bool:
    """`user` revokes one of their own API tokens: it stops working at once. Returns False when it was revoked
    already (nothing changes); a token that is not theirs is `NotFound`."""
    if hasattr(user, "_get_current_object"):
        user = user._get_current_object()
    token_id = parse_id(token_id)
    token = db.session.get(tokens.ApiToken, token_id) if token_id is not None else None
    if token is None or token.user_id != user.id:
        raise NotFound("API 令牌不存在", "no such API token")
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record("user.api_token_revoke", user, actor=user, department_id=user.department_id,
                 summary=f"用户 {user.username} 撤销了 API 令牌“{token.name}”",
                 details={"token_id": token.id, "token_name": token.name, "prefix": token.prefix})
    db.session.flush()
    return True
