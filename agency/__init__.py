"""Secretariat: the Flask application for secretarial agencies.

``agency.app.create_app`` assembles it from three layers, each of which imports only
those below it: ``agency.surfaces`` (one package per surface), ``agency.domains`` (one
package per domain) and ``agency.kernel`` (what every domain shares), over ``tenants``.
Importing any of them does not build the app.
"""
