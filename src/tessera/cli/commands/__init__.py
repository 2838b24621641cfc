"""One module per group of `tessera` commands; main.py puts them together."""
