"""Dictation: the client's text or voice note for their secretary, and its
transcription, each on the item's timeline.
"""

from flask_babel import gettext as _

from agency.domains.mail.access import client_for
from agency.domains.mail.drafting import note_on_item
from agency.domains.mail.models import (
    Dictation,
)
from agency.domains.mail.schemas import (
    DictationSchema,
    TranscriptionSchema,
)
from agency.domains.work.creation import create_item
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import Conflict, ValidationError
from agency.kernel.records import values_for

AUDIO_TYPES = {
    # content type: does the file start like one
    "audio/mpeg": lambda head: head[:3] == b"ID3" or head[:2] in (b"\xff\xfb", b"\xff\xf3"),
    "audio/wav": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WAVE",
    "audio/x-wav": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WAVE",
    "audio/ogg": lambda head: head[:4] == b"OggS",
    "audio/webm": lambda head: head[:4] == b"\x1a\x45\xdf\xa3",
    "audio/mp4": lambda head: head[4:8] == b"ftyp",
    "audio/x-m4a": lambda head: head[4:8] == b"ftyp",
}


def _audio(upload, limit: int) -> tuple[str, str, bytes] | None:
    """(name, type, bytes) of an uploaded audio file, checked by type, content and size."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    content_type = (upload.mimetype or "").lower()
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError.on(
            "audio", _("The audio file is larger than %(mb)s MB.", mb=limit // (1024 * 1024))
        )
    check = AUDIO_TYPES.get(content_type)
    if check is None or not check(data[:16]):
        raise ValidationError.on("audio", _("Upload an MP3, WAV, OGG, WebM or M4A audio file."))
    return upload.filename[:255], content_type, data


def create_dictation(data: dict, user, upload=None, audio_limit: int = 0) -> Dictation:
    """Typed text or an audio file becomes a dictation item for the secretary."""

    values = values_for(DictationSchema(), data)
    client = client_for(user, values["client_id"])
    text = (values["text"] or "").strip() or None
    audio = _audio(upload, audio_limit)
    if text is None and audio is None:
        raise ValidationError.on("text", _("Type the dictation or upload an audio file."))
    dictation = Dictation(client_id=client.id, text=text, created_by_id=user.id)
    if audio is not None:
        dictation.audio_name, dictation.audio_type, dictation.audio = audio
        dictation.audio_size = len(audio[2])
    db.session.add(dictation)
    db.session.flush()
    summary = (text or _("Audio: %(name)s", name=dictation.audio_name)).splitlines()[0]
    item, _new = create_item(
        {
            "client_id": client.id,
            "kind": "dictation",
            "title": _("Dictation: %(summary)s", summary=summary)[:300],
            "body": text,
            "source": "portal",
            "source_key": f"dictation:{dictation.id}",
            "links": {"dictation_id": dictation.id},
        },
        user.id,
    )
    dictation.work_item_id = item.id
    db.session.commit()
    return dictation


TIMELINE_EXCERPT = 500


def transcribe(dictation: Dictation, data: dict, user) -> Dictation:
    """Attach what an audio dictation says, typed; a later one replaces it. The work
    item's timeline keeps each, so the secretary sees what was written and when."""
    values = values_for(TranscriptionSchema(), data)
    if not dictation.audio_name:
        raise Conflict(_("Only an audio dictation takes a transcription."))
    text = values["text"].strip()
    if not text:
        raise ValidationError.on("text", _("Type what the audio says."))
    dictation.transcription = text
    dictation.transcribed_at = clock.now()
    excerpt = text if len(text) <= TIMELINE_EXCERPT else text[: TIMELINE_EXCERPT - 1] + "…"
    note_on_item(
        dictation.work_item_id,
        "transcription_added",
        user.id,
        dictation_id=dictation.id,
        note=excerpt,
    )
    db.session.commit()
    return dictation
