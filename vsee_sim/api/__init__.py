"""The faithful surface: one package per documented area.

AREAS is the one list create_app registers.
"""

from vsee_sim.api import (
    accounts,
    appointments,
    billing,
    emr,
    erx,
    files,
    intakes,
    notifications,
    rooms,
    settings,
    users,
    visits,
)

AREAS = [settings.blp, users.blp, accounts.blp, rooms.blp, intakes.blp, visits.blp, appointments.blp,
         emr.blp, erx.blp, billing.blp, notifications.blp, files.blp]
