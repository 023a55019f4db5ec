"""Factories per app: tests/factories/<app>.py. Import from the module, not from here."""
