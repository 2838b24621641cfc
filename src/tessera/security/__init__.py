"""Keys and encryption, password and token hashing; no web framework and no database here."""
