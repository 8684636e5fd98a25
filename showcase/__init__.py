"""The whole branch in one terminal: `tabour demo` (`python3 dev.py run`).

A package of its own because it hosts the front-ends of two packages (the kiosk and hall
board of `queue_kiosk`, the counter and manager dashboard of `counter_app`) and runs the
sandbox central beside them; no other package imports it (import-linter contract).
"""
