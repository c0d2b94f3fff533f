"""The agency's failed jobs over the API: list, retry, discard."""

from flask_babel import gettext as _
from flask_smorest import Blueprint
from redis.exceptions import RedisError

from agency.domains.jobs import services
from agency.domains.jobs.schemas import FailedJobSchema
from agency.surfaces.api.base import token_required
from agency.surfaces.web.errors import json_error

failed_bp = Blueprint(
    "api_failed_jobs", __name__, url_prefix="/api/v1/failed-jobs", description="Failed jobs"
)
blueprints = (failed_bp,)


@failed_bp.errorhandler(RedisError)
def _queue_away(exc):
    return json_error(503, "unavailable", _("The queue cannot be reached; try again shortly."))


@failed_bp.get("/")
@failed_bp.response(200, FailedJobSchema(many=True))
@token_required(managers=True)
def list_failed_jobs():
    """The agency's jobs that failed for good (after their retries, or at once for a
    permanent error), newest first."""
    return services.list_failed()


@failed_bp.post("/<job_id>/retry")
@failed_bp.response(200, FailedJobSchema)
@token_required(managers=True)
def retry_failed_job(job_id):
    """Put the job back on its queue to run once more; it leaves the list."""
    return services.retry(job_id)


@failed_bp.delete("/<job_id>")
@failed_bp.response(200, FailedJobSchema)
@token_required(managers=True)
def discard_failed_job(job_id):
    """Discard the job: it will not run again."""
    return services.discard(job_id)
