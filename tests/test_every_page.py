"""Every page of every surface, with the demo agency's data, in each of the six languages:
each answers without error, shows no code (no snake_case word in what a person reads,
outside <code> and <kbd>), and a page in another language keeps no English text beyond
names and the agency's own data. The pages are found by following the links of each
surface from its home page, as its users would."""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from sqlalchemy import String, Text, inspect, select

from agency.demo import DEMO_PASSWORD, DEMO_SLUG
from agency.kernel.database import db
from agency.kernel.i18n import LANGUAGES
from tenants import use_agency
from tests.conftest import post_form

SURFACES = {
    "console": ("manager@aurora.example", "/console/", ("/console", "/account")),
    "desk": ("ana@aurora.example", "/desk/", ("/desk", "/account")),
    "portal": ("silva@clinic.example", "/portal/", ("/portal", "/account")),
    "portal, limited": ("reception@clinic.example", "/portal/", ("/portal", "/account")),
    "public": (None, "/", ("/", f"/a/{DEMO_SLUG}")),
}
# Downloads, streams and what signs out: not pages to read.
NOT_PAGES = re.compile(
    r"(/logout|\.pdf$|\.csv$|\.ics$|/pdf$|/csv$|/api/|/hooks/|/static/|/desk/live|"
    r"/attachments/|/audio$|/draft-attachments/)"
)
# Per kind of page (ids as N), this many are read.
PER_KIND = 2
LIMIT = 120
SNAKE = re.compile(r"(?<![\w@./:\-])[a-z]+(?:_[a-z0-9]+)+(?![\w@./\-])")
# Names and words that are the same in every language.
SAME_EVERYWHERE = {
    "Secretariat", "Stripe", "OpenAPI", "API", "CSV", "SLA", "VIP", "VIPs", "PDF", "IMAP",
    "SMTP", "TOTP", "SID", "E-mail", "Email", "Online", "Dashboard", "Team", "Status", "Portal",
    "Desk", "Plan", "Plans", "Total", "Normal", "normal", "Hotel", "Check-in", "Check-out",
    "spam", "partner", "prospect",
}  # fmt: skip


class Visible(HTMLParser):
    """The text a person reads on a page (and the words of buttons and fields), outside
    scripts, styles, <code> and <kbd>."""

    # Scripts, styles, code a person types literally, and what a person typed (fields).
    HIDDEN = {"script", "style", "code", "kbd", "template", "noscript", "pre", "textarea"}
    SAID = ("placeholder", "title", "aria-label", "alt", "data-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.texts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN:
            self.depth += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in self.SAID:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self.depth:
            self.texts.append(text)


def read(html: str) -> Visible:
    page = Visible()
    page.feed(html)
    return page


def kind_of(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def _sign_in(app, email, language):
    http = app.test_client()
    http.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    if email:
        answer = post_form(http, "/login", {"email": email, "password": DEMO_PASSWORD})
        assert answer.status_code == 302, email
    return http


def crawl(http, start: str, prefixes: tuple, per_kind: int = PER_KIND) -> dict[str, str]:
    """Every page the surface links to from ``start``, a few of each kind: path -> HTML."""
    seen_kinds: dict[str, int] = {}
    pages: dict[str, str] = {}
    queue = deque([start])
    while queue and len(pages) < LIMIT:
        path = queue.popleft()
        if path in pages:
            continue
        answer = http.get(path)
        assert answer.status_code < 500, f"{path}: {answer.status_code}"
        if answer.status_code != 200 or answer.mimetype != "text/html":
            continue
        html = answer.get_data(as_text=True)
        pages[path] = html
        for href in read(html).links:
            target = urlsplit(urljoin(path, href))
            if target.netloc not in ("", "localhost") or target.scheme not in ("", "http"):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if NOT_PAGES.search(target.path) or link in pages:
                continue
            if not any(target.path.startswith(p) for p in prefixes):
                continue
            kind = kind_of(target.path)
            if seen_kinds.get(kind, 0) >= per_kind:
                continue
            seen_kinds[kind] = seen_kinds.get(kind, 0) + 1
            queue.append(link)
    return pages


def data_words(agency_id: int) -> set[str]:
    """Every word the agency's own rows hold (names, instructions, titles): shown as
    typed, in whatever language they were typed."""
    found = set()
    with use_agency(agency_id):
        for mapper in db.Model.registry.mappers:
            model = mapper.class_
            columns = [c for c in inspect(model).columns if isinstance(c.type, String | Text)]
            if not columns or not hasattr(model, "agency_id"):
                continue
            for row in db.session.execute(select(*columns)).all():
                for value in row:
                    if value:
                        found.update(WORD.findall(str(value)))
    db.session.remove()
    return found


WORD = re.compile(r"[^\W\d_]{2,}")


def _allowed(text: str, data_words: set[str]) -> bool:
    """Text that may read the same in every language: names and the agency's own data
    (every word of it found in what the agency typed), proper names (capitalised), codes
    shown as examples (short lowercase words, as "pt, en"), or a single short word."""
    words = WORD.findall(text)
    if not words or (len(words) == 1 and len(words[0]) <= 3):
        return True
    if all(len(word) <= 3 and word.islower() for word in words):
        return True
    if re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", text):  # an example of an address's name
        return True
    return all(word in data_words or word in SAME_EVERYWHERE or word[0].isupper() for word in words)


def test_every_page_in_every_language_shows_words_not_codes(app, demo):
    data = data_words(demo)
    problems = []
    for surface, (email, start, prefixes) in SURFACES.items():
        english = crawl(_sign_in(app, email, "en"), start, prefixes)
        assert len(english) > 1 or surface == "public", surface
        english_texts = {path: set(read(html).texts) for path, html in english.items()}
        for path, html in english.items():
            for text in read(html).texts:
                for code in SNAKE.findall(text):
                    problems.append(f"en {path}: code {code!r} in {text!r}")
        for language in LANGUAGES[1:]:
            http = _sign_in(app, email, language)
            for path in english:
                answer = http.get(path)
                assert answer.status_code < 500, f"{language} {path}: {answer.status_code}"
                texts = read(answer.get_data(as_text=True)).texts
                for text in texts:
                    for code in SNAKE.findall(text):
                        problems.append(f"{language} {path}: code {code!r} in {text!r}")
                for text in set(texts) & english_texts[path]:
                    if not _allowed(text, data):
                        problems.append(f"{language} {path}: English {text!r}")
    unique = sorted(set(problems))
    assert not unique, f"{len(unique)} problems:\n" + "\n".join(unique[:200])
