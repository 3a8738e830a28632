"""`amqp_direct.publish` uses aiormq's channel state: it was checked against one aiormq release."""

from __future__ import annotations

from importlib.metadata import version

from sportify_common.amqp_direct.publish import SUPPORTED_AIORMQ, installed_aiormq_is_supported


def test_the_installed_aiormq_is_the_release_bulk_publish_was_checked_against() -> None:
    assert installed_aiormq_is_supported(), (
        f"aiormq {version('aiormq')} is installed, amqp_direct.publish was checked against "
        f"{SUPPORTED_AIORMQ}.x: re-check its use of the channel's state, then update the pin"
    )
