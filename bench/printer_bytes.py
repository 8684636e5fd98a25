"""Bytes and wire time of a Tabour ticket against the goals of issue 3.

    python3 dev.py bench printer_bytes [--json]

Same figures as `tabour printer bench`; exits non-zero when a goal is missed.
"""

from __future__ import annotations

import json
import sys

from printer.bench import measure, report


def main(argv: list[str]) -> int:
    figures = measure()
    print(json.dumps(figures, indent=2) if "--json" in argv else report(figures))
    return 0 if figures["all_goals_met"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
