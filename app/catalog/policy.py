"""The catalog's one policy (SPEC §2, §3): who may do what to an entry, and who may see what.

"May do" comes from the workflow declarations (app/catalog/workflows.py): services enforce it by firing
transitions, and pages ask the functions here only which buttons and menus to show. "May see" is one rule for
every read path — entry pages, history and comparison, search, suggestions, related entries, exports, the API:

- the public (anonymous visitors) sees published entries of the open catalog only;
- government users (anyone signed in) see every published entry;
- drafts and unpublished revisions are seen by the owning department's users, the authority's reviewers and
  admins only.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func

from app.core.errors import PermissionDenied

from .models import Entry, EntryStatus, EntryVersion, VersionState
from .workflows import ENTRY, VERSION

PUBLISHED_STATES = (VersionState.published, VersionState.superseded)
SEE_ALL_WORKING = frozenset({"authority_reviewer", "admin"})


# ---- who is looking ----------------------------------------------------------------------------------------

def is_government(user) -> bool:
    """Signed-in accounts are government users; anonymous visitors are the public."""
    return bool(user is not None and getattr(user, "is_authenticated", False))


def public_only(user) -> bool:
    """Whether searches, counts, suggestions and exports are limited to the open catalog for this visitor."""
    return not is_government(user)


# ---- what they may see -------------------------------------------------------------------------------------

def is_open(version: EntryVersion | None) -> bool:
    data = version.data if version is not None else {}
    return bool(data.get("open_to_public")) and not data.get("secret")


def open_published():
    """`can_see_published` for the public as SQL, for reads that page and count in the database (joined with the
    published version): published, its version open to the public and not secret (`is_open`)."""
    data = EntryVersion.data
    return and_(Entry.status == EntryStatus.published, data["open_to_public"].as_boolean().is_(True),
                func.coalesce(data["secret"].as_boolean(), False).is_(False))


def can_see_published(user, entry: Entry) -> bool:
    """The entry's published version (portal entry page, related entries, exports)."""
    if entry.status != EntryStatus.published or entry.published_version is None:
        return False
    return is_government(user) or is_open(entry.published_version)


def can_see_working(user, entry: Entry) -> bool:
    """Drafts, versions in review and returned ones: the owning department, the authority, admins."""
    if not is_government(user):
        return False
    return user.department_id == entry.department_id or bool(user.role_keys & SEE_ALL_WORKING)


def can_see_any(user, entry: Entry) -> bool:
    return can_see_published(user, entry) or can_see_working(user, entry)


def visible_versions(user, entry: Entry, versions: list[EntryVersion]) -> list[EntryVersion]:
    """The versions of an entry this user may see in its history."""
    if can_see_working(user, entry):
        return list(versions)
    if not can_see_published(user, entry):
        return []
    return [v for v in versions if v.state in PUBLISHED_STATES]


# ---- what they may do ------------------------------------------------------------------------------------

def can_create(user, department_id: int) -> bool:
    """编目: register an entry for this department."""
    return ENTRY.may_create("create", user, {"own": department_id})


def require_create(user, department) -> None:
    if not can_create(user, department.id):
        raise PermissionDenied(f"您只能为本部门编目，无权为“{department.name}”登记信息资源",
                               "you may only compile entries for your own department")


def can_edit(user, entry: Entry) -> bool:
    """Edit the working draft, or start a revision of the published version."""
    if entry.status == EntryStatus.retired:
        return False
    working = entry.draft_version
    if working is None:
        return VERSION.may_create("create", user, {"own": entry.department_id})
    return VERSION.may("edit", working, user)


def require_edit(user, entry: Entry) -> None:
    if not VERSION.may_create("create", user, {"own": entry.department_id}):
        raise PermissionDenied(f"您无权修改“{entry.department.name}”的信息资源",
                               "you may only edit your own department's entries")


def compile_scope(user) -> str:
    """"all" when the user may compile for any department, "own" for their own, "" for none."""
    if ENTRY.may_create("create", user, {"own": None}):
        return "all"
    if is_government(user) and can_create(user, user.department_id):
        return "own"
    return ""


def can_publish_directly(user) -> bool:
    """Whether the user may publish without review at all (admins, with a reason)."""
    return VERSION.granted(VERSION.transition("publish_directly"), user, {"own": None})


def may_work_on_catalogs(user) -> bool:
    """Whether the user has any part in compiling or reviewing (the "本部门目录" menu)."""
    if not is_government(user):
        return False
    related = {"own": user.department_id}
    return any(VERSION.granted(t, user, related) for t in VERSION.user_transitions())


@dataclass(frozen=True)
class EntryActions:
    """Which buttons an entry's page shows to this user (the services check again when they are pressed)."""

    edit: bool
    submit: bool
    withdraw: bool
    retire: bool
    report_update: bool


def actions(user, entry: Entry) -> EntryActions:
    working = entry.draft_version
    return EntryActions(
        edit=can_edit(user, entry),
        submit=working is not None and VERSION.may("submit", working, user),
        withdraw=working is not None and VERSION.may("withdraw", working, user),
        retire=ENTRY.may("retire", entry, user),
        report_update=ENTRY.may("report_update", entry, user),
    )
