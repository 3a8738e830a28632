"""The CLI tests' monitor (uvicorn in a thread) and environment, shared by every module here."""

from tests.integration.cli.test_admin_commands import cli_env, monitor_url

__all__ = ["cli_env", "monitor_url"]
