"""Failed jobs in the console: what failed, and retry or discard it."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from redis.exceptions import RedisError

from agency.domains.jobs import services as jobs
from agency.surfaces.console.blueprint import bp
from agency.surfaces.web.access import managers_only
from agency.surfaces.web.forms import ConfirmForm


def _queue_away() -> None:
    flash(_("The queue cannot be reached right now; try again in a moment."), "error")


@bp.get("/failed-jobs")
@managers_only
def failed_jobs():
    try:
        failed, status = jobs.list_failed(), 200
    except RedisError:
        _queue_away()
        failed, status = [], 503
    return render_template(
        "console/failed_jobs.html", jobs=failed, confirm_form=ConfirmForm()
    ), status


@bp.post("/failed-jobs/<job_id>/retry")
@managers_only
def retry_failed_job(job_id):
    if ConfirmForm().validate_on_submit():
        try:
            job = jobs.retry(job_id)
        except RedisError:
            _queue_away()
        else:
            flash(_("“%(purpose)s” will run again shortly.", purpose=job.purpose), "success")
    return redirect(url_for("console.failed_jobs"))


@bp.post("/failed-jobs/<job_id>/discard")
@managers_only
def discard_failed_job(job_id):
    if ConfirmForm().validate_on_submit():
        try:
            job = jobs.discard(job_id)
        except RedisError:
            _queue_away()
        else:
            flash(_("“%(purpose)s” is discarded; it will not run.", purpose=job.purpose), "success")
    return redirect(url_for("console.failed_jobs"))
