"""Every table of every domain, imported so that `Base.metadata` is complete.

Alembic and the schema tests read the metadata from here; add each new domain's models.
"""

from hearth.admin import models as admin_models
from hearth.auth import models as auth_models
from hearth.characters import models as character_models
from hearth.chats import models as chat_models
from hearth.core.db import Base
from hearth.limits import models as limits_models
from hearth.llm import models as llm_models
from hearth.safety import models as safety_models
from hearth.users import models as user_models

__all__ = [
    "Base",
    "admin_models",
    "auth_models",
    "character_models",
    "chat_models",
    "limits_models",
    "llm_models",
    "safety_models",
    "user_models",
]
