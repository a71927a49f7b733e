"""Versioned releases: everything serving needs, built from the store into one folder."""
