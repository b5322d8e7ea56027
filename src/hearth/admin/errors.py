"""Localised messages of the admin API's error codes (raised as typed core errors)."""

from __future__ import annotations

from hearth.core.i18n import register_messages

register_messages(
    {
        "user_not_found": ("No such user.", "Пользователь не найден.", "No existe ese usuario."),
        "cannot_block_self": (
            "You cannot block yourself.",
            "Нельзя заблокировать самого себя.",
            "No puedes bloquearte a ti mismo.",
        ),
        "cannot_block_system": (
            "The system account cannot be blocked; block its characters instead.",
            "Системную учётную запись нельзя заблокировать; блокируйте её персонажей.",
            "La cuenta del sistema no se puede bloquear; bloquea sus personajes.",
        ),
        "cannot_block_admin": (
            "Administrators cannot be blocked.",
            "Администратора нельзя заблокировать.",
            "No se puede bloquear a un administrador.",
        ),
        "character_not_found": (
            "No such character.",
            "Персонаж не найден.",
            "No existe ese personaje.",
        ),
        "provider_not_found": (
            "No such provider.",
            "Провайдер не найден.",
            "No existe ese proveedor.",
        ),
        "provider_exists": (
            "A provider with this name exists; change it with PATCH.",
            "Провайдер с таким именем уже есть; измените его через PATCH.",
            "Ya existe un proveedor con ese nombre; cámbialo con PATCH.",
        ),
        "provider_folder_id_required": (
            "A YandexGPT provider needs its Yandex Cloud folder id.",
            "Для провайдера YandexGPT нужен идентификатор каталога Yandex Cloud.",
            "Un proveedor YandexGPT necesita el identificador de su carpeta de Yandex Cloud.",
        ),
        "rule_not_found": ("No such rule.", "Правило не найдено.", "No existe esa regla."),
        "report_closed": (
            "This report is already closed.",
            "Жалоба уже закрыта.",
            "Esta denuncia ya está cerrada.",
        ),
        "plan_not_found": ("No such plan.", "Тариф не найден.", "No existe ese plan."),
        "plan_name_taken": (
            "A plan with this name exists.",
            "Тариф с таким названием уже есть.",
            "Ya existe un plan con ese nombre.",
        ),
        "balance_too_low": (
            "The balance would go negative.",
            "Баланс стал бы отрицательным.",
            "El saldo quedaría en negativo.",
        ),
    }
)
