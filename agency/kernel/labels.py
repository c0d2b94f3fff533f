"""One translated label for each code a person may see: a status, a priority, a kind.

Each domain defines the labels of its enumerations once (`define`); pages, emails and
PDFs show `label(kind, code)`, while the API and CSV files keep the codes. A code with
no label is shown with its underscores and hyphens as spaces, and a test renders every
page to find any such code before a person does.
"""

from collections.abc import Mapping

_KINDS: dict[str, Mapping[str, object]] = {}


def define(kind: str, labels: Mapping[str, object]) -> None:
    """The labels (lazy translations) of the codes of ``kind``."""
    _KINDS[kind] = dict(labels)


def label(kind: str, code) -> str:
    if code is None or code == "":
        return ""
    code = getattr(code, "value", code)
    found = _KINDS[kind].get(str(code))
    if found is None:
        return str(code).replace("_", " ").replace("-", " ")
    return str(found)


def labels(kind: str) -> dict[str, str]:
    """Every code of ``kind`` and its label, in their order (choices in a form)."""
    return {code: str(text) for code, text in _KINDS[kind].items()}


def lazy(kind: str, code):
    """The label of ``code`` as a lazy string, for a form built before any request."""
    return _KINDS[kind].get(str(getattr(code, "value", code)), str(code))
