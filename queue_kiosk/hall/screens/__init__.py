"""Screens of the hall app."""
