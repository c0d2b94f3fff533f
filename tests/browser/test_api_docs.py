"""The API's documentation is browsable at /api/v1/docs, from our own files: the page
lists the API's operations, loads nothing from elsewhere, and keeps the page's
Content-Security-Policy (the browser fixture fails on any violation)."""

from tests.browser.conftest import shoot


def test_the_api_docs_list_the_operations_from_our_own_files(live_server, browser_page):
    page = browser_page
    foreign = []
    page.on(
        "request",
        lambda request: (
            foreign.append(request.url) if not request.url.startswith(live_server) else None
        ),
    )
    page.goto(f"{live_server}/api/v1/docs")
    page.wait_for_selector("#operations-tag-api_work_items", timeout=15000)
    spec = page.evaluate("() => fetch('/api/v1/openapi.json').then(r => r.json())")
    assert page.locator(".opblock-tag").count() == len(spec["tags"])  # every part listed
    assert page.locator("#operations-tag-api_work_items").inner_text().startswith("Work items")
    for tag, path in (
        ("api_work_items", "/api/v1/work-items/"),
        ("api_voice", "/api/v1/voice/token"),
    ):
        page.click(f"#operations-tag-{tag}")
        page.wait_for_selector(f'.opblock-summary-path[data-path="{path}"]')
    assert foreign == []
    shoot(page, "api-docs")


def test_the_docs_page_is_served_without_a_token(client):
    answer = client.get("/api/v1/docs")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "swagger-ui-5.36.0-bundle.js" in html and "/api/v1/openapi.json" in html
    assert "<script>" not in html  # no inline script
