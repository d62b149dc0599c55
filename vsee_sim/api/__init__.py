"""The faithful surface: one package per documented area.

AREAS is the one list create_app registers.
"""

from vsee_sim.api import accounts, settings, users

AREAS = [settings.blp, users.blp, accounts.blp]
