"""Schedules (CONTRACT §7): stations with weekly sessions, slots computed from the pattern, bookings.

Slots are never stored: a station's week, slot length and closed dates define them, and `slots.py`
computes them for any range. Bookings are what is stored. Every writer of a station's bookings first
takes that station's row lock (`stations.lock_station`), so counting a slot and booking into it is one
atomic step on PostgreSQL and SQLite alike; capacity can never be exceeded by racing admins.
"""
