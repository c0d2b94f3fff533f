"""localstripe, with the parts of Stripe's invoicing and idempotency it lacks.

localstripe (PyPI) keeps Stripe's objects in memory and answers its API, but it makes an
invoice only from a subscription's pending items, cannot finalize one on request, voids
only an invoice with a payment, and ignores idempotency keys. Real Stripe, as documented:

* ``POST /v1/invoices`` makes a draft for a customer, with no subscription, and takes
  pending invoice items only with ``pending_invoice_items_behavior=include`` (the default
  is ``exclude``); ``collection_method``, ``days_until_due`` and ``auto_advance`` are
  kept on the invoice;
* ``POST /v1/invoiceitems`` with ``invoice=<id>`` adds the item to that draft (and is
  refused once the invoice is finalized);
* ``POST /v1/invoices/<id>/finalize`` finalizes a draft (``open``, or ``paid`` at zero);
* ``POST /v1/invoices/<id>/void`` voids an ``open`` or ``uncollectible`` invoice only;
* a POST with an ``Idempotency-Key`` seen before gets the first answer again, and the
  same key with other parameters is refused with an ``idempotency_error``.

This module adds exactly that, and keeps a log of every request's method, path and
idempotency key at ``GET /_config/requests``, so tests can check what was sent;
``DELETE /_config/idempotency`` forgets the keys (each test starts a new database).
Run it like localstripe: ``python tests/stripe_fake.py --port 8420 --from-scratch``.
"""

import hashlib
import time

from aiohttp import web
from localstripe import server
from localstripe.errors import UserError
from localstripe.resources import Invoice, InvoiceItem, InvoiceLineItem

REQUESTS: list[dict] = []
ANSWERS: dict[tuple, tuple] = {}  # (api key, idempotency key) -> (body hash, status, text)
INVOICE_OPTIONS = ("collection_method", "auto_advance", "days_until_due", "currency")

_original_create = Invoice._api_create.__func__


def _create_invoice(
    cls,
    customer=None,
    subscription=None,
    pending_invoice_items_behavior=None,
    collection_method="charge_automatically",
    auto_advance=None,
    days_until_due=None,
    currency=None,
    description=None,
    metadata=None,
    **rest,
):
    if subscription is not None or pending_invoice_items_behavior == "include":
        return _original_create(
            cls, customer=customer, subscription=subscription, description=description, **rest
        )
    if collection_method not in ("charge_automatically", "send_invoice"):
        raise UserError(400, "Bad collection_method")
    if collection_method == "send_invoice" and days_until_due is None:
        raise UserError(400, "Missing days_until_due for send_invoice")
    if rest:
        raise UserError(400, "Unexpected " + ", ".join(rest))
    # localstripe sweeps the customer's pending items into a new invoice: hold them back.
    pending = [
        item
        for item in InvoiceItem._api_list_all(None, customer=customer, limit=99)._list
        if item.invoice is None
    ]
    for item in pending:
        item.invoice = "in_held"
    try:
        invoice = cls(customer=customer, description=description, metadata=metadata)
    finally:
        for item in pending:
            item.invoice = None
    invoice.collection_method = collection_method
    invoice.auto_advance = str(auto_advance).lower() in ("true", "1")
    invoice.days_until_due = int(days_until_due) if days_until_due is not None else None
    if currency:
        invoice.currency = currency.lower()
    return invoice


_original_item_init = InvoiceItem.__init__


def _item_init(self, invoice=None, **data):
    target = None
    if invoice is not None:
        target = Invoice._api_retrieve(invoice)
        if target.status != "draft":
            raise UserError(400, "You can only add invoice items to draft invoices.")
    _original_item_init(self, invoice=invoice, **data)
    if target is not None:
        target.lines._list.append(InvoiceLineItem(self))


def _finalize(id, auto_advance=None, **_options):
    invoice = Invoice._api_retrieve(id)
    if invoice.status != "draft":
        raise UserError(400, "This invoice is already finalized.")
    if auto_advance is not None:
        invoice.auto_advance = str(auto_advance).lower() in ("true", "1")
    invoice._finalize()
    return invoice


def _void(id, **_options):
    invoice = Invoice._api_retrieve(id)
    if invoice.status not in ("open", "uncollectible"):
        raise UserError(400, "You can only void an open or uncollectible invoice.")
    invoice._voided = True
    invoice.status_transitions["voided_at"] = int(time.time())
    return invoice


@web.middleware
async def idempotency(request, handler):
    """Stripe's idempotent requests: a key answers its first result again."""
    key = request.headers.get("Idempotency-Key")
    REQUESTS.append({"method": request.method, "path": request.path, "idempotency_key": key})
    if request.method != "POST" or not key:
        return await handler(request)
    account = request.headers.get("Authorization", "")
    body = hashlib.sha256(request.path.encode() + await request.read()).hexdigest()
    seen = ANSWERS.get((account, key))
    if seen is not None:
        if seen[0] != body:
            error = {
                "type": "idempotency_error",
                "message": "Keys for idempotent requests can only be used with the same "
                "parameters they were first used with.",
            }
            return web.json_response({"error": error}, status=400)
        return web.Response(text=seen[2], status=seen[1], content_type="application/json")
    response = await handler(request)
    if 200 <= response.status < 300:
        ANSWERS[(account, key)] = (body, response.status, response.text)
    return response


async def requests_log(request):
    return web.json_response(REQUESTS)


async def forget_keys(request):
    """A new test is a new database whose ids start again: its keys are new keys."""
    ANSWERS.clear()
    return web.Response()


def install() -> None:
    Invoice._api_create = classmethod(_create_invoice)
    InvoiceItem.__init__ = _item_init
    server.app.router.add_route(
        "POST", "/v1/invoices/{id}/finalize", server.api_extra(_finalize, "")
    )
    server.app.middlewares.append(idempotency)
    server.app.router.add_get("/_config/requests", requests_log)
    server.app.router.add_delete("/_config/idempotency", forget_keys)
    _replace_route("POST", "/v1/invoices/{id}/void", server.api_extra(_void, ""))


def _replace_route(method: str, path: str, handler) -> None:
    """Point an existing route at ``handler`` (aiohttp keeps the first match)."""
    for route in server.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        if route.method == method and info.get("formatter") == path:
            route._handler = handler
            return
    raise LookupError(f"{method} {path} is not a localstripe route")


if __name__ == "__main__":
    install()
    server.start()
