"""Age from the birthdate on the profile, never from anything a client claims."""

from __future__ import annotations

from datetime import date

ADULT_AGE = 18


def age_on(birthdate: date, today: date) -> int:
    before_birthday = (today.month, today.day) < (birthdate.month, birthdate.day)
    return today.year - birthdate.year - int(before_birthday)


def is_adult(birthdate: date | None, today: date | None = None) -> bool:
    if birthdate is None:
        return False
    return age_on(birthdate, today or date.today()) >= ADULT_AGE
