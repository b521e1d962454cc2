"""The served entry point: ``gunicorn -c gunicorn.conf.py`` runs ``asgi:app``.

The Flask app of ``wsgi.py`` behind registry.serving's body buffering, so that slow
clients never hold an application thread (``flask --app wsgi …`` stays the CLI).
"""

import gc

from registry.serving import asgi_app
from registry.web.database import warm_caches
from wsgi import app as flask_app

warm_caches(flask_app)  # each worker imports this module: its caches are filled before it serves
# What start-up built lives as long as the worker: keep it out of the collector's full scans,
# which otherwise cost a request now and then ~0.1 s (bench/registry.py's inbox p99).
gc.freeze()
app = asgi_app(flask_app, limit=flask_app.config["MAX_CONTENT_LENGTH"])
