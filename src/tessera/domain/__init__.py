"""Entities, enums, errors and label-schema rules; standard library only."""
