"""Run `tessera` in-process against a test data directory and database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from tessera.cli.main import app


@dataclass
class Cli:
    """`cli("user", "create", EMAIL)` runs `tessera user create EMAIL --data-dir ...`."""

    data_dir: Path
    database_url: str | None = None

    def __call__(self, *args: str, input: str | None = None) -> Result:
        env = {"TESSERA_DATABASE_URL": self.database_url, "TESSERA_DATA_DIR": None}
        return CliRunner().invoke(
            app, [*args, "--data-dir", str(self.data_dir)], input=input, env=env
        )


def ok(result: Result) -> Result:
    """Fail the test with the command's output unless it succeeded."""
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def refused(result: Result, message: str) -> Result:
    """Assert the command failed with one friendly line on stderr and no traceback."""
    assert result.exit_code == 1, result.output
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result
