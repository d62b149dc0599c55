"""The documentation's workflows, through the clients openapi-python-client generates.

Run by ../run (CI stage .ci/stages/40-clients) against a live vsee-sim, with the generated
packages ``vsee_api_client`` (from /api_v3/openapi.json) and ``vsee_sim_client`` (from
/_sim/openapi.json) on the path; nothing generated is edited::

    python workflow.py http://127.0.0.1:8000

The generator names an endpoint module after the operationId, else after method and
path: the names used are all in the import block below, the one place to change if they
are renamed.
"""

from __future__ import annotations

import os
import sys
import time

from vsee_api_client import AuthenticatedClient
from vsee_api_client.api.intakes import intakes_create as create_intake
from vsee_api_client.api.rooms import rooms_add_to_user as assign_rooms
from vsee_api_client.api.rooms import rooms_create as create_room
from vsee_api_client.api.rooms import rooms_list as list_rooms
from vsee_api_client.api.users import users_login as login
from vsee_api_client.api.users import users_sso as sso
from vsee_api_client.api.visits import visits_add_walkin as add_walkin
from vsee_api_client.api.visits import visits_close as close_visit
from vsee_api_client.api.visits import visits_get as get_visit
from vsee_api_client.api.visits import visits_inprogress as start_visit
from vsee_api_client.api.visits import visits_list as list_visits
from vsee_api_client.api.visits import visits_queue as room_queue
from vsee_api_client.models import (
    CloseIn,
    CloseInReason,
    InProgressIn,
    IntakeIn,
    IntakeInType,
    LoginIn,
    RoomIn,
    SsoIn,
    SsoInType,
    UserRoomIn,
    VisitsListStatusItem,
    VseeError,
    WalkinIn,
)
from vsee_sim_client import Client as SimClient
from vsee_sim_client.api.sim_state import sim_health as health

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
RUN = f"py-{os.getpid()}-{int(time.time())}"
# A namespace of our own: a whole world made from the demo clinic (README, "Namespaces").
WORLD = {"X-Sim-Namespace": RUN, "X-AccountCode": "vclinic"}


def with_key() -> AuthenticatedClient:
    return AuthenticatedClient(BASE, token="vclinic_api_key", prefix="", auth_header_name="X-ApiKey",
                               headers=WORLD, raise_on_unexpected_status=True)


def with_token(token: str) -> AuthenticatedClient:
    return AuthenticatedClient(BASE, token=token, prefix="", auth_header_name="X-ApiToken",
                               headers=WORLD, raise_on_unexpected_status=True)


def ok(answer, what: str):
    """The envelope's ``data``; an error body or no parse is a failure."""
    if answer is None or isinstance(answer, VseeError):
        raise SystemExit(f"{what}: {answer}")
    return answer.data


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"unexpected: {what}")


def patient_walks_in_and_out() -> None:
    """Use case #2: SSO, intake, walk-in, the visit, and out."""
    user = ok(sso.sync(client=with_key(), body=SsoIn(first_name="Ann", last_name="Lee",
                                                     code=f"{RUN}-patient", type_=SsoInType.VALUE_200)),
              "POST /users/sso")
    me = with_token(user.token.token)
    intake = ok(create_intake.sync(client=me, body=IntakeIn(room_code="ceproom1", reason_for_visit="Fever",
                                                            type_=IntakeInType.VALUE_1)), "POST /intakes")
    walkin = ok(add_walkin.sync(client=me, body=WalkinIn(intake_id=intake.id, room_code="ceproom1")),
                "POST /visits/add_walkin")
    expect(walkin.member_id == user.id and walkin.status == 10, "a walk-in of this patient, pending")
    visit = ok(get_visit.sync(walkin.id, client=me), "GET /visits/:id")
    waiting_for = "any provider" if visit.provider is None else visit.provider.full_name
    closed = ok(close_visit.sync(client=me, body=CloseIn(id=visit.id, reason=CloseInReason.PATIENTEXITROOM)),
                "POST /visits/close")
    expect(closed.status == 40, "a visit left before the call is cancelled")
    print(f"patient {user.id} waited in {visit.room_code} for {waiting_for}, "
          f"visit {closed.id} closed with status {closed.status}")


