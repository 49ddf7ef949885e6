"""Password rules beyond Django's own: listed in AUTH_PASSWORD_VALIDATORS, so they apply wherever a
person chooses a password (an invitation, a password change, a reset)."""

from django.core.exceptions import ValidationError

ONE_CHARACTER = "This password repeats one character; choose one that is harder to guess."
SHORT_PATTERN = "This password repeats a short pattern; choose one that is harder to guess."


class RepetitionValidator:
    """Refuses a password that is one character, or one short run of characters, over and over
    ("aaaaaaaaaaaa", "abcabcabcabc"). Such a password passes the length rule and is not on the
    common-password list, yet it is among the first guesses anyone tries."""

    def validate(self, password: str, user=None) -> None:
        folded = password.casefold()
        # Spaces and punctuation between the repeats ("abc-abc-abc-abc") do not make it harder to
        # guess, so only letters and digits are compared; a password of symbols alone is kept whole.
        core = "".join(ch for ch in folded if ch.isalnum()) or folded
        if len(set(core)) <= 1:
            raise ValidationError(ONE_CHARACTER, code="password_repeats_character")
        # A string is a repeat of a shorter one exactly when it occurs inside itself doubled, other
        # than at the start and the end.
        if core in (core + core)[1:-1]:
            raise ValidationError(SHORT_PATTERN, code="password_repeats_pattern")

    def get_help_text(self) -> str:
        return "Your password can’t be one character, or a short run of characters, repeated."
