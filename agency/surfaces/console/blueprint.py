"""The blueprint of the console; each module of the package adds its own pages to it."""

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")
