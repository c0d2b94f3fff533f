"""The blueprint of the public pages; each module of the package adds its own pages to it."""

from flask import Blueprint

bp = Blueprint("public", __name__)
