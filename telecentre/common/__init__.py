"""Pieces every feature uses: time, column types, access control, errors, crypto."""
