"""Bookings of seats by residents."""
