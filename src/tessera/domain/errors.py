"""Every exception Tessera raises on purpose; mapped to HTTP in exactly one place (api/errors)."""

from __future__ import annotations


class TesseraError(Exception):
    """Base of all deliberate errors; its message is safe to show to the caller."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(TesseraError):
    """The object does not exist, or belongs to a workspace the caller cannot see.

    Both cases carry the same message, so a caller cannot tell them apart.
    """

    code = "not_found"

    def __init__(self, kind: str, ident: object | None = None) -> None:
        super().__init__(f"{kind} not found")
        self.kind = kind
        self.ident = ident


class Unauthenticated(TesseraError):
    """No valid credentials were presented."""

    code = "unauthenticated"

    def __init__(self, message: str = "authentication required") -> None:
        super().__init__(message)


class Forbidden(TesseraError):
    """The caller may know the object exists but may not perform this action."""

    code = "forbidden"


class AnnotatorPaused(Forbidden):
    """The quality rule paused this annotator in this project until a manager lifts it."""

    code = "annotator_paused"


class Conflict(TesseraError):
    """The write conflicts with the current state (stale, duplicate or already taken)."""

    code = "conflict"


class InvalidInput(TesseraError):
    """Input failed validation; names the field and, for files, the line."""

    code = "invalid_input"

    def __init__(self, message: str, *, field: str | None = None, line: int | None = None) -> None:
        where = []
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field '{field}'")
        full = f"{', '.join(where)}: {message}" if where else message
        super().__init__(full)
        self.field = field
        self.line = line
        self.detail = message


class TooLarge(TesseraError):
    """The request body or file exceeds the configured limit."""

    code = "too_large"


class Locked(TesseraError):
    """The resource is temporarily unavailable (for example a schema out of date)."""

    code = "locked"


class WorkspaceLocked(Locked):
    """The workspace's key is held by its owner and has not been unlocked since the restart."""

    code = "workspace_locked"

    def __init__(self) -> None:
        super().__init__(
            "this workspace is locked: its owner must unlock it with the workspace passphrase"
        )


class UnsupportedMediaType(TesseraError):
    """An upload whose bytes are not one of the accepted kinds (sniffed, never declared)."""

    code = "unsupported_media_type"
