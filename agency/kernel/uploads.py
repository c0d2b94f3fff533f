"""Files people upload: a clean file name, and a PDF or an image told from its bytes
(never from the name or the type the sender claims), within a size limit."""

import unicodedata

import filetype
from flask_babel import gettext as _

from agency.kernel.errors import ValidationError

PDF_OR_IMAGE = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/gif",
    "image/heic",
}


# What a client may send with a website update besides PDFs and images: office documents
# (new opening hours in a spreadsheet, a menu in a text document).
OFFICE_DOCUMENTS = {
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet",
}
IMAGES = {kind for kind in PDF_OR_IMAGE if kind.startswith("image/")}


class TooLarge(ValidationError):
    status_code = 413

    def __init__(self, message: str, field: str):
        super().__init__(message, {field: [message]}, code="too_large")


class NotAllowedType(ValidationError):
    status_code = 415

    def __init__(self, message: str, field: str):
        super().__init__(message, {field: [message]}, code="unsupported_type")


def clean_filename(name: str, field: str) -> str:
    """The file's own name: no folders, no control characters, at most 255 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = name.strip().strip(".")
    if not name:
        raise ValidationError.on(field, _("Each attachment needs a file name."))
    return name[:255]


def pdf_or_image(filename: str, data: bytes, limit: int, field: str) -> tuple[str, str]:
    """The clean name and the type of an uploaded PDF or image; 413 over ``limit`` bytes,
    415 for anything else, 422 when there is no file."""
    return checked_file(filename, data, limit, field, PDF_OR_IMAGE)


def checked_file(
    filename: str, data: bytes, limit: int, field: str, allowed: set[str]
) -> tuple[str, str]:
    """The clean name and the type, told from the bytes, of a file of one of the
    ``allowed`` types; 413 over ``limit`` bytes, 415 for another type, 422 when empty."""
    name = clean_filename(filename, field) if filename else ""
    if not name:
        raise ValidationError.on(field, _("Choose a file to add."))
    if len(data) > limit:
        size = f"{limit / (1024 * 1024):g}"
        raise TooLarge(_("%(name)s is larger than %(mb)s MB.", name=name[:80], mb=size), field)
    if not data:
        raise ValidationError.on(field, _("%(name)s is empty.", name=name[:80]))
    kind = filetype.guess_mime(data[:8192])
    if kind not in allowed:
        raise NotAllowedType(_not_allowed(name[:80], allowed), field)
    return name, kind


def _not_allowed(name: str, allowed: set[str]) -> str:
    if allowed <= IMAGES:
        return _("%(name)s is not an image (PNG, JPEG, WebP, GIF, HEIC).", name=name)
    if allowed <= PDF_OR_IMAGE:
        return _("%(name)s is not a PDF or an image (PNG, JPEG, WebP, GIF, HEIC).", name=name)
    return _(
        "%(name)s is not a PDF, an image or an office document (Word, Excel, OpenDocument).",
        name=name,
    )
