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


# The largest id a database row can have: a BigAutoField is a signed 64-bit integer.
LARGEST_ID = 2**63 - 1


class IdConverter:
    """`<id:pk>` in URL patterns: a row id, ASCII digits up to LARGEST_ID. A larger number matches no
    pattern, so it is a 404 like any other missing row; with `<int:...>` it reached SQLite, which cannot
    bind it (OverflowError, a 500) where PostgreSQL answered "no such row"."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > LARGEST_ID:
            raise ValueError("larger than any row id")  # the resolver reads ValueError as "no match"
        return number

    def to_url(self, value) -> str:
        return str(value)
