"""Disbursement: every due instalment paid exactly once, whatever crashes.

How "exactly once" holds:
- A payout is one transfer attempt; its id is the provider's idempotency key
  (`partnerReferenceNo`), so sending it again can never pay twice.
- A partial unique index allows one live payout (created, pending, unknown or
  succeeded) per instalment, so no run, retry or race can make a second one.
- A payout leaves the live states only on the provider's terminal "no" (failed), when the
  money came back (reversed) or when finance cancels it before sending. Timeouts and 5xx
  are "unknown", settled only by a status inquiry or a callback; a reference the provider
  never saw is resent under the same key.
- Every state change is a conditional UPDATE, and its ledger posting has a key derived from
  the payout (`payout:<id>`, `payout-settled:<id>`, ...), in the same transaction.

Money: participant incentive payable -> payouts in flight when the payout is made; in flight
-> settled on success; back to payable on failure, cancellation or reversal.
"""
