"""Home and hospital visits: planning, assignment history, closing."""
from .models import Submission, Visit


def close_for_submission(visit: Visit, submission: Submission) -> None:
    """A submission that names a visit closes it, whoever holds the visit by then."""
    if visit.status != "done":
        visit.status = "done"
        visit.done_submission_id = submission.id
        visit.done_by_id = submission.user_id
