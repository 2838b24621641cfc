"""Tessera: a self-hosted platform for producing AI training data with human experts."""

__version__ = "0.1.0"
