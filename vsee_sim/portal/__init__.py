"""The stand-in clinic web portal (DESIGN decision 11): SSO landing, the patient's clinic
and waiting room, the provider's dashboard, the call and appointment pages."""

from vsee_sim.portal.routes import bp, install

__all__ = ["bp", "install"]
