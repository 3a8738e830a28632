#!/usr/bin/env bash
# Install uv when it is missing (from PyPI, the only registry this needs), then sync the workspace.
set -euo pipefail
if ! command -v uv >/dev/null 2>&1; then
  echo "installing uv from PyPI" >&2
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
export UV_PYTHON_DOWNLOADS=never
uv sync --frozen --all-packages
