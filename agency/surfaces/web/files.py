"""Files the surfaces hand out: a stored attachment as a download, a letter as a PDF."""

from flask import Response

from agency.domains.mail import letters
from agency.domains.mail.models import Letter


def pdf_response(letter: Letter) -> Response:
    return Response(
        letters.render_pdf(letter),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="letter-{letter.id}.pdf"'},
    )


def image_response(data: bytes, content_type: str) -> Response:
    """A stored picture (its type told from its bytes on upload), shown inline."""
    return Response(
        data,
        mimetype=content_type,
        headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
                 "Cache-Control": "private, max-age=300"},
    )  # fmt: skip


def pdf_download(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{_safe_name(filename)}"'},
    )


def attachment_response(found) -> Response:
    """A stored file as a download, never rendered inline."""
    return file_download(found.data, found.filename)


def file_download(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{_safe_name(filename)}"'},
    )


def _safe_name(name: str) -> str:
    return "".join(c for c in name if c.isalnum() or c in "._- ")[:100] or "attachment"
