"""Stations, plans, bookings and the cell's notices (CONTRACT §7)."""
from flask import Response
from flask_smorest import Blueprint

from api.schedules.schemas import (BookingListSchema, BookingSchema, DayQuerySchema, DaySchema, MoveSchema,
                                   PlanAnswerSchema, PlanSchema, MissedReplanAnswerSchema, MissedReplanSchema,
                                   StationListSchema, StationPutAnswerSchema, StationSchema, ToVisitsAnswerSchema,
                                   ToVisitsSchema, UnitQuerySchema)
from api.security import current_user
from server.documents import inline_disposition, pdf_response
from server.schedules import bookings, day, notices, planning, stations

stations_blp = Blueprint("stations", __name__, url_prefix="/api/v1/stations", description="Collection stations")
schedules_blp = Blueprint("schedules", __name__, url_prefix="/api/v1/schedules", description="Schedules")
bookings_blp = Blueprint("bookings", __name__, url_prefix="/api/v1/bookings", description="Bookings")


@stations_blp.get("")
@stations_blp.response(200, StationListSchema)
def list_stations():
    """List the stations the caller sees: those of units in scope and those serving the caller's unit."""
    return {"stations": stations.list_stations(current_user())}


@stations_blp.put("/<code>")
@stations_blp.arguments(StationSchema)
@stations_blp.response(200, StationPutAnswerSchema)
@stations_blp.alt_response(201, schema=StationPutAnswerSchema, description="created")
@stations_blp.alt_response(422, description="desks_out_of_range, slot_minutes_out_of_range, "
                           "session_end_before_start, sessions_overlap, invalid_time, code_mismatch")
def put_station(body, code):
    """Create or replace a station (unit admin); bookings the new pattern no longer holds come back as
    `orphaned`, still booked, for the admin to move."""
    station, created, orphaned = stations.put_station(current_user(), code, body)
    answer = {**stations.describe(station), "orphaned": [bookings.describe(b) for b in orphaned]}
    return answer, 201 if created else 200


@schedules_blp.post("/plan")
@schedules_blp.arguments(PlanSchema)
@schedules_blp.response(200, PlanAnswerSchema)
@schedules_blp.alt_response(422, description="unknown_cell, not_a_cell, cell_outside_station, "
                            "plan_range_in_past, plan_range_reversed, plan_range_too_long")
@schedules_blp.alt_response(409, description="booking_conflict: another plan booked the same members; retry")
def plan(body):
    """Book whole cells into consecutive slots of a station, veterans first, never over capacity."""
    return planning.plan(current_user(), body["station"], body["cells"], body["from_"], body["to"],
                         body["skip_public_holidays"])


@schedules_blp.get("")
@schedules_blp.arguments(DayQuerySchema, location="query")
@schedules_blp.response(200, DaySchema)
def day_schedule(query):
    """Show a station's day slot by slot with the bookings of members in scope (every role)."""
    return day.day_schedule(current_user(), query["station"], query["date"])


@schedules_blp.get("/missed")
@schedules_blp.arguments(UnitQuerySchema, location="query")
@schedules_blp.response(200, BookingListSchema)
def missed(query):
    """List the unit's missed bookings (slot ended over two hours ago, nobody arrived), for replanning."""
    return {"bookings": day.missed(current_user(), query.get("unit"))}


@schedules_blp.post("/replan-missed")
@schedules_blp.arguments(MissedReplanSchema)
@schedules_blp.response(200, MissedReplanAnswerSchema)
@schedules_blp.alt_response(422, description="plan_range_in_past, plan_range_reversed, plan_range_too_long")
def replan_missed(body):
    """Move every missed booking of the unit into later slots of its station (team lead and up)."""
    return day.replan_missed(current_user(), body.get("unit"), body["from_"], body["to"])


@schedules_blp.post("/missed/visits")
@schedules_blp.arguments(ToVisitsSchema)
@schedules_blp.response(200, ToVisitsAnswerSchema)
@schedules_blp.alt_response(422, description="not_missed, assignee_out_of_scope")
def missed_to_visits(body):
    """Turn missed bookings into home visits: cancel them and bulk-plan visits (team lead and up)."""
    return day.missed_to_visits(current_user(), body.get("unit"), body["booking_ids"], body["assignee_ids"],
                                body["strategy"], body["due_date"])


@schedules_blp.get("/cells/<code>.ics")
@schedules_blp.response(200, description="text/calendar (RFC 5545)")
@schedules_blp.alt_response(422, description="not_a_cell: a larger unit has no calendar of its own")
def cell_calendar(code):
    """The cell's calendar for its secretary's phone: one event per day and station (every role in scope)."""
    response = Response(notices.calendar(current_user(), code), mimetype="text/calendar")
    response.headers["Content-Disposition"] = inline_disposition(f"{code}.ics")
    response.headers["Cache-Control"] = "no-store"
    return response


@schedules_blp.get("/cells/<code>.pdf")
@schedules_blp.response(200, description="application/pdf: the A4 notice in Vietnamese")
@schedules_blp.alt_response(422, description="not_a_cell: a larger unit has no notice of its own")
def cell_notice(code):
    """The cell's schedule as an A4 notice to pin up or hand out (every role in scope)."""
    return pdf_response(notices.notice_pdf(current_user(), code), f"lich-{code}.pdf")


@bookings_blp.post("/<int:booking_id>/move")
@bookings_blp.arguments(MoveSchema)
@bookings_blp.response(200, BookingSchema)
@bookings_blp.alt_response(409, description="slot_full, or booking_closed (arrived or cancelled)")
@bookings_blp.alt_response(422, description="not_a_slot: the station has no open slot starting then")
def move(body, booking_id):
    """Move a booking to another slot of its station (team lead and up)."""
    return bookings.move(current_user(), booking_id, body["start"])


@bookings_blp.post("/<int:booking_id>/cancel")
@bookings_blp.response(200, BookingSchema)
@bookings_blp.alt_response(409, description="booking_closed: the member has arrived")
def cancel(booking_id):
    """Cancel a booking (team lead and up); repeating it changes nothing."""
    return bookings.cancel(current_user(), booking_id)
