"""The blueprint of the portal; each module of the package adds its own pages to it."""

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")
