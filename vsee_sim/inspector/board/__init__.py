"""The inspector's clinic board: per room the waiting queue, the visits by status, the
provider's Start / End / No-show buttons and today's timeline of slots (``board.js``)."""

from vsee_sim.inspector.board.routes import blp

__all__ = ["blp"]
