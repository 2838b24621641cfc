"""The HTTP API (FastAPI): thin routes that authenticate, call a service and return a schema."""
