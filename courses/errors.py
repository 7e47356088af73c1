class CurationError(Exception):
    """A course or institution change refused by a curation rule; `problems` lists every rule
    broken, so the submitter can fix them all at once."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class CourseError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
