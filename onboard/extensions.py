"""The Flask extension objects, created unbound here and bound in ``create_app``."""

from __future__ import annotations

from pathlib import Path

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
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
#: The desk's sessions (onboard.auth sets the loader and the login page).
login_manager = LoginManager()
#: Limits only what is decorated (the desk login); storage from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
