"""Users, logins, browser sessions and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from tessera.domain.entities import ApiCaller, ApiToken, User
from tessera.domain.errors import Conflict, InvalidInput, Unauthenticated
from tessera.domain.text_rules import checked_text
from tessera.security import passwords, tokens
from tessera.services import ledger
from tessera.services.clock import utcnow
from tessera.storage.engine import read_transaction, single_read, write_transaction
from tessera.storage.repositories import users as user_repo

EMAIL_MAX_CHARS = 320
MAX_FAILED_LOGINS = 5  # consecutive failures before the account is locked
LOCKOUT = timedelta(minutes=15)
_LOGIN_FAILED = "wrong email or password"  # the one answer for every cause: no enumeration


@dataclass(frozen=True)
class NewApiToken:
    token: ApiToken
    secret: str  # shown once, never stored


def normalise_email(email: str) -> str:
    """Trim and lowercase; refuse what cannot be an address."""
    clean = checked_text(email, field="email", min_chars=3, max_chars=EMAIL_MAX_CHARS).lower()
    local, _, domain = clean.partition("@")
    if not local or not domain or len(clean) > EMAIL_MAX_CHARS or any(c.isspace() for c in clean):
        raise InvalidInput("not a valid email address", field="email")
    return clean


def create_user_locked(
    db: Session, *, email: str, name: str, password: str | None, is_operator: bool = False
) -> User:
    """Create a user inside the caller's write transaction."""
    email = normalise_email(email)
    if password is not None and len(password) < passwords.MIN_PASSWORD_CHARS:
        raise InvalidInput(
            f"must be at least {passwords.MIN_PASSWORD_CHARS} characters", field="password"
        )
    if user_repo.find_user_by_email(db, email=email) is not None:
        raise Conflict("a user with this email already exists")
    return user_repo.add_user(
        db,
        email=email,
        name=checked_text(name, field="name", max_chars=200) or email.split("@")[0],
        password_hash=passwords.hash_password(password) if password else None,
        is_operator=is_operator,
        now=utcnow(),
    )


def create_user(
    db: Session, *, email: str, name: str, password: str | None, is_operator: bool = False
) -> User:
    """Create a user (there is no open sign-up: the CLI and workspace managers call this)."""
    with write_transaction(db):
        return create_user_locked(
            db, email=email, name=name, password=password, is_operator=is_operator
        )


def set_password(db: Session, *, email: str, password: str) -> User:
    """Replace a user's password; all of their browser sessions and API tokens end at once."""
    if len(password) < passwords.MIN_PASSWORD_CHARS:
        raise InvalidInput(
            f"must be at least {passwords.MIN_PASSWORD_CHARS} characters", field="password"
        )
    password_hash = passwords.hash_password(password)
    with write_transaction(db):
        user = _user_by_email(db, email)
        user_repo.set_password_hash(db, user_id=user.id, password_hash=password_hash)
        user_repo.reset_failed_logins(db, user_id=user.id)
        _end_all_access(db, user, "user.password_changed")
        return user


def deactivate_user(db: Session, *, email: str) -> User:
    """Deactivate a user: they can no longer log in, and every session and token ends at once."""
    with write_transaction(db):
        user = _user_by_email(db, email)
        user_repo.set_user_active(db, user_id=user.id, is_active=False)
        _end_all_access(db, user, "user.deactivated")
        return user_repo.get_user(db, user_id=user.id)


def activate_user(db: Session, *, email: str) -> User:
    """Let a deactivated user log in again (their old tokens stay revoked)."""
    with write_transaction(db):
        user = _user_by_email(db, email)
        user_repo.set_user_active(db, user_id=user.id, is_active=True)
        user_repo.reset_failed_logins(db, user_id=user.id)
        ledger.record(
            db,
            workspace_id=ledger.SYSTEM_CHAIN,
            actor=None,
            action="user.activated",
            object_type="user",
            object_id=user.id,
        )
        return user_repo.get_user(db, user_id=user.id)


def _end_all_access(db: Session, user: User, action: str) -> None:
    user_repo.delete_user_sessions(db, user_id=user.id)
    revoked = user_repo.revoke_user_tokens(db, user_id=user.id, now=utcnow())
    ledger.record(
        db,
        workspace_id=ledger.SYSTEM_CHAIN,
        actor=None,
        action=action,
        object_type="user",
        object_id=user.id,
        detail={"tokens_revoked": revoked},
    )


def _user_by_email(db: Session, email: str) -> User:
    user = user_repo.find_user_by_email(db, email=normalise_email(email))
    if user is None:
        raise InvalidInput("no user with this email", field="email")
    return user


