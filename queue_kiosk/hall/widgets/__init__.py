"""Widgets of the hall board."""
