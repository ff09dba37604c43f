"""Queries read: functions that fetch what a page shows, never writing."""
