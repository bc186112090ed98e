"""Two tablets handing over one card at the same moment: exactly one is accepted (SQLite and PostgreSQL)."""
import threading

from sqlalchemy import func, select, update

from server.cards.models import Card, CardEvent, CardHandover
from server.extensions import db
from tests.cards_support import batch, handover  # noqa: F401  (fixture)
from tests.conftest import PASSWORD


def test_parallel_handovers_of_one_card_accept_exactly_one(app, batch, login_as):
    db.session.execute(update(Card).where(Card.card_number == "K-001").values(unit_id=batch["m1"].unit_id))
    db.session.commit()
    officers = [login_as("officer", "C1") for _ in range(4)]
    clients = []
    for officer in officers:  # one test client (one session) per tablet
        client = app.test_client()
        login = client.post("/api/v1/auth/login", json={"username": officer.user.username, "password": PASSWORD})
        clients.append((client, login.json["csrf_token"]))
    barrier, answers = threading.Barrier(len(clients)), []
    items = [handover("K-001", batch["m1"].id) for _ in clients]  # different client_ids, one card

    def send(client, csrf, item):
        barrier.wait()
        response = client.post("/api/v1/cards/handovers", headers={"X-CSRF-Token": csrf},
                               json={"device_id": "t", "items": [item]})
        answers.append((response.status_code, response.json["results"][0]))

    threads = [threading.Thread(target=send, args=(*pair, item)) for pair, item in zip(clients, items)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [status for status, _ in answers] == [200] * len(clients)
    outcomes = sorted(result["outcome"] for _, result in answers)
    assert outcomes == ["accepted"] + ["rejected"] * (len(clients) - 1)
    assert {e["code"] for _, r in answers for e in r["errors"]} == {"already_handed_over"}
    db.session.rollback()
    assert db.session.scalar(select(func.count(CardHandover.id))) == 1
    assert db.session.scalar(select(func.count(CardEvent.id)).where(CardEvent.status == "handed_over")) == 1
