"""The showcase's own screens: a tab whose front-end is missing, and what was printed."""
