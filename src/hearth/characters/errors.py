"""The errors of the characters domain, each with its stable code."""

from hearth.core.errors import AppError, Forbidden, NotFound
from hearth.core.i18n import register_messages


class CharacterNotFound(NotFound):
    code = "character_not_found"


class NotCharacterOwner(Forbidden):
    code = "not_character_owner"


class AgeRestricted(Forbidden):
    """A public or unlisted character whose rating the caller may not see.

    Same code (and localised text) as the profile's 18+ check in `users`.
    """

    code = "age_restricted"

    def __init__(self) -> None:
        super().__init__("This character is for adults (18+) who enabled mature content.")


class CharacterLocked(Forbidden):
    """Blocked by moderation: its creator may still read or delete it, not change or copy it
    (an exported card imported again would be the same character, unblocked)."""

    code = "character_locked"

    def __init__(self) -> None:
        super().__init__(
            "This character was blocked by moderation: it can be deleted, not changed or exported."
        )


class InvalidCard(AppError):
    status_code, code = 422, "invalid_card"


class LorebookNotCard(InvalidCard):
    """A lorebook (a SillyTavern world file) sent where a character card was expected."""

    code = "lorebook_not_card"

    def __init__(self) -> None:
        super().__init__(
            "This file is a lorebook (world info), not a character card: "
            "import it into a character's lorebook instead."
        )


class GenerationFailed(AppError):
    status_code, code = 502, "generation_failed"


register_messages(
    {
        "character_not_found": (
            "Character not found.",
            "Персонаж не найден.",
            "Personaje no encontrado.",
        ),
        "not_character_owner": (
            "Only the creator of this character may change it.",
            "Изменять персонажа может только его автор.",
            "Solo el creador de este personaje puede cambiarlo.",
        ),
        "character_locked": (
            "This character was blocked by moderation: it can be deleted, not changed or exported.",
            "Этот персонаж заблокирован модерацией: "
            "его можно удалить, но не изменить или экспортировать.",
            "Este personaje fue bloqueado por moderación: "
            "se puede eliminar, no cambiar ni exportar.",
        ),
        "invalid_card": (
            "The character card could not be read.",
            "Не удалось прочитать карточку персонажа.",
            "No se pudo leer la tarjeta del personaje.",
        ),
        "lorebook_not_card": (
            "This file is a lorebook (world info), not a character card: "
            "import it into a character's lorebook instead.",
            "Этот файл — лорбук (world info), а не карточка персонажа: "
            "импортируйте его в лорбук персонажа.",
            "Este archivo es un lorebook (world info), no una tarjeta de personaje: "
            "impórtelo en el lorebook de un personaje.",
        ),
        "generation_failed": (
            "The model could not build a character from this text.",
            "Модель не смогла создать персонажа по этому тексту.",
            "El modelo no pudo crear un personaje a partir de este texto.",
        ),
    }
)
