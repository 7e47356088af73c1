"""A payout's states and the moves allowed between them, in one table. The SQL that changes a
payout's state takes its target and the states it may come from as parameters from here."""

from collections.abc import Iterable

from applicants.disbursement.models import PayoutStatus

P = PayoutStatus

# Sent or to be sent, with no final answer yet: the money is in flight.
IN_FLIGHT: tuple[str, ...] = (P.CREATED, P.PENDING, P.UNKNOWN)
# Asked about again by the sweep: the provider took them but has not said how they ended.
AWAITING_ANSWER: tuple[str, ...] = (P.PENDING, P.UNKNOWN)

PAYOUT_TRANSITIONS: dict[str, frozenset[str]] = {
    # Waiting in its chunk; finance may cancel it before it is sent.
    P.CREATED: frozenset({P.PENDING, P.UNKNOWN, P.SUCCEEDED, P.FAILED, P.REVERSED, P.CANCELLED}),
    # A timeout or 5xx: settled only by a status inquiry or a callback.
    P.UNKNOWN: frozenset({P.PENDING, P.SUCCEEDED, P.FAILED, P.REVERSED}),
    P.PENDING: frozenset({P.SUCCEEDED, P.FAILED, P.REVERSED}),
    # The bank may return the money after it was paid.
    P.SUCCEEDED: frozenset({P.REVERSED}),
    P.FAILED: frozenset(),
    P.REVERSED: frozenset(),
    P.CANCELLED: frozenset(),
}


def payout_sources(to: str, *, among: Iterable[str] | None = None) -> list[str]:
    """The states a payout may move to `to` from (only those in `among`, if given), as a list of
    plain strings for an SQL `status = ANY(%s)`."""
    allowed = set(among) if among is not None else set(PAYOUT_TRANSITIONS)
    return sorted(str(state) for state, targets in PAYOUT_TRANSITIONS.items() if to in targets and state in allowed)


def states(values: Iterable[str]) -> list[str]:
    """Statuses as plain strings for an SQL parameter."""
    return [str(value) for value in values]
