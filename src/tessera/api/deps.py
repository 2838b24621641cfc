"""Dependencies of the API routes: the database session and the authenticated caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from tessera.domain.entities import ApiCaller, User
from tessera.domain.errors import Unauthenticated
from tessera.services import accounts
from tessera.storage.engine import Database

# These two are `async def` though they do not await: a plain `def` dependency costs a hop to the
# thread pool and back (two for a generator), and neither does I/O here. A session opens its
# connection lazily, inside the service's transaction, on the worker thread (decision 0015).


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_db(database: Annotated[Database, Depends(get_database)]) -> AsyncIterator[Session]:
    """One session per request, closed afterwards; services open their own transactions."""
    db = database.session()
    try:
        yield db
    finally:
        db.close()


SessionDep = Annotated[Session, Depends(get_db)]
DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_bearer_secret(request: Request) -> str:
    """The secret of the bearer token in the Authorization header, not yet checked; else 401."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated()
    return secret.strip()


BearerSecret = Annotated[str, Depends(get_bearer_secret)]


async def get_api_caller(secret: BearerSecret) -> ApiCaller:
    """The caller named by the bearer token, for a service that checks the token in its own
    first statement (the routes annotators call all day); 401 for what is no API token."""
    caller = accounts.api_caller(secret)
    if caller is None:
        raise Unauthenticated("invalid or revoked token")
    return caller


BearerCaller = Annotated[ApiCaller, Depends(get_api_caller)]


def get_current_user(db: SessionDep, secret: BearerSecret) -> User:
    """The owner of the bearer token in the Authorization header, else 401.

    A plain `def` dependency runs on a thread of its own pool turn. The routes annotators and
    pipelines call all day take `BearerCaller` instead: their service checks the token in its
    first statement, inside the route's one turn (decision 0015).
    """
    user = accounts.user_from_api_token(db, secret=secret)
    if user is None:
        raise Unauthenticated("invalid or revoked token")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
