from prakerja.core.errors import DomainError


class EvaluationError(DomainError):
    """An evaluation, scorecard or decision step refused."""
