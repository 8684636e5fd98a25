"""The manager dashboard's panels: each renders one part of a `DashboardData` snapshot."""
