"""/_sim/outbox: what the real service would send, with its filters; the appointment confirmation email."""

from __future__ import annotations

from clinic import PATIENT_575, PROVIDER_826, auth, error, ok

MONDAY_0815_PDT = 1470669300          # 2016-08-08 08:15 America/Los_Angeles = 15:15 UTC, provider 826's slot


def _book_826(clinic, token, base: str = "/api_v3", start: int = MONDAY_0815_PDT) -> dict:
    intake = clinic.intake(token, type=2)["id"]
    return clinic.ok(clinic.client.post(f"{base}/visits", headers=auth(token), json={
        "room_code": "ceproom1", "provider_id": "826", "intake_id": intake,
        "slot_start": start, "slot_end": start + 900}))


def test_booking_an_appointment_emails_its_confirmation_with_the_one_time_link(client, clinic, world, ns):
    world.clock.freeze(MONDAY_0815_PDT - 86400)
    member_id, token = clinic.sso(email="pat.booker@example.com")
    visit = _book_826(clinic, token)
    [mail] = ok(client.get("/_sim/outbox", query_string={"template": "appointment_confirmation"}))
    assert (mail["channel"], mail["to"], mail["user_id"], mail["visit_id"]) == (
        "email", "pat.booker@example.com", member_id, visit["id"])
    assert mail["account"] == "vclinic" and mail["created"] == MONDAY_0815_PDT - 86400
    link = visit["one_time_link_token"]
    assert mail["one_time_link_token"] == link
    assert mail["url"] == f"http://localhost/ns/{ns}/members/appointment/{visit['id']}?token={link}"
    for text in (mail["subject"], mail["body"]):
        assert "John Will" in text and "Mon 08 Aug 2016, 15:15 UTC" in text
    assert mail["url"] in mail["body"]
    # the link in the email is the one the one-time link check accepts
    assert world.account("vclinic").visits.get(visit["id"])["one_time_link_token"] == link


def test_the_confirmation_link_follows_the_base_path_and_namespace_prefix_called(client, clinic, world, ns):
    world.clock.freeze(MONDAY_0815_PDT - 86400)
    _, token = clinic.sso()
    visit = _book_826(clinic, token, base=f"/ns/{ns}/vc/next/api_v3")
    [mail] = ok(client.get("/_sim/outbox?template=appointment_confirmation"))
    assert mail["url"].startswith(f"http://localhost/ns/{ns}/vc/next/members/appointment/{visit['id']}?token=")
    other = _book_826(clinic, clinic.sso()[1], base="/cc/vclinic/api_v3",
                      start=MONDAY_0815_PDT + 900)  # the portal has no /cc/ prefix
    urls = [m["url"] for m in ok(client.get("/_sim/outbox?template=appointment_confirmation"))]
    assert urls[0].startswith(f"http://localhost/ns/{ns}/members/appointment/{other['id']}?token=")


def test_the_documented_booking_emails_the_documented_patient(client, clinic):
    r = client.post("/api_v3/appointments", headers=auth(PATIENT_575), data={
        "member_id": "575", "slot_start": str(MONDAY_0815_PDT), "slot_end": "1470670200", "type": "2",
        "intakeId": "57a0705e-1c4c-4f24-b51d-3c71ac1f0144"})
    visit = clinic.ok(r)
    [mail] = ok(client.get("/_sim/outbox?to=ANTON%2B1@vsee.com"))  # any case
    assert (mail["template"], mail["visit_id"], mail["user_id"]) == ("appointment_confirmation", visit["id"], "575")


def test_a_refused_booking_sends_nothing(client, clinic, world):
    world.clock.freeze(MONDAY_0815_PDT - 86400)
    _, token = clinic.sso()
    r = clinic.post("/visits", token, room_code="ceproom1", provider_id="826",
                    slot_start=MONDAY_0815_PDT + 60, slot_end=MONDAY_0815_PDT + 960)
    error(r, 400, "slot_start")
    assert ok(client.get("/_sim/outbox?template=appointment_confirmation")) == []


def _push_and_email(client, clinic, world):
    """A reset code for user 201; a booking by 575: the email to 575, a push to provider 826's device."""
    world.clock.freeze(MONDAY_0815_PDT - 86400)
    ok(client.post("/api_v3/users/reset_password", data={"email": "an+user1@vsee.com"}))
    ok(client.post("/api_v3/endpoints", json={"key": "device-826", "type": 30}, headers=auth(PROVIDER_826)))
    world.clock.advance(60)
    _book_826(clinic, PATIENT_575)


def test_the_outbox_filters_by_channel_user_recipient_and_template(client, clinic, world):
    _push_and_email(client, clinic, world)
    everything = ok(client.get("/_sim/outbox"))
    assert len(everything) >= 3
    pushes = ok(client.get("/_sim/outbox?channel=push"))
    assert pushes and {m["channel"] for m in pushes} == {"push"}
    [push] = pushes
    assert (push["to"], push["push"], push["user_id"]) == ("device-826", "apns", "826")
    assert push["title"] and push["notification_id"] and push["type"] == "visit.booked"
    emails = ok(client.get("/_sim/outbox?channel=email"))
    assert {m["template"] for m in emails} == {"reset_password", "appointment_confirmation"}
    assert [m["template"] for m in ok(client.get("/_sim/outbox?user_id=575"))] == ["appointment_confirmation"]
    assert ok(client.get("/_sim/outbox?user_id=826")) == [push]
    assert ok(client.get("/_sim/outbox", query_string={"user_id": "826", "channel": "email"})) == []
    [code] = ok(client.get("/_sim/outbox?to=AN%2Buser1@vsee.com&template=reset_password"))
    assert len(code["code"]) == 6 and code["user_id"] == "201"
    assert everything == sorted(everything, key=lambda m: m["created"], reverse=True)  # newest first
    assert everything[-1]["template"] == "reset_password" and everything[0]["created"] > everything[-1]["created"]


def test_a_bad_channel_is_400_naming_it(client):
    error(client.get("/_sim/outbox?channel=sms"), 400, "channel")


def test_deleting_the_outbox_empties_it(client, clinic, world):
    _push_and_email(client, clinic, world)
    assert ok(client.get("/_sim/outbox"))
    assert ok(client.delete("/_sim/outbox")) is True
    assert ok(client.get("/_sim/outbox")) == [] and world.outbox.all() == []
