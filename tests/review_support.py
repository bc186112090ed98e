"""Data shared by the reconciliation and review tests: one member per registry class, in C1 (and one in C2)."""
from server.extensions import db
from tests.conftest import add_member
from tests.sync_support import add_registry


def build_crafted(tree) -> dict:
    """One member per class, the registry shaped around them (C1 holds all but `other`, which is in C2)."""
    add_registry()  # Nguyễn Văn An, exactly as M1
    add_registry("001172000111", "Trần Thị Hòa", "1972-03-04", "female")  # tone placement; the record has the year only
    add_registry("002065004321", "Lê Văn Hưng", "1965-02-02")  # Hùng on the party record
    add_registry("001080000001", "Phạm Thị Lan", "1980-07-07", "female")  # namesakes born the same day
    add_registry("001080000002", "Phạm Thị Lan", "1980-07-07", "female")
    add_registry("001075000009", "Vũ Văn Bình", "1975-09-09")  # found by name + birth date only
    people = {
        "matched": add_member(tree["C1"], "M1"),
        "matched_minor": add_member(tree["C1"], "M2", full_name="Trần Thị Hoà", dob="1972", gender="female",
                                    citizen_id="001172000111"),
        "mismatch": add_member(tree["C1"], "M3", full_name="Lê Văn Hùng", dob="1965-02-02",
                               citizen_id="002065004321"),
        "not_found": add_member(tree["C1"], "M4", full_name="Đỗ Văn Không", dob="1950-01-01",
                                citizen_id="001050999999"),
        "ambiguous": add_member(tree["C1"], "M5", full_name="Phạm Thị Lan", dob="1980-07-07", gender="female",
                                citizen_id=None),
        "by_name": add_member(tree["C1"], "M6", full_name="Vũ Văn Bình", dob="1975-09-09", citizen_id=None),
        "other": add_member(tree["C2"], "M7", full_name="Nguyễn Văn Bảy", dob="1970-01-01", citizen_id="001070000007"),
    }
    add_registry("001070000007", "Nguyễn Văn Bảy", "1970-01-01")
    db.session.commit()
    return people


