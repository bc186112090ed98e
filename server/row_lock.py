"""Taking a row before reading the state a change depends on, on both backends."""
from sqlalchemy import update

from .extensions import db


def lock_row(model, row_id: int) -> None:
    """Lock one row until commit with an UPDATE that changes nothing: a row lock on PostgreSQL, and on SQLite
    (where FOR UPDATE does nothing) the database's write lock, so the state read next is the latest and stays so.
    Without it two requests at once both pass a check on the row (a record decided twice, a visit closed twice).
    `updated_at`, where the model has it, is named so its onupdate does not fire."""
    unchanged = {"id": model.id, **({"updated_at": model.updated_at} if hasattr(model, "updated_at") else {})}
    db.session.execute(update(model).where(model.id == row_id).values(**unchanged)
                       .execution_options(synchronize_session=False))
