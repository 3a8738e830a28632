"""The code under FastStream: raw aiormq publishing and raw aio-pika consuming (README.md)."""
