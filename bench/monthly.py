"""Monthly evaluation benchmark: `uv run --frozen python bench/monthly.py [--users N]`.

Targets (issue): 100,000 users with a month of activity (about 5 million activities); results
within 3x the bare SQL aggregation; the whole run under 120 s; aggregator peak RSS < 500 MB.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.evaluation_bench import main
from sportify_common.periods import PeriodKind

if __name__ == "__main__":
    main(PeriodKind.MONTHLY, whole_target=120)
