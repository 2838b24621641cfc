"""Repository functions: `get_` raises NotFound, `find_` returns None; tenant reads are scoped."""
