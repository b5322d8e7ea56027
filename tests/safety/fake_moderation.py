"""A fake of OpenAI's moderation endpoint on loopback: flags inputs containing a word."""

from __future__ import annotations

from typing import Any

from tests.fakes.http_server import FakeHTTPServer, Response
from tests.fakes.script import RecordedRequest


class FakeModeration(FakeHTTPServer):
    api_prefix = "/v1/moderations"

    def __init__(self, flag_word: str = "forbidden-topic") -> None:
        super().__init__()
        self.flag_word = flag_word
        self.broken = False

    async def handle(self, request: RecordedRequest, response: Response) -> None:
        if self.broken:
            await response.json(500, {"error": {"message": "down"}})
            return
        text = str((request.json() or {}).get("input", ""))
        flagged = self.flag_word in text
        result: dict[str, Any] = {
            "flagged": flagged,
            "categories": {"harassment": flagged, "violence": False},
        }
        await response.json(200, {"id": "modr-fake", "model": "fake", "results": [result]})
