"""The ledger: accounts, transfers, the journal hash chain and its verification.

Modelled on TigerBeetle's semantics: client-made 128-bit ids and exactly-once transfers,
two-phase (pending, post, void, expire), linked chains, balance limits and batches of up
to 8,190 transfers with one result each.
"""
