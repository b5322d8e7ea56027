"""Chats: conversations, messages, swipes, prompt assembly, generation runner, SSE."""
