from quizapp.whole_numbers import whole_number


def test_only_ascii_digits_within_the_limit_are_numbers():
    assert whole_number("042") == 42 and whole_number("7", digits=1) == 7
    assert whole_number("1" * 20, digits=None) == int("1" * 20)
    for text in ("", " 1", "-1", "1.5", "²", "１", "٣", "12345", None, 3):
        assert whole_number(text, digits=4) is None, text
