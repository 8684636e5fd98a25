"""Arrivals and waits per hour today (textual-plotext): bars of arrivals, lines of waits.

The hour axis runs left to right in both languages (numbers keep their Latin order, as the
codes and times on every Tabour screen do); labels are translated.
"""

from __future__ import annotations

from textual_plotext import PlotextPlot

from queue_kiosk.dashboard_data import HourPoint
from tui.lang import language_of

DAY_FROM, DAY_TO = 8, 15  # the hours always on the axis (a branch's usual opening hours)


class HourChart(PlotextPlot):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hours: tuple[HourPoint, ...] = ()

    def show(self, hours: tuple[HourPoint, ...]) -> None:
        self.hours = hours
        lang = language_of(self)
        plt = self.plt
        plt.clear_figure()
        plt.title(lang.show("Arrivals and waits per hour"))
        if not hours:
            plt.xticks([])
            plt.yticks([])
            self.refresh()
            return
        xs = [h.hour for h in hours]
        plt.bar(xs, [h.arrivals for h in hours], label=lang.show("Arrivals"), color="blue",
                width=0.6)  # fmt: skip
        waits = [round((h.avg_wait_s or 0) / 60, 1) for h in hours]
        p90 = [round((h.p90_wait_s or 0) / 60, 1) for h in hours]
        plt.plot(xs, waits, label=lang.show("Average wait, minutes"), yside="right",
                 color="orange", marker="hd")  # fmt: skip
        plt.plot(xs, p90, label=lang.show("90% waited under, minutes"), yside="right",
                 color="red", marker="hd")  # fmt: skip
        plt.ylim(0, max(1, max(h.arrivals for h in hours)) * 1.15)
        plt.ylim(0, max(1.0, *p90, *waits) * 1.15, yside="right")
        first, last = min(min(xs), DAY_FROM), max(max(xs), DAY_TO)
        plt.xlim(first - 0.5, last + 0.5)
        ticks = list(range(first, last + 1))
        plt.xticks(ticks, [f"{h:02d}" for h in ticks])
        self.refresh()
