"""Browser sessions: the login form, the session cookie, logout and the CSRF checks."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from tessera.domain.entities import User
from tessera.domain.errors import Forbidden, Unauthenticated
from tessera.security.tokens import csrf_token_for, tokens_equal
from tessera.services import accounts
from tessera.web.templating import render

SESSION_COOKIE = "tessera_session"
LOGIN_CSRF_COOKIE = "tessera_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

router = APIRouter(include_in_schema=False)


def get_db(request: Request) -> Iterator[Session]:
    """One database session per request, closed afterwards; services own the transactions."""
    db: Session = request.app.state.database.session()
    try:
        yield db
    finally:
        db.close()


SessionDep = Annotated[Session, Depends(get_db)]


@dataclass(frozen=True)
class WebSession:
    """The logged-in user of this request and the CSRF token bound to their session."""

    user: User
    csrf_token: str


def _cookie_secure(request: Request) -> bool:
    return bool(request.app.state.settings.cookie_secure)


def current_session(request: Request, db: SessionDep) -> WebSession:
    """The user of the session cookie; Unauthenticated (a redirect to /login) otherwise."""
    secret = request.cookies.get(SESSION_COOKIE, "")
    user = accounts.user_from_session(db, secret=secret) if secret else None
    if user is None:
        raise Unauthenticated("please log in")
    return WebSession(user=user, csrf_token=csrf_token_for(secret, request.app.state.secret_key))


CurrentSession = Annotated[WebSession, Depends(current_session)]


async def checked_session(request: Request, session: CurrentSession) -> WebSession:
    """The session, after checking the CSRF token of a state-changing request.

    htmx sends the token in the X-CSRF-Token header, plain forms in the `csrf_token` field.
    """
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            form = await request.form()  # cached by Starlette: the route reads it again
            field = form.get(CSRF_FIELD)
            sent = field if isinstance(field, str) else ""
        if not tokens_equal(sent, session.csrf_token):
            raise Forbidden("the form has expired or did not come from this site; reload the page")
    return session


CheckedSession = Annotated[WebSession, Depends(checked_session)]


def _login_page(request: Request, *, error: str | None, email: str, status: int) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if len(token) < 32:
        token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"login_csrf": token, "error": error, "email": email},
        status=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_cookie_secure(request),
        path="/login",
    )
    return response


@router.get("/login")
def login_form(request: Request, db: SessionDep) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret and accounts.user_from_session(db, secret=secret) is not None:
        return RedirectResponse("/", status_code=303)
    return _login_page(request, error=None, email="", status=200)


@router.post("/login")
def login(
    request: Request,
    db: SessionDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Check the double-submit token, then the password; start a session on success."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not tokens_equal(cookie, csrf_token):
        raise Forbidden("the login form has expired; reload the page and try again")
    try:
        user = accounts.authenticate(db, email=email, password=password)
    except Unauthenticated as exc:
        return _login_page(request, error=exc.message, email=email, status=401)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        accounts.end_session(db, secret=old)  # never keep a session from before the login
    ttl_s: int = request.app.state.settings.session_ttl_s
    secret = accounts.start_session(db, user=user, ttl_s=ttl_s)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=ttl_s,
        httponly=True,
        samesite="lax",
        secure=_cookie_secure(request),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, db: SessionDep, session: CheckedSession) -> Response:
    """End the session server-side (the cookie stops working at once) and forget the cookie."""
    accounts.end_session(db, secret=request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=_cookie_secure(request), httponly=True, samesite="lax"
    )
    return response
