"""Messages raised outside the CLI that users see: field issues from decoding and import.

They are written in English where they are raised (the core, :mod:`mentorkit.io`) and carry a
template (see :meth:`mentorkit.FieldIssue.render`); this list puts each template, and the
values their parameters take, into the catalog so ``mentorkit import`` can show them in
Indonesian. ``tests/cli/test_cli_i18n_catalog.py`` fails when a template is missing here.
"""

__all__ = ["FIELD_MESSAGES"]


def N_(message: str) -> str:  # noqa: N802  # the gettext convention for "mark, do not translate"
    """Mark ``message`` for the catalog; return it unchanged."""
    return message


#: Field-issue templates and parameter values, as extracted into the catalog.
FIELD_MESSAGES = (
    N_("a complete assessment has a score and a level"),
    N_("an incomplete assessment has no score or level"),
    N_("column {column}: {problem}"),
    N_("could not be decoded ({error})"),
    N_("expected a date as YYYY-MM-DD"),
    N_("expected a date as YYYY-MM-DD, got {kind}"),
    N_("expected a number, got {kind}"),
    N_("expected a real calendar date as YYYY-MM-DD"),
    N_("expected a string, got {kind}"),
    N_("expected a whole number (digits, thousands may be grouped with . or ,)"),
    N_("expected a whole number, got a fraction"),
    N_("expected a whole number, got true/false"),
    N_("expected a whole number, got {kind}"),
    N_("expected an object, got {kind}"),
    N_("expected true or false, got {kind}"),
    N_("expected yes or no (true/false, ya/tidak, 1/0)"),
    N_("expected {expected}, got {kind}"),
    N_("is only set when the milestone is done"),
    N_("is required when the milestone is done"),
    N_("licence {position}: expected kind:number[:issued[:expires]]"),
    N_("must be 'sha256:' and 64 lower-case hex digits"),
    N_("must be a finite number, 0 or more"),
    N_("not UTF-8"),
    N_("not UTF-8 text: save the file as UTF-8 (in Excel: CSV UTF-8)"),
    N_("must be between 0 and 1"),
    N_("must be between 0 and 100"),
    N_("must be greater than zero"),
    N_("must not be before the issue date"),
    N_("must not be before the start date"),
    N_("must not be empty"),
    N_("must not be negative"),
    N_("must not contain duplicates"),
    N_("not valid JSON ({error})"),
    N_("not valid Unicode text (a lone surrogate)"),
    N_("phone number must be 8 to 15 digits, optionally after '+'"),
    N_("repeats the id of an earlier row"),
    N_("required field missing"),
    N_("unknown column {column}"),
    N_("unknown field(s): {fields}"),
    N_("value has the wrong type"),
    N_("value is not one of the allowed values"),
    N_("{what} must be exactly {count} digits"),
    N_("null"),
    N_("a boolean"),
    N_("a whole number"),
    N_("a decimal number"),
    N_("a string"),
    N_("a list"),
    N_("an object"),
    N_("NIK"),
    N_("NIB"),
)
