"""Files people attach (a provider's file for a download grant, the evidence of an error report): stored under
ATTACHMENTS_PATH with names of our own, never the uploader's, and within ATTACHMENT_MAX_BYTES."""
from __future__ import annotations

import pathlib
import uuid

from flask import current_app

from catalog_schema import Problem, control_character, control_character_message

CHUNK = 64 * 1024


def attachments_root() -> pathlib.Path:
    """ATTACHMENTS_PATH, made if missing."""
    root = pathlib.Path(current_app.config["ATTACHMENTS_PATH"])
    root.mkdir(parents=True, exist_ok=True)
    return root


def store_upload(upload, *, prefix: str, field: str, label: str, problems: list) -> tuple[str, str, int] | None:
    """An uploaded file saved under ATTACHMENTS_PATH with a name of our own, read in chunks; refused (and not kept),
    with a problem naming `field`, when its name holds a control character, when it is empty or larger than
    ATTACHMENT_MAX_BYTES. Returns (stored name, original name, size), or None when nothing was uploaded."""
    if upload is None or not getattr(upload, "filename", None):
        return None
    name = pathlib.PurePosixPath(upload.filename.replace("\\", "/")).name.strip()[:200]
    character = control_character(name, multiline=False)
    if character:
        problems.append(Problem(field, label, control_character_message(f"{label}的文件名", character),
                                f"the {field} file name contains a control character"))
        return None
    if not name:
        problems.append(Problem(field, label, f"{label}须有文件名", f"the {field} has no file name"))
        return None
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    stored = f"{prefix}-{uuid.uuid4().hex}{pathlib.PurePosixPath(name).suffix[:10]}"
    path = attachments_root() / stored
    size = 0
    with path.open("wb") as out:
        while True:
            chunk = upload.stream.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    if size > limit or size == 0:
        path.unlink(missing_ok=True)
        if size == 0:
            problems.append(Problem(field, label, f"{label}“{name}”是空文件", f"the {field} is empty"))
        else:
            problems.append(Problem(field, label, f"{label}不能超过 {size_text(limit)}",
                                    f"the {field} is larger than {limit} bytes"))
        return None
    return stored, name, size


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} 字节"

