"""Age gate, content rating, moderation, reports."""