def provider_logs_in() -> None:
    """The demo's provider 826 logs in by username and password and looks at a room's queue."""
    session = ok(login.sync(client=with_key(), body=LoginIn(username="provider1", password="111111")),
                 "POST /users/login")
    expect(session.user.id == "826" and session.user_type == "400", "provider 826 logged in")
    dr = with_token(session.token)
    rooms = ok(list_rooms.sync(client=dr), "GET /rooms")
    queue = ok(room_queue.sync("ceproom1", client=dr), "GET /rooms/:code/queue")
    print(f"provider {session.user.id} sees {len(rooms)} rooms, {queue.length} waiting in ceproom1")


def provider_runs_their_room() -> None:
    """Provider use case #2: SSO, a room, assignment; a patient waits; the call, its end."""
    provider = ok(sso.sync(client=with_key(), body=SsoIn(first_name="Ed", last_name="Fox", code=f"{RUN}-dr",
                                                         email=f"{RUN}@example.com",
                                                         type_=SsoInType.VALUE_400)),
                  "POST /users/sso (provider)")
    dr = with_token(provider.token.token)
    room = ok(create_room.sync(client=dr, body=RoomIn(domain="vclinic.vsee.me", slug=RUN,
                                                      name="Dr Fox's room")), "POST /rooms")
    rooms = ok(assign_rooms.sync(provider.id, client=dr, body=UserRoomIn(code=room.code)),
               "POST /users/:id/rooms")
    expect(room.code in [r.code for r in rooms], "the provider is in the new room")

    patient = ok(sso.sync(client=with_key(), body=SsoIn(first_name="Bo", last_name="Chen",
                                                        code=f"{RUN}-patient-2", type_=SsoInType.VALUE_200)),
                 "POST /users/sso")
    pt = with_token(patient.token.token)
    intake = ok(create_intake.sync(client=pt, body=IntakeIn(room_code=room.code, reason_for_visit="Rash",
                                                            type_=IntakeInType.VALUE_1)), "POST /intakes")
    walkin = ok(add_walkin.sync(client=pt, body=WalkinIn(intake_id=intake.id, room_code=room.code)),
                "POST /visits/add_walkin")

    queue = ok(room_queue.sync(room.code, client=dr), "GET /rooms/:code/queue")
    expect(queue.length == 1, "one patient waits in the new room")
    waiting = ok(list_visits.sync(client=dr, status=[VisitsListStatusItem.VALUE_0]), "GET /visits?status=10")
    expect([v.id for v in waiting] == [walkin.id], "the provider sees the patient waiting")
    started = ok(start_visit.sync(client=dr, body=InProgressIn(id=walkin.id)), "POST /visits/inprogress")
    expect(started.status == 25 and started.provider is not None and started.provider.id == provider.id,
           "the provider took the call")
    done = ok(close_visit.sync(client=dr, body=CloseIn(id=walkin.id, reason=CloseInReason.CALL_ENDED)),
              "POST /visits/close")
    expect(done.status == 30, "a call ended by the provider completes the visit")
    print(f"provider {provider.id} opened room {room.code}, saw {queue.length} waiting, "
          f"visit {done.id} completed (status {done.status})")


def main() -> None:
    status = health.sync(client=SimClient(BASE, headers=WORLD, raise_on_unexpected_status=True))
    print(f"vsee-sim at {BASE}: {status.to_dict() if status is not None else None}")
    patient_walks_in_and_out()
    provider_logs_in()
    provider_runs_their_room()
    print("python workflows: ok")


if __name__ == "__main__":
    main()
