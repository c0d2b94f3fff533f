"""Every surface on a phone: at 390 px wide, each page the surface links to (one of each
kind, found by following links as in the six-language test) fits the screen without a
horizontal scroll, and the navigation folds into a menu that opens."""

from agency.demo import DEMO_PASSWORD
from tests.browser.conftest import CONTEXT_OPTIONS, shoot
from tests.test_every_page import SURFACES, _sign_in, crawl

PHONE = {**CONTEXT_OPTIONS, "viewport": {"width": 390, "height": 844}, "is_mobile": True}
# The widest element that sticks out, to name it in a failure.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  let worst = null;
  for (const el of document.querySelectorAll("body *")) {
    const right = el.getBoundingClientRect().right;
    if (right > width + 1 && (!worst || right > worst.right)) {
      let inside = el.parentElement, clipped = false;
      while (inside) {
        const style = getComputedStyle(inside);
        if (["auto", "scroll", "hidden"].includes(style.overflowX)) { clipped = true; break; }
        inside = inside.parentElement;
      }
      const text = (el.textContent || "").slice(0, 60);
      if (!clipped) worst = {right, tag: el.tagName, cls: el.className, text};
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, worst};
}"""


def test_every_surface_fits_a_phone_without_a_horizontal_scroll(
    app,
    demo,
    live_server,
    browser,  # noqa: F811
):
    problems = []
    for surface, (email, start, prefixes) in SURFACES.items():
        paths = list(crawl(_sign_in(app, email, "en"), start, prefixes, per_kind=1))
        assert len(paths) > 1, surface
        context = browser.new_context(**PHONE)
        page = context.new_page()
        try:
            if email:
                page.goto(f"{live_server}/login")
                page.fill("input[name=email]", email)
                page.fill("input[name=password]", DEMO_PASSWORD)
                page.click("form button[type=submit]")
                page.wait_for_load_state()
            for path in paths:
                page.goto(f"{live_server}{path}")
                wide = page.evaluate(OVERFLOW)
                if wide:
                    problems.append(f"{surface} {path}: {wide}")
            page.goto(f"{live_server}{start}")
            links = page.locator("#nav-links")
            if links.is_visible():
                problems.append(f"{surface}: the menu is open before it is asked")
            page.click(".nav-toggle", timeout=5000)
            if not links.is_visible():
                problems.append(f"{surface}: the menu does not open")
            shoot(page, "phone-" + surface.replace(", ", "-"))
        finally:
            context.close()
    assert not problems, f"{len(problems)} problems on a phone:\n" + "\n".join(problems)
