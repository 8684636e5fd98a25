"""The kiosk's screens; each takes its parts from `KioskParts`."""
