"""Whole numbers typed or posted by a browser (ids, positions, timestamps), read safely.

`str.isdigit()` is true for digits that `int()` refuses ("²", "①"), so checking with it and then calling
`int()` turned such input into a server error. Every number the site reads from a request goes through
`whole_number`: ASCII digits only, at most `digits` of them, else None."""


def whole_number(text, *, digits: int | None = 12) -> int | None:
    """`text` as a non-negative int when it is 1 to `digits` ASCII digits (any number of them for None)."""
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()):
        return None
    if digits is not None and len(text) > digits:
        return None
    return int(text)
