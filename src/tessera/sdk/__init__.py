"""Python client for Tessera's HTTP API."""

from tessera.sdk._client import ApiError, TesseraClient

__all__ = ["ApiError", "TesseraClient"]
