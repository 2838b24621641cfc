"""The HTTP client: typed calls over httpx, returning the API's wire models."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

import httpx

from tessera.schemas.projects import (
    AnnotationPublic,
    ImportResult,
    ItemPublic,
    ProjectPublic,
    TaskPublic,
)
from tessera.schemas.reviews import (
    ReviewDecisionCreate,
    ReviewPublic,
    ReviewsQueued,
    ReviewStatsPublic,
    ReviewTaskPublic,
)
from tessera.schemas.workspaces import UserPublic, WorkspacePublic

LONG_READ_TIMEOUT_S = 600.0


class ApiError(Exception):
    """A non-success answer, with the server's error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class TesseraClient:
    """Calls the API with a bearer token.

    Pass `http` to reuse a client (for example a FastAPI `TestClient` in tests); otherwise one
    is created for `base_url`.
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str = "http://127.0.0.1:8000",
        http: httpx.Client | None = None,
    ) -> None:
        # reads may take minutes: an import or export of millions of items
        timeout = httpx.Timeout(30.0, read=LONG_READ_TIMEOUT_S)
        self._http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self._headers = {"Authorization": f"Bearer {token}"}

    def close(self) -> None:
        """Close the underlying connection pool."""
        self._http.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        r = self._http.request(method, "/api" + path, headers=self._headers, **kwargs)
        if r.status_code >= 400:
            try:
                err = r.json()["error"]
                raise ApiError(r.status_code, err["code"], err["message"])
            except (ValueError, KeyError, TypeError):
                raise ApiError(r.status_code, "http_error", r.text[:200]) from None
        return r

    def me(self) -> UserPublic:
        """The authenticated user."""
        return UserPublic.model_validate(self._request("GET", "/me").json())

    def workspaces(self) -> list[WorkspacePublic]:
        """Workspaces you belong to."""
        return [
            WorkspacePublic.model_validate(w) for w in self._request("GET", "/workspaces").json()
        ]

    def create_project(
        self,
        workspace_id: int,
        *,
        name: str,
        label_schema: Mapping[str, object],
        annotations_per_item: int = 1,
        description: str = "",
    ) -> ProjectPublic:
        """Create a project with its label schema."""
        body = {
            "name": name,
            "label_schema": dict(label_schema),
            "annotations_per_item": annotations_per_item,
            "description": description,
        }
        r = self._request("POST", f"/workspaces/{workspace_id}/projects", json=body)
        return ProjectPublic.model_validate(r.json())

    def project(self, workspace_id: int, project_id: int) -> ProjectPublic:
        """A project with its counts."""
        r = self._request("GET", f"/workspaces/{workspace_id}/projects/{project_id}")
        return ProjectPublic.model_validate(r.json())

    def import_items(
        self,
        workspace_id: int,
        project_id: int,
        content: bytes | Iterable[bytes],
        *,
        fmt: Literal["json", "jsonl", "csv"],
    ) -> ImportResult:
        """Upload a file's bytes (or an iterator of chunks, streamed) to the project."""
        r = self._request(
            "POST",
            f"/workspaces/{workspace_id}/projects/{project_id}/items/import",
            params={"format": fmt},
            content=content,
        )
        return ImportResult.model_validate(r.json())

    def items(
        self, workspace_id: int, project_id: int, *, status: str | None = None, page_size: int = 100
    ) -> Iterator[ItemPublic]:
        """Every item, following the keyset pages."""
        after = 0
        while True:
            params: dict[str, object] = {"after": after, "limit": page_size}
            if status:
                params["status"] = status
            page = self._request(
                "GET", f"/workspaces/{workspace_id}/projects/{project_id}/items", params=params
            ).json()
            yield from (ItemPublic.model_validate(i) for i in page["items"])
            if page["next_after"] is None:
                return
            after = page["next_after"]

    def next_task(self, workspace_id: int, project_id: int) -> TaskPublic | None:
        """Lease the next item to you; None when nothing is left."""
        r = self._request("POST", f"/workspaces/{workspace_id}/projects/{project_id}/tasks/next")
        return None if r.status_code == 204 else TaskPublic.model_validate(r.json())

    def submit(
        self, workspace_id: int, assignment_id: int, value: Mapping[str, object]
    ) -> AnnotationPublic:
        """Answer one of your tasks."""
        r = self._request(
            "POST",
            f"/workspaces/{workspace_id}/tasks/{assignment_id}/annotations",
            json={"value": dict(value)},
        )
        return AnnotationPublic.model_validate(r.json())

    def skip(self, workspace_id: int, assignment_id: int, reason: str = "") -> None:
        """Give a task back; it will not be served to you again."""
        self._request(
            "POST",
            f"/workspaces/{workspace_id}/tasks/{assignment_id}/skip",
            json={"reason": reason},
        )

    def request_review(
        self,
        workspace_id: int,
        project_id: int,
        *,
        annotation_ids: Iterable[int] | None = None,
        annotator_id: int | None = None,
    ) -> int:
        """Managers: queue chosen answers, or all of one annotator's; how many were queued."""
        body: dict[str, object] = {}
        if annotation_ids is not None:
            body["annotation_ids"] = list(annotation_ids)
        if annotator_id is not None:
            body["annotator_id"] = annotator_id
        r = self._request(
            "POST", f"/workspaces/{workspace_id}/projects/{project_id}/reviews", json=body
        )
        return ReviewsQueued.model_validate(r.json()).queued

    def next_review(self, workspace_id: int, project_id: int) -> ReviewTaskPublic | None:
        """Reviewers: lease the next answer to review; None when nothing is left."""
        r = self._request("POST", f"/workspaces/{workspace_id}/projects/{project_id}/reviews/next")
        return None if r.status_code == 204 else ReviewTaskPublic.model_validate(r.json())

    def decide_review(
        self,
        workspace_id: int,
        review_id: int,
        decision: Literal["accept", "reject", "fix"],
        *,
        reason: str = "",
        send_to: Literal["annotator", "pool"] | None = None,
        value: Mapping[str, object] | None = None,
    ) -> ReviewPublic:
        """Accept, reject (with a reason, to the annotator or the pool) or fix a review."""
        body = ReviewDecisionCreate(
            decision=decision,
            reason=reason,
            send_to=send_to,
            value=None if value is None else dict(value),
        )
        r = self._request(
            "POST",
            f"/workspaces/{workspace_id}/reviews/{review_id}/decision",
            json=body.model_dump(),
        )
        return ReviewPublic.model_validate(r.json())

    def review_stats(self, workspace_id: int, project_id: int) -> ReviewStatsPublic:
        """Managers: review progress and each annotator's outcomes."""
        r = self._request("GET", f"/workspaces/{workspace_id}/projects/{project_id}/reviews/stats")
        return ReviewStatsPublic.model_validate(r.json())

    def export(
        self, workspace_id: int, project_id: int, *, fmt: Literal["jsonl", "csv"] = "jsonl"
    ) -> Iterator[bytes]:
        """Stream the export's bytes."""
        path = f"/api/workspaces/{workspace_id}/projects/{project_id}/export"
        with self._http.stream("GET", path, params={"format": fmt}, headers=self._headers) as r:
            if r.status_code >= 400:
                r.read()
                err = r.json().get("error", {})
                raise ApiError(r.status_code, err.get("code", "http_error"), err.get("message", ""))
            yield from r.iter_bytes()
