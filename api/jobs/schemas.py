"""Job schemas: a JOB as the console shows it, and the import upload's form."""
from marshmallow import Schema, fields, validate

from api.schemas import StrictSchema
from server.jobs.service import IMPORT_KINDS


class JobSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "import.units|import.members|import.registry|import.cards|reconcile"})
    unit_code = fields.String()
    state = fields.String(metadata={"description": "queued, running, done, rejected, failed, interrupted"})
    filename = fields.String(allow_none=True)
    progress = fields.Dict(allow_none=True, metadata={"description": "while running: phase, rows, total, percent"})
    report = fields.Dict(allow_none=True, metadata={
        "description": "imports: rows_read, created, updated, unchanged, stored, rejected_total, "
                       "rejected [{line, reasons}], warnings; reconcile: its summary"})
    error = fields.String(allow_none=True)
    attempts = fields.Integer()
    created_by = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    file_kept_until = fields.DateTime(metadata={
        "description": "a failed or interrupted import: its file is kept for a rerun until then"})
    file_deleted_at = fields.DateTime(metadata={
        "description": "a failed or interrupted import whose kept file was deleted (upload it again)"})


class JobListSchema(Schema):
    jobs = fields.List(fields.Nested(JobSchema))


class JobQuerySchema(StrictSchema):
    kind = fields.String(validate=validate.Length(max=32))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class ImportFormSchema(StrictSchema):
    import_kind = fields.String(required=True, validate=validate.OneOf(IMPORT_KINDS))


class ImportFileSchema(Schema):
    import_file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
