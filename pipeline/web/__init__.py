"""The web app for clerks and stewards: upload and jobs, dossiers, citizen lookup, review.

Server-rendered (FastAPI + Jinja2, a little vanilla JavaScript), Vietnamese interface, JSON API
under ``/api``. Start it with ``sohoa serve``; see ``docs/web.md``.
"""

from pipeline.web.app import create_app

__all__ = ["create_app"]
