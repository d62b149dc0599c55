"""The inspector's clinic board: per room the waiting queue, the visits by status, the
provider's Start / End / No-show buttons and today's timeline of slots (``board.js``)."""

from vsee_sim.core.lazy import blueprint_on_first_use

__getattr__ = blueprint_on_first_use(__name__)  # its routes.blp, imported on first use
