"""Contract: docs/permissions.md states exactly the role-by-action table the code enforces."""

from __future__ import annotations

from pathlib import Path

from tessera.domain.entities import Role
from tessera.services.policies import Action, can

DOC = Path(__file__).parents[2] / "docs" / "permissions.md"


def test_table_matches_policies() -> None:
    lines = [ln for ln in DOC.read_text().splitlines() if ln.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    roles = [Role(r) for r in header[1:]]
    documented: dict[tuple[Action, Role], bool] = {}
    for line in lines[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        for role, cell in zip(roles, cells[1:], strict=True):
            documented[(Action(cells[0]), role)] = cell == "yes"
    expected = {(a, r): can(r, a) for a in Action for r in Role}
    assert documented == expected
