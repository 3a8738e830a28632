# syntax=docker/dockerfile:1.7
# One image for every Sportify Ops service: `sportify run scheduler|aggregator|mailer|monitor`,
# `sportify migrate`. Built from the committed uv.lock (uv sync --frozen --no-dev).
ARG PYTHON_IMAGE=python:3.11-slim

FROM ghcr.io/astral-sh/uv:0.13 AS uv

# ---------------------------------------------------------------- builder
FROM ${PYTHON_IMAGE} AS builder
COPY --from=uv /uv /uvx /bin/
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src

# Third-party dependencies first (a layer that changes only with the lock file).
COPY pyproject.toml uv.lock ./
COPY libs/common/pyproject.toml libs/common/pyproject.toml
COPY services/scheduler/pyproject.toml services/scheduler/pyproject.toml
COPY services/aggregator/pyproject.toml services/aggregator/pyproject.toml
COPY services/mailer/pyproject.toml services/mailer/pyproject.toml
COPY services/monitor/pyproject.toml services/monitor/pyproject.toml
COPY tools/cli/pyproject.toml tools/cli/pyproject.toml
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace

# Then the workspace members, installed as regular (non-editable) packages into the venv.
COPY libs libs
COPY services services
COPY tools tools
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable

# ---------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 sportify \
 && useradd --system --uid 10001 --gid sportify --home-dir /app --no-create-home sportify
COPY --from=builder /app/.venv /app/.venv
ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MONITOR_HOST=0.0.0.0 \
    MONITOR_PORT=8000 \
    METRICS_PORT=9101
WORKDIR /app
USER sportify:sportify
# monitor: API and /metrics; scheduler/aggregator/mailer: /metrics and /healthz
EXPOSE 8000 9101
STOPSIGNAL SIGTERM
ENTRYPOINT ["sportify"]
CMD ["--help"]
