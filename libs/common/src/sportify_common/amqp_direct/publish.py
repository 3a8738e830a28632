"""Publishing a batch of messages with ONE socket write, publisher confirms kept per message.

aiormq's `basic_publish` hands every message to the connection's writer task through a queue,
under the channel lock and a timeout scope, and the writer sends it with its own socket write.
For a burst of summary emails that is the aggregator's largest cost (figures in
bench/README.md). Here a batch is registered for confirms exactly as `basic_publish`
registers one message (next delivery tag, confirmation future, message id for a returned
message) and marshalled into one `ChannelFrame`.

It uses aiormq's channel state directly (`lock`, `delivery_tag`, `confirmations`,
`message_id_delivery_tag`, `write_queue`, `number`, `create_future`, `_split_body`), checked
against the version locked in uv.lock; a test pins `SUPPORTED_AIORMQ` (see README.md here), so an upgrade fails
the tests instead of silently changing how confirms are counted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from uuid import uuid4

import aiormq
import aiormq.abc
import pamqp.frame
from aiormq.abc import ChannelFrame, ConfirmationFrameType, DeliveredMessage
from pamqp.commands import Basic
from pamqp.header import ContentHeader

SUPPORTED_AIORMQ = "7.2"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message: its own `properties` (a missing message id is filled in, in place)."""

    body: bytes
    properties: Basic.Properties


def _forget_message_id(
    channel: aiormq.Channel, message_id: str, delivery_tag: int
) -> Callable[[asyncio.Future[object]], None]:
    # As basic_publish does: the id only maps a returned message back to its delivery tag.
    def forget(_: asyncio.Future[object]) -> None:
        if channel.message_id_delivery_tag.get(message_id) == delivery_tag:
            channel.message_id_delivery_tag.pop(message_id)

    return forget


async def publish_batch(
    channel: aiormq.abc.AbstractChannel,
    messages: Sequence[Outgoing],
    *,
    exchange: str,
    routing_key: str,
    mandatory: bool,
) -> list[ConfirmationFrameType | DeliveredMessage]:
    """Publish `messages` in order and return each one's confirmation: `Basic.Ack`, or the
    `DeliveredMessage` itself when RabbitMQ returned it (mandatory, unroutable).

    A nack raises `aiormq.exceptions.DeliveryError`; a channel closed on the way rejects every
    pending confirmation with the close reason. The channel must be in confirm mode.
    """
    if not isinstance(channel, aiormq.Channel):
        raise TypeError(f"publish_batch needs an aiormq.Channel, not {type(channel).__name__}")
    if not channel.publisher_confirms:
        raise ValueError("publish_batch needs a channel with publisher confirms")
    if not messages:
        return []
    number = channel.number
    publish_frame = pamqp.frame.marshal(
        Basic.Publish(exchange=exchange, routing_key=routing_key, mandatory=mandatory), number
    )
    confirmations: list[asyncio.Future[ConfirmationFrameType | DeliveredMessage]] = []
    async with channel.lock:
        first_tag = channel.delivery_tag
        parts: list[bytes] = []
        try:
            for message in messages:
                properties = message.properties
                if not properties.message_id:
                    properties.message_id = uuid4().hex
                header = ContentHeader(properties=properties, body_size=len(message.body))
                parts.append(publish_frame)
                parts.append(pamqp.frame.marshal(header, number))
                parts.extend(
                    pamqp.frame.marshal(b, number) for b in channel._split_body(message.body)
                )
                channel.delivery_tag += 1
                tag = channel.delivery_tag
                confirmation = channel.create_future()
                channel.confirmations[tag] = confirmation
                channel.message_id_delivery_tag[properties.message_id] = tag
                confirmation.add_done_callback(
                    _forget_message_id(channel, properties.message_id, tag)
                )
                confirmations.append(confirmation)
            written = channel.create_future()
            await channel.write_queue.put(
                ChannelFrame(payload=b"".join(parts), should_close=False, drain_future=written)
            )
        except BaseException:
            # Nothing reached the writer: give the delivery tags back, as basic_publish does.
            for offset, confirmation in enumerate(confirmations, start=1):
                channel.confirmations.pop(first_tag + offset, None)
                confirmation.cancel()
            channel.delivery_tag = first_tag
            raise
    await written
    return list(await asyncio.gather(*confirmations))


def installed_aiormq_is_supported() -> bool:
    return version("aiormq").startswith(SUPPORTED_AIORMQ + ".")
