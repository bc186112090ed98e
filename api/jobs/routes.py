"""Background jobs (unit admins): imports by upload, and the state, progress and report of every job in scope."""
from flask import current_app, request
from flask_smorest import Blueprint
from werkzeug.exceptions import RequestEntityTooLarge

from api.jobs.schemas import ImportFileSchema, ImportFormSchema, JobListSchema, JobQuerySchema, JobSchema
from api.schemas import unstorable
from api.security import current_user
from server.errors import DomainError, InvalidInput
from server.http import BODY_LIMITS
from server.jobs import service
from server.scope import require_role

blp = Blueprint("jobs", __name__, url_prefix="/api/v1", description="Background jobs and imports by upload")
UPLOAD = "jobs.upload_import"
# The one request allowed past MAX_CONTENT_LENGTH: a province's registry is ~100 MB (IMPORT_MAX_BYTES).
BODY_LIMITS[UPLOAD] = ("IMPORT_MAX_BYTES", "import_file_too_large", "import_file")


@blp.before_request
def read_upload_after_the_role_check():
    """Only a unit admin's upload is read at all; werkzeug spools the file to disk as it arrives (never whole in
    memory), and a body that outgrows the cap without declaring its length ends with the same 413."""
    if request.endpoint != UPLOAD:
        return
    require_role(current_user(), "unit_admin")
    try:
        request.files  # noqa: B018 - parse now, inside the try
    except RequestEntityTooLarge:
        limit = current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024)
        raise DomainError(f"The file is larger than {limit} MiB.", code="import_file_too_large", status=413,
                          fields={"import_file": [{"code": "import_file_too_large",
                                                   "params": {"max_mib": limit}}]}) from None


@blp.post("/imports")
@blp.arguments(ImportFormSchema, location="form")
@blp.arguments(ImportFileSchema, location="files")
@blp.response(202, JobSchema)
@blp.alt_response(409, description="job_running")
@blp.alt_response(413, description="import_file_too_large (over FIELDKIT_IMPORT_MAX_BYTES, 512 MiB by default)")
@blp.alt_response(415, description="unsupported_file_type")
@blp.alt_response(422, description="invalid_input, import_kind_unsupported")
def upload_import(form, files):
    """Upload a units, members, registry or cards file (.csv/.xlsx) and import it as a background job."""
    upload = request.files.get("import_file")
    if upload is None or not upload.filename:
        raise InvalidInput(fields={"import_file": [{"code": "required", "params": {}}]})
    if unstorable(upload.filename):  # the name is kept on the job and shown in the console (PostgreSQL refuses NUL)
        raise InvalidInput(fields={"import_file": [{"code": "invalid_characters", "params": {}}]})
    job = service.submit_import(current_user(), form["import_kind"], upload.filename, upload.stream)
    return service.job_dict(job)


@blp.get("/jobs")
@blp.arguments(JobQuerySchema, location="query")
@blp.response(200, JobListSchema)
def list_jobs(query):
    """List the jobs of units in the caller's scope, newest first."""
    return {"jobs": [service.job_dict(job) for job in
                     service.list_jobs(current_user(), query.get("kind"), query["limit"])]}


@blp.get("/jobs/<int:job_id>")
@blp.response(200, JobSchema)
def get_job(job_id):
    """Show one job: its state, progress while it runs, and its report once it ended."""
    return service.job_dict(service.get_job(current_user(), job_id))


@blp.post("/jobs/<int:job_id>/retry")
@blp.response(202, JobSchema)
@blp.alt_response(409, description="job_not_retryable, job_running")
def retry_job(job_id):
    """Run a failed or interrupted job again (a worker killed mid-import stored nothing)."""
    return service.job_dict(service.retry(current_user(), job_id))
