"""The counter app's screens: login, main, and the dialogs the actions open."""
