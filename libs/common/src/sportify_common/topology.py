"""Broker topology (SPEC 6): one topic exchange, durable quorum queues, one DLQ each.

`<ns>` is the topic exchange. A consumer queue `<ns>.<service>.<key>` dead-letters into
the direct exchange `<ns>.dead-letter` with its own name as routing key, where the
durable queue `<ns>.<service>.<key>.dlq` keeps it. Quorum queues count deliveries, so
a message that keeps failing is dead-lettered after `max_deliveries`.
"""

from __future__ import annotations

from dataclasses import dataclass

from faststream.rabbit import ExchangeType, QueueType, RabbitExchange, RabbitQueue

from sportify_common.messages import RoutingKey

# Who consumes what through a durable queue. Every service declares all of these at start,
# so a message published before its consumer ever ran waits in its queue instead of being
# dropped as unroutable. (job.finished goes to per-replica listener queues instead.)
CONSUMERS: tuple[tuple[str, RoutingKey], ...] = (
    ("aggregator", RoutingKey.PERIOD_CLOSED),
    ("mailer", RoutingKey.EMAIL_REQUESTED),
    ("mailer", RoutingKey.EMAILS_DISPATCH),
    ("mailer", RoutingKey.JOBS_RETENTION),
    ("monitor", RoutingKey.JOBS_CLEANUP),
)


@dataclass(frozen=True, slots=True)
class Topology:
    namespace: str
    max_deliveries: int = 5

    @property
    def exchange(self) -> RabbitExchange:
        return RabbitExchange(self.namespace, type=ExchangeType.TOPIC, durable=True)

    @property
    def dead_letter_exchange(self) -> RabbitExchange:
        return RabbitExchange(
            f"{self.namespace}.dead-letter", type=ExchangeType.DIRECT, durable=True
        )

    def queue_name(self, service: str, key: RoutingKey) -> str:
        return f"{self.namespace}.{service}.{key.value}"

    def queue(self, service: str, key: RoutingKey) -> RabbitQueue:
        name = self.queue_name(service, key)
        return RabbitQueue(
            name,
            durable=True,
            queue_type=QueueType.QUORUM,
            routing_key=key.value,
            arguments={
                "x-dead-letter-exchange": self.dead_letter_exchange.name,
                "x-dead-letter-routing-key": name,
                "x-delivery-limit": self.max_deliveries - 1,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )

    def dead_letter_queue(self, service: str, key: RoutingKey) -> RabbitQueue:
        name = self.queue_name(service, key)
        return RabbitQueue(
            f"{name}.dlq", durable=True, queue_type=QueueType.QUORUM, routing_key=name
        )

    def request_queue(self, service: str, key: RoutingKey, *, ttl_seconds: float) -> RabbitQueue:
        """A queue of requests that only matter while their caller waits (request/reply): shared
        by the service's replicas, gone with its last consumer, each request dropped once the
        caller has stopped waiting (`ttl_seconds`). Nothing to dead-letter: a request nobody
        answered times out at the caller."""
        return RabbitQueue(
            self.queue_name(service, key),
            durable=False,
            auto_delete=True,
            routing_key=key.value,
            arguments={"x-message-ttl": int(ttl_seconds * 1000)},
        )

    def listener_queue(self, service: str, key: RoutingKey, instance: str) -> RabbitQueue:
        """A per-replica queue that lives as long as its consumer (broadcast, e.g. job.finished)."""
        return RabbitQueue(
            f"{self.queue_name(service, key)}.{instance}",
            durable=False,
            exclusive=True,
            auto_delete=True,
            routing_key=key.value,
        )
