"""The one base of the errors a user fixes by changing an input (issue 17).

Every error that names a file, a config key or a command-line option together with what
was expected and the fix derives from :class:`InputError` (beside its usual built-in base,
so ``except ValueError`` keeps working). The tools catch ``InputError`` and print its
message as one line (``tools/<tool>.py: <message>``) with a non-zero exit status instead
of a traceback; anything else is a bug and keeps its traceback.
"""


class InputError(Exception):
    """Bad input the user can fix: the message names it, what was expected, what was found, and the fix."""
