"""Background jobs (unit admins): imports by upload, and the state, progress and report of every job in scope."""
from flask import request
from flask_smorest import Blueprint

from api.jobs.schemas import ImportFileSchema, ImportFormSchema, JobListSchema, JobQuerySchema, JobSchema
from api.security import current_user
from server.errors import InvalidInput
from server.jobs import service

blp = Blueprint("jobs", __name__, url_prefix="/api/v1", description="Background jobs and imports by upload")


@blp.post("/imports")
@blp.arguments(ImportFormSchema, location="form")
@blp.arguments(ImportFileSchema, location="files")
@blp.response(202, JobSchema)
@blp.alt_response(409, description="job_running")
@blp.alt_response(415, description="unsupported_file_type")
@blp.alt_response(422, description="invalid_input, import_kind_unsupported")
def upload_import(form, files):
    """Upload a units, members, registry or cards file (.csv/.xlsx) and import it as a background job."""
    upload = request.files.get("import_file")
    if upload is None or not upload.filename:
        raise InvalidInput(fields={"import_file": [{"code": "required", "params": {}}]})
    job = service.submit_import(current_user(), form["import_kind"], upload.filename, upload.read())
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
