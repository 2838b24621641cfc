"""Users, their API tokens and their browser sessions (global identities, not tenant data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from tessera.domain.entities import ApiToken, User
from tessera.domain.errors import NotFound
from tessera.storage.tables import AnyRow, api_tokens, users, web_sessions


def _to_user(row: AnyRow) -> User:
    m = row._mapping
    return User(
        id=m["id"],
        email=m["email"],
        name=m["name"],
        is_active=m["is_active"],
        is_operator=m["is_operator"],
        created_at=m["created_at"],
    )


_USER_COLUMNS = (
    users.c.id,
    users.c.email,
    users.c.name,
    users.c.is_active,
    users.c.is_operator,
    users.c.created_at,
)


def add_user(
    db: Session,
    *,
    email: str,
    name: str,
    password_hash: str | None,
    is_operator: bool,
    now: datetime,
) -> User:
    """Insert a user; the caller has normalised the email."""
    user_id = db.execute(
        insert(users)
        .values(
            email=email,
            name=name,
            password_hash=password_hash,
            is_active=True,
            is_operator=is_operator,
            created_at=now,
        )
        .returning(users.c.id)
    ).scalar_one()
    return get_user(db, user_id=user_id)


def get_user(db: Session, *, user_id: int) -> User:
    row = db.execute(select(*_USER_COLUMNS).where(users.c.id == user_id)).first()
    if row is None:
        raise NotFound("user", user_id)
    return _to_user(row)


def find_user_by_email(db: Session, *, email: str) -> User | None:
    row = db.execute(select(*_USER_COLUMNS).where(users.c.email == email)).first()
    return None if row is None else _to_user(row)


def find_password_hash(db: Session, *, user_id: int) -> str | None:
    return db.execute(
        select(users.c.password_hash).where(users.c.id == user_id)
    ).scalar_one_or_none()


def set_password_hash(db: Session, *, user_id: int, password_hash: str) -> None:
    db.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))


def count_users(db: Session) -> int:
    return int(db.execute(select(func.count()).select_from(users)).scalar_one())


def add_api_token(
    db: Session, *, user_id: int, name: str, prefix: str, token_hash: str, now: datetime
) -> ApiToken:
    token_id = db.execute(
        insert(api_tokens)
        .values(user_id=user_id, name=name, prefix=prefix, token_hash=token_hash, created_at=now)
        .returning(api_tokens.c.id)
    ).scalar_one()
    return ApiToken(id=token_id, user_id=user_id, name=name, prefix=prefix, created_at=now)


def find_user_by_token_hash(db: Session, *, token_hash: str) -> User | None:
    """The active user owning an unrevoked API token with this hash."""
    row = db.execute(_BY_TOKEN_HASH, {"hash": token_hash}).first()
    return None if row is None else _to_user(row)


# What makes a token of a user (joined) valid: it was not revoked and its owner is active.
LIVE_TOKEN = and_(api_tokens.c.revoked_at.is_(None), users.c.is_active.is_(True))
# Every API request asks this: built once (decision 0015).
_BY_TOKEN_HASH = (
    select(*_USER_COLUMNS)
    .join(api_tokens, api_tokens.c.user_id == users.c.id)
    .where(api_tokens.c.token_hash == bindparam("hash"), LIVE_TOKEN)
)


def add_web_session(
    db: Session, *, user_id: int, token_hash: str, now: datetime, expires_at: datetime
) -> None:
    db.execute(
        insert(web_sessions).values(
            user_id=user_id, token_hash=token_hash, created_at=now, expires_at=expires_at
        )
    )


def find_user_by_session_hash(db: Session, *, token_hash: str, now: datetime) -> User | None:
    """The active user of an unexpired browser session with this hash."""
    row = db.execute(
        select(*_USER_COLUMNS)
        .join(web_sessions, web_sessions.c.user_id == users.c.id)
        .where(
            web_sessions.c.token_hash == token_hash,
            web_sessions.c.expires_at > now,
            users.c.is_active.is_(True),
        )
    ).first()
    return None if row is None else _to_user(row)


def delete_web_session(db: Session, *, token_hash: str) -> None:
    db.execute(web_sessions.delete().where(web_sessions.c.token_hash == token_hash))


def delete_user_sessions(db: Session, *, user_id: int) -> None:
    db.execute(web_sessions.delete().where(web_sessions.c.user_id == user_id))


@dataclass(frozen=True)
class LoginState:
    """What a login attempt checks besides the user: the hash and the lockout counters."""

    password_hash: str | None
    failed_logins: int
    locked_until: datetime | None


def find_login_state(db: Session, *, user_id: int) -> LoginState | None:
    row = db.execute(
        select(users.c.password_hash, users.c.failed_logins, users.c.locked_until).where(
            users.c.id == user_id
        )
    ).first()
    if row is None:
        return None
    return LoginState(password_hash=row[0], failed_logins=row[1], locked_until=row[2])


def count_failed_login(db: Session, *, user_id: int) -> int:
    """Add one to the consecutive failures (atomically) and return the new count."""
    return int(
        db.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(failed_logins=users.c.failed_logins + 1)
            .returning(users.c.failed_logins)
        ).scalar_one()
    )


def lock_login(db: Session, *, user_id: int, until: datetime) -> None:
    """Refuse logins until `until`; the failure count starts again from zero afterwards."""
    db.execute(
        update(users).where(users.c.id == user_id).values(failed_logins=0, locked_until=until)
    )


def reset_failed_logins(db: Session, *, user_id: int) -> None:
    db.execute(
        update(users).where(users.c.id == user_id).values(failed_logins=0, locked_until=None)
    )


def set_user_active(db: Session, *, user_id: int, is_active: bool) -> None:
    db.execute(update(users).where(users.c.id == user_id).values(is_active=is_active))


def revoke_user_tokens(db: Session, *, user_id: int, now: datetime) -> int:
    """Revoke every unrevoked API token of the user; returns how many."""
    result = db.execute(
        update(api_tokens)
        .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
