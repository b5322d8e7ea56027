"""Protocol-speaking test doubles on loopback: the adapters are tested through real SDKs."""

from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import RecordedRequest, Reply

__all__ = ["FakeAnthropic", "FakeGemini", "FakeOpenAI", "RecordedRequest", "Reply"]