def get_user_by_email(db: Session, *, email: str) -> User:
    """The active user with this email (for entry points acting as someone, like the CLI)."""
    with read_transaction(db):
        user = _user_by_email(db, email)
    if not user.is_active:
        raise InvalidInput("this user is deactivated", field="email")
    return user


def authenticate(db: Session, *, email: str, password: str, now: datetime | None = None) -> User:
    """The active user with this email and password, or Unauthenticated (same for every cause).

    After `MAX_FAILED_LOGINS` consecutive failures the account is locked for `LOCKOUT`: even
    the right password is refused meanwhile, with the same message. Every failure is recorded
    on the system chain, in a transaction of its own.
    """
    now = now or utcnow()
    tried = email.strip().lower()
    with read_transaction(db):
        user = user_repo.find_user_by_email(db, email=tried)
        state = user_repo.find_login_state(db, user_id=user.id) if user else None
    # Always verify, even for unknown or locked accounts: the time taken reveals nothing.
    ok = passwords.verify_password(state.password_hash if state else None, password)
    locked = bool(state and state.locked_until and state.locked_until > now)
    if user is not None and state is not None and ok and user.is_active and not locked:
        if state.failed_logins or state.locked_until:
            with write_transaction(db):
                user_repo.reset_failed_logins(db, user_id=user.id)
        return user
    reason = _failure_reason(user, ok=ok, locked=locked)
    _record_failure(db, tried=tried, user=user, reason=reason, now=now)
    raise Unauthenticated(_LOGIN_FAILED)


def _failure_reason(user: User | None, *, ok: bool, locked: bool) -> str:
    if user is None:
        return "unknown_email"
    if locked:
        return "locked"
    if not user.is_active:
        return "deactivated"
    return "wrong_password" if not ok else "refused"


def _record_failure(
    db: Session, *, tried: str, user: User | None, reason: str, now: datetime
) -> None:
    with write_transaction(db):
        detail: dict[str, object] = {"reason": reason}
        if user is not None and reason == "wrong_password":
            failures = user_repo.count_failed_login(db, user_id=user.id)
            if failures >= MAX_FAILED_LOGINS:
                user_repo.lock_login(db, user_id=user.id, until=now + LOCKOUT)
                detail["locked_until"] = (now + LOCKOUT).isoformat()
        ledger.record(
            db,
            workspace_id=ledger.SYSTEM_CHAIN,
            actor=None,
            actor_label=tried[:EMAIL_MAX_CHARS],
            action="login.failed",
            object_type="user" if user else "",
            object_id=user.id if user else None,
            detail=detail,
        )


def start_session(db: Session, *, user: User, ttl_s: int, now: datetime | None = None) -> str:
    """Open a browser session; returns the secret for the cookie (stored only hashed)."""
    now = now or utcnow()
    secret = tokens.new_session_token()
    with write_transaction(db):
        user_repo.add_web_session(
            db,
            user_id=user.id,
            token_hash=tokens.hash_token(secret),
            now=now,
            expires_at=now + timedelta(seconds=ttl_s),
        )
    return secret


def user_from_session(db: Session, *, secret: str) -> User | None:
    """The user of a live browser session, or None."""
    with read_transaction(db):
        return user_repo.find_user_by_session_hash(
            db, token_hash=tokens.hash_token(secret), now=utcnow()
        )


def end_session(db: Session, *, secret: str) -> None:
    """Log out: the cookie's session stops working at once."""
    with write_transaction(db):
        user_repo.delete_web_session(db, token_hash=tokens.hash_token(secret))


def create_api_token(db: Session, *, email: str, name: str) -> NewApiToken:
    """Issue an API token for a user; the secret is returned once and stored hashed."""
    secret = tokens.new_api_token()
    with write_transaction(db):
        user = _user_by_email(db, email)
        token = user_repo.add_api_token(
            db,
            user_id=user.id,
            name=name,
            prefix=secret[:12],
            token_hash=tokens.hash_token(secret),
            now=utcnow(),
        )
    return NewApiToken(token=token, secret=secret)


def user_from_api_token(db: Session, *, secret: str) -> User | None:
    """The active owner of an unrevoked token, or None."""
    caller = api_caller(secret)
    if caller is None:
        return None
    with single_read(db):  # every API request asks: no transaction of its own on PostgreSQL
        return user_repo.find_user_by_token_hash(db, token_hash=caller.token_hash)


def api_caller(secret: str) -> ApiCaller | None:
    """The caller an API token's secret names, for a service that checks the token itself
    (`policies.authorize_caller`); None for a secret that cannot be an API token."""
    if not secret.startswith(tokens.API_TOKEN_PREFIX):
        return None
    return ApiCaller(token_hash=tokens.hash_token(secret))
