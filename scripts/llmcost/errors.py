"""The one exception for bad input (imported at parse time: standard library only)."""


class InputError(Exception):
    """Bad input: the message names the file (and line, column or run) and what to do."""
