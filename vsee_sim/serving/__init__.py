"""Running the simulator over HTTP (``vsee-sim serve``): waitress, one process.

``server.py`` runs it; ``edge.py`` is the WSGI edge (URL limit, access log, VSee's error body).
"""

from vsee_sim.serving.server import serve

__all__ = ["serve"]
