"""Who may see which content rating: the one rule the catalog, direct reads and chats share."""

from __future__ import annotations

from datetime import date
from typing import Literal, Protocol

from hearth.users.age import is_adult

Rating = Literal["sfw", "moderate", "nsfw"]
RATINGS: tuple[Rating, ...] = ("sfw", "moderate", "nsfw")
SAFE_ONLY: frozenset[str] = frozenset({"sfw"})
EVERY_RATING: frozenset[str] = frozenset(RATINGS)


class _Author(Protocol):
    @property
    def birthdate(self) -> date | None: ...


class _Viewer(Protocol):
    @property
    def birthdate(self) -> date | None: ...
    @property
    def show_nsfw(self) -> bool: ...


def allowed_ratings(user: _Viewer | None, today: date | None = None) -> frozenset[str]:
    """The content ratings this viewer may see.

    `moderate` and `nsfw` need a signed-in adult (by the birthdate on the profile, never a
    client's claim) who opted in with `show_nsfw`; everyone else sees `sfw` only.
    """
    if user is None or not user.show_nsfw or not is_adult(user.birthdate, today):
        return SAFE_ONLY
    return EVERY_RATING


def may_see_rating(user: _Viewer | None, rating: str, today: date | None = None) -> bool:
    return rating in allowed_ratings(user, today)


def may_author_rating(user: _Author | None, rating: str, today: date | None = None) -> bool:
    """Whether this user may rate their own character `rating`.

    Mature ratings are made by adults only, by the birthdate on the profile (none counts as
    a minor, as for viewing). No opt-in is asked: `show_nsfw` is about what one is shown.
    """
    return rating in SAFE_ONLY or (user is not None and is_adult(user.birthdate, today))
