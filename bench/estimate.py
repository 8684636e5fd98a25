"""Accuracy of the estimated wait printed on tickets, on simulated days of the real engine.

For each packaged arrival profile (default, lunch-peak) and a few seeds, the simulator
(queue_kiosk/simulator.py) runs N business days on the demo branch with every counter staffed.
Each ticket's printed estimate (v2, the engine's) is compared with the wait it really had,
beside v1 (the old formula, evaluated on the same state at the same instant) and the naive
estimator (people ahead × the service's standard time ÷ open counters).

Goal (issue 11, item 5): mean absolute error ≤ 25 % of the mean wait, and ≥ 25 % below the
naive estimator, on both profiles. Usage: python bench/estimate.py [--days N] [--seeds N]
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session

from branch.models import Ticket
from branch.settings import BranchConfig, demo_config_text, parse_config
from queue_kiosk import estimate
from queue_kiosk.arrivals import load_profile
from queue_kiosk.engine import TicketView
from queue_kiosk.simulator import load_plan, simulate

GOAL_SHARE = 0.25
GOAL_GAIN = 0.25


def v1(session: Session, config: BranchConfig, view: TicketView, now: datetime) -> float:
    row = session.get(Ticket, view.id)
    assert row is not None
    return float(estimate.v1_for_ticket(session, config, row, now)[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=2)
    args = ap.parse_args()
    config = parse_config(demo_config_text(), "demo")
    plan = load_plan(None, config)
    print(f"{args.days} simulated days × {args.seeds} seeds per profile, all counters staffed")
    for name in ("default", "lunch-peak"):
        profile = load_profile(name, config)
        n = wait = mae = naive = old = 0.0
        for seed in range(1, args.seeds + 1):
            estimate._cache.clear()
            e = simulate(config, profile, plan, args.days, seed, {"v1": v1}).estimate
            n += e.tickets
            wait += e.mean_wait_s * e.tickets
            mae += e.mae_s * e.tickets
            naive += e.naive_mae_s * e.tickets
            old += e.others["v1"] * e.tickets
        wait, mae, naive, old = (x / n for x in (wait, mae, naive, old))
        share, gain = mae / wait, 1 - mae / naive
        ok = "meets" if share <= GOAL_SHARE and gain >= GOAL_GAIN else "misses"
        print(
            f"[{name}] {int(n):,} tickets, mean wait {wait:.0f} s: "
            f"v2 MAE {mae:.0f} s ({share:.0%} of the mean wait; goal ≤ {GOAL_SHARE:.0%}), "
            f"v1 MAE {old:.0f} s, naive MAE {naive:.0f} s; v2 is {gain:.0%} below naive "
            f"(goal ≥ {GOAL_GAIN:.0%}): {ok} the goal"
        )
        assert math.isfinite(mae)


if __name__ == "__main__":
    main()
