"""Background jobs: imports by upload and reconciliation runs, queued on Huey (SQLite file by default, Redis when
FIELDKIT_JOBS_URL names one). Our own `jobs` row holds what people see (kind, unit, state, report); Huey only
carries the job id to a worker. See README "Jobs"."""
