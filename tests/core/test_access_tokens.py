"""Access tokens are verified once per process, and still expire on time."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from hearth.core import security
from hearth.core.security import InvalidToken, issue_access_token, read_access_token

SECRET = "a-test-secret-key-that-is-long-enough-for-hs256"


def test_a_verified_token_is_refused_as_expired_once_its_time_is_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user_id, session_id = uuid.uuid4(), uuid.uuid4()
    token, expires_at = issue_access_token(SECRET, user_id, session_id, timedelta(minutes=15))
    claims = read_access_token(SECRET, token)  # verified, and remembered
    assert (claims.user_id, claims.session_id) == (user_id, session_id)

    monkeypatch.setattr(security, "utcnow", lambda: expires_at + timedelta(seconds=1))
    with pytest.raises(InvalidToken) as refused:
        read_access_token(SECRET, token)
    assert refused.value.expired


def test_a_remembered_token_is_not_valid_under_another_secret() -> None:
    token, _ = issue_access_token(SECRET, uuid.uuid4(), uuid.uuid4(), timedelta(minutes=15))
    read_access_token(SECRET, token)
    with pytest.raises(InvalidToken) as refused:
        read_access_token(SECRET + "-rotated", token)
    assert not refused.value.expired


def test_tokens_that_fail_verification_are_not_remembered() -> None:
    token, _ = issue_access_token(SECRET, uuid.uuid4(), uuid.uuid4(), timedelta(minutes=15))
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    before = security._verified_claims.cache_info().currsize
    for _ in range(3):
        with pytest.raises(InvalidToken):
            read_access_token(SECRET, forged)
    assert security._verified_claims.cache_info().currsize == before
