"""The showcase's own widgets."""
