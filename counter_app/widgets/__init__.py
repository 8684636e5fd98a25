"""The counter screens' widgets: each renders state it is given, none does I/O."""
