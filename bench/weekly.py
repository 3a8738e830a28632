"""Weekly evaluation benchmark: `uv run --frozen python bench/weekly.py [--users N]`.

Targets (issue): results committed within 3x a bare SQL aggregation of the same rows; the
whole run, all summary emails stored in email_queue, under 60 s; aggregator peak RSS < 500 MB.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.evaluation_bench import main
from sportify_common.periods import PeriodKind

if __name__ == "__main__":
    main(PeriodKind.WEEKLY, whole_target=60)
