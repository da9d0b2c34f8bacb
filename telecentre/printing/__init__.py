"""Printing on the site's CUPS server: jobs held, counted, released within an allowance."""
