"""Server-rendered web pages (Jinja2 + htmx) that call services, never storage."""
