"""The one base of every domain error: a rule refused what someone asked.

A service raises a `DomainError` subclass (`LifecycleError`, `PurchaseError`, `CurationError`,
`LedgerError`...) with a sentence for people (`message`; else the class's `default_message`), a
stable code for machines (`code`, what the partner API answers: every code it may answer is in
`partners/api/errors.py::ERROR_CODES`), and, when one form field is at fault, that field's name
(`field`). `problems` lists every rule broken when there are several (curation), so the
submitter can fix them all at once; `details` says the same for machines, one object per
problem (`training_incomplete`: which session, which task), answered by the API as `problems`.

Who shows it: the admin through `prakerja.core.admin_base.domain_errors_reported`, the partner
API through its exception handler, the public pages next to the form field."""

from typing import Any, ClassVar

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refused action. Subclasses set class defaults; each instance may override them."""

    # The sentence when none is given (subclasses set their own); `message` is the instance's.
    default_message: ClassVar[str | Promise] = _("This action is not allowed.")
    message: str
    code: str = "invalid_state"
    field: str | None = None
    # The HTTP status an API answers it with (409: refused in the object's current state).
    status: int = 409

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        status: int | None = None,
        problems: list[str] | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        text = str(message if message is not None else self.default_message)
        super().__init__(text)
        self.message = text
        if code is not None:
            self.code = code
        if field is not None:
            self.field = field
        if status is not None:
            self.status = status
        self.problems: list[str] = list(problems) if problems else []
        self.details: list[dict[str, Any]] = list(details) if details else []

    def __str__(self) -> str:
        return str(self.message)


def domain_error_on_form(form: forms.BaseForm, error: DomainError, *, fallback: str | None = None) -> None:
    """Show a refusal on a form: on the error's field when the form has it, else on `fallback`
    (a field of this form) or the whole form."""
    form.add_error(error.field if error.field in form.fields else fallback, error.message)
