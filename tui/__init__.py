"""The small Textual toolkit every Tabour front-end shares (DESIGN §2)."""
