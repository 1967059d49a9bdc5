"""Who may read the services' HTTP queries: signed short-lived JWTs (PyJWT), checked per query.

:mod:`~shared.access.keys` holds the keys, :mod:`~shared.access.tokens` mints and verifies the
credentials, :mod:`~shared.access.policy` says which caller reads what, and
:mod:`~shared.access.guard` puts the check in front of each query route.
"""
