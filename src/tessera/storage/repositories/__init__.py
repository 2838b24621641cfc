"""Repository functions: `get_` raises NotFound, `find_` returns None; tenant reads take workspace_id."""
