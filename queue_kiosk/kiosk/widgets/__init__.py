"""Widgets of the kiosk screens."""
