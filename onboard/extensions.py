"""The Flask extension objects, created unbound here and bound in ``create_app``."""

from __future__ import annotations

from flask_smorest import Api

api = Api()
