"""`python -m tessera.cli`: the same as the `tessera` script."""

from tessera.cli.main import main

main()
