"""Channels to the outside: mobile-money adapters (USSD and SMS later)."""
