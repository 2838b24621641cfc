"""Pydantic wire models shared by the API and the SDK."""
