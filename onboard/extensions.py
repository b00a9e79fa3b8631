"""The Flask extension objects, created unbound here and bound in ``create_app``."""

from __future__ import annotations

from pathlib import Path

from flask_babel import Babel
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

#: Named constraints, so that Alembic migrations are stable on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
MIGRATIONS_DIR = str(Path(__file__).with_name("migrations"))

api = Api()
babel = Babel()
#: Every HTML form carries a token; the JSON API (agencies' keys, no cookies) is exempt.
csrf = CSRFProtect()
db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate(directory=MIGRATIONS_DIR)
