"""Parties (patients, providers, payers, analysts, auditors, admins) and their API tokens.

Every request is made by an ``Actor``: a party with the scopes its token grants. The actor
decides which accounts the caller may see, debit or open; other rooms ask it, never the
token.
"""
