"""`fieldkit worker`: the job consumer. `make run` starts one beside gunicorn; production runs several on one
Redis broker (FIELDKIT_JOBS_URL)."""
import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="jobs run at once by this process (threads)")
@with_appcontext
def worker(workers):
    """Run background jobs (imports, reconciliation) until stopped."""
    from . import queue
    from .sweep import start_sweeper
    app = current_app._get_current_object()
    queue.serve(app)
    start_sweeper(app)  # jobs whose worker died come back on their own
    huey = queue.huey_for(app)
    click.echo(f"job worker: {workers} thread(s) on {type(huey.storage).__name__}")
    huey.create_consumer(workers=workers, worker_type="thread", check_worker_health=True).run()
