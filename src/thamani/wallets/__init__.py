"""Health wallets: one account per funding source, earmarks, draw-down, top-ups, payouts.

The pure core (``records``, ``earmarks``, ``drawdown``, ``phones``) decides; the use cases
(``service.Wallets`` and the modules it draws on) read the store, ask the core, and move
money only through the ledger.
"""
