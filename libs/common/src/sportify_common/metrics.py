"""The `sportify_*` metrics of SPEC 8 that services share, created on a registry the service
passes in. A metric only one service sets lives in that service (the monitor's
`sportify_email_queue_messages`, `sportify_dead_letter_messages`, HTTP metrics)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

JOB_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)
SMTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


@dataclass(frozen=True, slots=True)
class Metrics:
    registry: CollectorRegistry
    job_runs: Counter
    job_duration: Histogram
    job_last_success: Gauge
    jobs_stuck: Gauge
    emails_sent: Counter
    email_send_failures: Counter
    smtp_send_duration: Histogram
    processed_users: Counter
    alerts_sent: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry | None = None) -> Metrics:
        reg = registry if registry is not None else CollectorRegistry()
        return cls(
            registry=reg,
            job_runs=Counter(
                "sportify_job_runs", "Finished job runs", ["job", "status"], registry=reg
            ),
            job_duration=Histogram(
                "sportify_job_duration_seconds",
                "Duration of job runs",
                ["job"],
                buckets=JOB_BUCKETS,
                registry=reg,
            ),
            job_last_success=Gauge(
                "sportify_job_last_success_timestamp_seconds",
                "Unix time of each job's last completed run",
                ["job"],
                registry=reg,
            ),
            jobs_stuck=Gauge(
                "sportify_jobs_stuck", "Runs running longer than the stuck threshold", registry=reg
            ),
            emails_sent=Counter("sportify_emails_sent", "Emails sent", ["kind"], registry=reg),
            email_send_failures=Counter(
                "sportify_email_send_failures",
                "Failed send attempts",
                ["reason"],
                registry=reg,
            ),
            smtp_send_duration=Histogram(
                "sportify_smtp_send_duration_seconds",
                "Time to hand one email to SMTP",
                buckets=SMTP_BUCKETS,
                registry=reg,
            ),
            processed_users=Counter(
                "sportify_processed_users", "Users processed by evaluations", ["job"], registry=reg
            ),
            alerts_sent=Counter("sportify_alerts_sent", "Alert emails requested", registry=reg),
        )
