"""Suspected duplicates: people who share a phone number, a payout account, an e-mail mailbox or
numbered e-mail series, a name and birth date under different NIKs, or a KTP photo.

A set-based pass (`services/scan.py`) groups them; each group is a review item in the
verifiers' queue, never a silent exclusion. While a group is open, selection leaves its members
undecided (outcome `pending`, reason `duplicate_review`) and each payout run holds them
(`HoldKind.DUPLICATE`, source `duplicates:<group id>`). A verifier clears the group (holds
released, pending decisions settled) or confirms it (one account kept, the others blacklisted
and held)."""
