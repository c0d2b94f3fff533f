"""The month of paperwork page and its CSV, the same on the desk and in the portal."""

from calendar import monthrange
from datetime import timedelta

from flask import Response, render_template, request

from agency.domains.clients.models import Client
from agency.domains.paperwork import summary
from agency.kernel import labels


def page(client: Client, links: list, url_for_month, csv_url_for_month):
    first = summary.month_of(request.args.get("month"), client)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = first + timedelta(days=monthrange(first.year, first.month)[1])
    return render_template(
        "paperwork/summary.html",
        client=client,
        found=summary.summary(client, first),
        links=links,
        previous=previous,
        following=following,
        month_url=lambda day: url_for_month(f"{day:%Y-%m}"),
        csv_url=csv_url_for_month(f"{first:%Y-%m}"),
    )


def csv_file(client: Client) -> Response:
    first = summary.month_of(request.args.get("month"), client)
    found = summary.summary(client, first)
    text = summary.as_csv(found, lambda kind: labels.label("paperwork_line", kind))
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="paperwork-{first:%Y-%m}.csv"'},
    )
