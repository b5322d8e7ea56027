"""The web UI: static files shipped in this package, served at `/` by the same process."""

from hearth.web.spa import mount_web_ui

__all__ = ["mount_web_ui"]
