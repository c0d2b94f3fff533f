"""What a text in another language must not hold: the catalogue's English sentences, and
codes (snake_case words)."""

import re
from pathlib import Path

from babel.messages.pofile import read_po

POT = Path(__file__).resolve().parent.parent / "agency" / "translations" / "messages.pot"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
SNAKE = re.compile(r"(?<![\w@./:\-])[a-z]+(?:_[a-z0-9]+)+(?![\w@./\-])")


def _english_fragments() -> frozenset[str]:
    """The fixed parts of the catalogue's sentences (between placeholders), long enough
    to be English prose rather than a name."""
    with POT.open("rb") as handle:
        catalogue = read_po(handle)
    fragments = set()
    for message in catalogue:
        text = message.id if isinstance(message.id, str) else (message.id or ("",))[0]
        for part in PLACEHOLDER.split(text or ""):
            for line in part.split("\n"):
                line = line.strip(" :.,()")
                if len(line) >= 24 and len(line.split()) >= 4:
                    fragments.add(line)
    return frozenset(fragments)


ENGLISH = _english_fragments()


def problems(text: str, language: str, where: str) -> list[str]:
    """Codes in ``text``, and, unless it is English, English sentences left in it."""
    found = [f"{where}: code {code!r}" for code in SNAKE.findall(text)]
    if language != "en":
        found += [f"{where}: English {fragment!r}" for fragment in ENGLISH if fragment in text]
    return found
