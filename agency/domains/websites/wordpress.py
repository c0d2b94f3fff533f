"""Publishing to a WordPress site through its REST API, with an application password.

Every request goes to the site's own host only: the API's address is read from the
site's ``Link`` header and refused when it points elsewhere, redirects are followed by
hand and only on that host, and each request has a timeout. The login travels in the
``Authorization`` header, never in an address, so it reaches no log. Whatever goes wrong
is a ``SiteRefused`` with the reason in words."""

import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from flask_babel import gettext as _

from agency.domains.websites.sites import host_of

API_REL = "https://api.w.org/"
MAX_REDIRECTS = 3
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([^";]+)"?')


class SiteRefused(Exception):
    """The site did not take the request; ``reason`` says why, for a person."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Published:
    remote_id: int
    url: str
    status: str


class Client:
    def __init__(self, site_url: str, username: str, password: str, timeout: float):
        self.site_url = site_url.rstrip("/") + "/"
        self.host = host_of(site_url)
        self.session = requests.Session()
        self.session.auth = (username, password)
        self.session.trust_env = False  # no proxies or .netrc from the environment
        self.timeout = timeout
        self.api_root: str | None = None

    # -- one request, kept on the site's host -------------------------------------------

    def _request(self, method: str, url: str, **kwargs) -> requests.Response:
        for _hop in range(MAX_REDIRECTS + 1):
            if host_of(url) != self.host:
                raise SiteRefused(
                    "other_host",
                    _("The site sent us to %(host)s, which is not the site's own address; "
                      "nothing was sent there.", host=urlsplit(url).hostname or url[:80]),
                )  # fmt: skip
            try:
                answer = self.session.request(
                    method, url, timeout=self.timeout, allow_redirects=False, **kwargs
                )
            except requests.Timeout as exc:
                raise SiteRefused("unreachable", _("The site did not answer in time.")) from exc
            except requests.RequestException as exc:
                raise SiteRefused("unreachable", _("The site cannot be reached.")) from exc
            if answer.status_code not in (301, 302, 303, 307, 308):
                return answer
            url = urljoin(url, answer.headers.get("Location", ""))
        raise SiteRefused("redirects", _("The site keeps redirecting; check its address."))

    def _api(self, route: str) -> str:
        # ".../wp-json/" and ".../?rest_route=/" both take the route after their slash
        return self._root().rstrip("/") + route

    def _root(self) -> str:
        """The REST API's address, as the site announces it on its home page."""
        if self.api_root is None:
            home = self._request("GET", self.site_url)
            for target, rel in _LINK.findall(home.headers.get("Link", "")):
                if rel == API_REL:
                    self.api_root = urljoin(self.site_url, target)
                    break
            else:
                raise SiteRefused(
                    "not_wordpress",
                    _("The site does not announce a WordPress REST API; check the address "
                      "and that it is a WordPress site."),
                )  # fmt: skip
            if host_of(self.api_root) != self.host:
                raise SiteRefused(
                    "other_host", _("The site's API is on another host; nothing was sent there.")
                )
        return self.api_root

    def _json(self, answer: requests.Response, expected: tuple[int, ...]) -> dict:
        if answer.status_code in (401, 403):
            raise SiteRefused(
                "refused_login",
                _("The site refused the login: check the user name and the application "
                  "password in the vault."),
            )  # fmt: skip
        try:
            body = answer.json()
        except ValueError:
            body = None
        if answer.status_code not in expected or not isinstance(body, dict):
            said = body.get("message") if isinstance(body, dict) else None
            if said:
                raise SiteRefused(
                    "site_error",
                    _("The site answered %(status)s: %(message)s", status=answer.status_code,
                      message=html.unescape(str(said))[:300]),
                )  # fmt: skip
            raise SiteRefused(
                "site_error",
                _("The site answered %(status)s, not what WordPress answers.",
                  status=answer.status_code),
            )  # fmt: skip
        return body

    # -- what publishing needs -----------------------------------------------------------

    def check_login(self) -> None:
        answer = self._request("GET", self._api("/wp/v2/users/me"), params={"context": "edit"})
        self._json(answer, (200,))

    def upload_image(self, filename: str, content_type: str, data: bytes) -> tuple[int, str]:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "image"
        answer = self._request(
            "POST",
            self._api("/wp/v2/media"),
            data=data,
            headers={
                "Content-Type": content_type,
                "Content-Disposition": f'attachment; filename="{safe}"',
            },
        )
        body = self._json(answer, (200, 201))
        return int(body["id"]), str(body.get("source_url") or "")

    def publish(self, kind: str, fields: dict) -> Published:
        route = "/wp/v2/pages" if kind == "page" else "/wp/v2/posts"
        answer = self._request("POST", self._api(route), json=fields)
        body = self._json(answer, (200, 201))
        return Published(int(body["id"]), str(body.get("link") or ""), str(body.get("status")))


def content_html(body: str, image_url: str | None, alt: str) -> str:
    """The update's text as paragraphs (escaped: the site gets text, not markup), with
    its image first."""
    parts = []
    if image_url:
        parts.append(
            f'<figure class="wp-block-image"><img src="{html.escape(image_url)}" '
            f'alt="{html.escape(alt)}"/></figure>'
        )
    for paragraph in re.split(r"\n\s*\n", body.strip()):
        if paragraph.strip():
            parts.append("<p>" + html.escape(paragraph.strip()).replace("\n", "<br>") + "</p>")
    return "\n".join(parts)
