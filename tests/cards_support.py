"""Shared by the card tests: a batch imported through the CLI, and hand-over items to send."""
import csv
import uuid

import pytest

from server.cli import main
from server.extensions import db
from tests.conftest import add_member

CARD_HEADER = ["card_number", "member_code", "batch_code", "printed_on"]


def write_cards(path, rows, header=CARD_HEADER, bom=False):
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def import_cards(app, path):
    return app.test_cli_runner().invoke(main, ["import-cards", str(path)])


def handover(card_number, member_id, **extra):
    return {"client_id": str(uuid.uuid4()), "card_number": card_number, "member_id": member_id,
            "handed_at": "2025-09-20T09:30:00+07:00", "recipient": "member", "id_check": "card", **extra}


def post_handovers(client, items, device_id="tablet-1"):
    return client.post("/api/v1/cards/handovers", json={"device_id": device_id, "items": items})


@pytest.fixture
def batch(app, tree, members, tmp_path):
    """Cards for M1, M2, M3 and a veteran V1 of C1, imported at the root unit P."""
    members["v1"] = add_member(tree["C1"], "V1", full_name="Đỗ Văn Cựu", citizen_id="001045000999",
                               dob="1945-01-01", priority="veteran")
    db.session.commit()
    path = write_cards(tmp_path / "cards.csv", [["K-001", "M1", "B1", "2025-09-01"], ["K-002", "M2", "B1", ""],
                                                ["K-003", "M3", "B1", ""], ["K-004", "V1", "B1", ""]], bom=True)
    result = import_cards(app, path)
    assert result.exit_code == 0, result.output
    return members
