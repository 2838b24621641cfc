"""Use cases: plain synchronous functions that own their transactions."""
