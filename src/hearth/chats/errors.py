"""The errors of the chats domain, each with its stable code."""

from hearth.core.errors import AppError, Conflict, Forbidden, NotFound
from hearth.core.i18n import register_messages


class ChatNotFound(NotFound):
    code = "chat_not_found"


class MessageNotFound(NotFound):
    code = "message_not_found"


class GenerationInProgress(Conflict):
    code = "generation_in_progress"


class NotGenerating(Conflict):
    code = "not_generating"


class CharacterUnavailable(Conflict):
    """The chat's character was deleted: the chat stays readable, but cannot go on."""

    code = "character_unavailable"


class CharacterBlocked(Forbidden):
    code = "character_blocked"


class ChatInTrash(Conflict):
    code = "chat_in_trash"


class ChatNotInTrash(Conflict):
    """Only a chat in the trash is deleted for good: one step back from a mistake."""

    code = "chat_not_in_trash"


class ModelFailed(AppError):
    """The LLM failed on a request that waits for it (the code is the gateway's)."""

    status_code, code = 502, "model_failed"


class InvalidChatOperation(Conflict):
    code = "invalid_chat_operation"


class TooManySwipes(Conflict):
    """A reply holds at most `turns.MAX_SWIPES` alternatives: every one is stored in its row,
    and every page of the chat carries them."""

    code = "too_many_swipes"


register_messages(
    {
        "chat_not_found": ("Chat not found.", "Чат не найден.", "Chat no encontrado."),
        "message_not_found": (
            "Message not found.",
            "Сообщение не найдено.",
            "Mensaje no encontrado.",
        ),
        "generation_in_progress": (
            "A reply is still being written in this chat.",
            "В этом чате ещё пишется ответ.",
            "Todavía se está escribiendo una respuesta en este chat.",
        ),
        "not_generating": (
            "This message is not being generated.",
            "Это сообщение сейчас не генерируется.",
            "Este mensaje no se está generando.",
        ),
        "character_unavailable": (
            "This character was deleted; the chat can be read but not continued.",
            "Этот персонаж удалён: чат можно читать, но не продолжать.",
            "Este personaje fue eliminado; el chat se puede leer pero no continuar.",
        ),
        "character_blocked": (
            "This character was blocked; the chat can be read but not continued.",
            "Этот персонаж заблокирован: чат можно читать, но не продолжать.",
            "Este personaje fue bloqueado; el chat se puede leer pero no continuar.",
        ),
        "chat_in_trash": (
            "This chat is in the trash. Restore it first.",
            "Этот чат в корзине. Сначала восстановите его.",
            "Este chat está en la papelera. Restáuralo primero.",
        ),
        "chat_not_in_trash": (
            "Only a chat in the trash can be deleted for good. Delete it first.",
            "Навсегда удалить можно только чат из корзины. Сначала удалите его.",
            "Solo un chat de la papelera se puede eliminar definitivamente. Elimínalo primero.",
        ),
        "invalid_chat_operation": (
            "This cannot be done with this message.",
            "С этим сообщением так сделать нельзя.",
            "No se puede hacer esto con este mensaje.",
        ),
        "too_many_swipes": (
            "This reply already has as many alternatives as it can hold. Edit it, or pick one "
            "of its alternatives.",
            "У этого ответа уже максимум вариантов. Отредактируйте его или выберите один из "
            "вариантов.",
            "Esta respuesta ya tiene el máximo de alternativas. Edítala o elige una de sus "
            "alternativas.",
        ),
        "model_failed": (
            "The model could not answer.",
            "Модель не смогла ответить.",
            "El modelo no pudo responder.",
        ),
        "prompt_not_recorded": (
            "No prompt was recorded for this message.",
            "Для этого сообщения запрос не сохранён.",
            "No se guardó el prompt de este mensaje.",
        ),
        "generation_interrupted": (
            "The reply was interrupted.",
            "Ответ был прерван.",
            "La respuesta se interrumpió.",
        ),
    }
)
