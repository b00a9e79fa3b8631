"""Languages: Simplified Chinese (the default) and English, with Flask-Babel.

The locale of a request is, in order: a ``?lang=`` switch (remembered in the ``lang`` cookie),
the ``lang`` cookie, the browser's Accept-Language, else Chinese. UI strings go through
gettext (catalogues in ``onboard/translations``, compiled by ``make setup``); rule texts,
category and platform names come from the rule set, which carries both languages, and are
picked with :func:`pick`.

New or changed strings::

    pybabel extract -F onboard/babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
        -o onboard/translations/messages.pot .
    pybabel update -i onboard/translations/messages.pot -d onboard/translations --no-location

then translate the new entries of both ``messages.po`` (tests/test_apply.py fails while any
string lacks a translation); ``make setup`` compiles the ``.mo`` files.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from urllib.parse import urlencode

from flask import Flask, Response, request
from flask_babel import format_currency, format_date, get_locale

from onboard.extensions import babel

#: Babel locale -> the rule set's language key.
LOCALES = {"zh_Hans": "zh", "en": "en"}
DEFAULT_LOCALE = "zh_Hans"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def supported(value: str | None) -> str | None:
    """The Babel locale a language tag (``zh-CN``, ``zh_Hans``, ``en-US``, ``en``) maps to."""
    if not value:
        return None
    tag = value.strip().replace("_", "-").lower()
    if tag == "zh" or tag.startswith("zh-"):
        return "zh_Hans"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def select_locale() -> str:
    for value in (request.args.get(COOKIE), request.cookies.get(COOKIE)):
        chosen = supported(value)
        if chosen:
            return chosen
    for tag, _quality in request.accept_languages:  # best first
        chosen = supported(tag)
        if chosen:
            return chosen
    return DEFAULT_LOCALE


def locale_name() -> str:
    return str(get_locale() or DEFAULT_LOCALE)


def lang() -> str:
    """``zh`` or ``en``: the key of rule-set texts and of the stored application locale."""
    return LOCALES.get(locale_name(), "zh")


def babel_locale(language: str | None) -> str:
    """The Babel locale of a stored language key (``zh``/``en``)."""
    return "en" if language == "en" else DEFAULT_LOCALE


def pick(texts: Mapping[str, str] | None) -> str:
    """The text in the current language from an ``{"en": …, "zh": …}`` mapping."""
    if not texts:
        return ""
    return texts.get(lang()) or texts.get("en") or next(iter(texts.values()), "")


def html_lang() -> str:
    return "zh-Hans" if lang() == "zh" else "en"


def switch_url(locale: str) -> str:
    """This page in ``locale``: the current path and query with ``lang`` replaced."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != COOKIE]
    args.append((COOKIE, locale))
    return f"{request.path}?{urlencode(args)}"


def money(amount: float | None, currency: str = "USD") -> str:
    return "" if amount is None else format_currency(amount, currency)


def day(value: date | datetime | None, style: str = "long") -> str:
    return "" if value is None else format_date(value, style)


def _remember_choice(response: Response) -> Response:
    chosen = supported(request.args.get(COOKIE))
    if chosen and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(
            COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True, path="/"
        )
    response.vary.update(("Cookie", "Accept-Language"))
    return response


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_locale=DEFAULT_LOCALE)
    app.after_request(_remember_choice)
    app.jinja_env.filters.update(pick=pick, money=money, day=day)
    app.jinja_env.globals.update(
        lang=lang, html_lang=html_lang, switch_url=switch_url, locale_name=locale_name
    )
