"""Tables, migrations and repository functions; SQLite and PostgreSQL through SQLAlchemy Core."""
