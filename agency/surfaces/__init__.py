"""The surfaces: one package per kind of visitor, each a blueprint (or several) whose
views stay thin and call the domains. A surface never imports another; what they share
is in ``agency.surfaces.web``.

console (managers), desk (secretaries), portal (clients), public (anyone), auth (signing
in and up), platform (the operator), api (integrations), hooks (providers), ops (health,
readiness, metrics and logs).
"""
