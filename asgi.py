"""The served entry point: ``gunicorn -c gunicorn.conf.py`` runs ``asgi:app``.

The Flask app of ``wsgi.py`` behind registry.serving's body buffering, so that slow
clients never hold an application thread (``flask --app wsgi …`` stays the CLI).
"""

from registry.serving import asgi_app
from registry.web.database import warm_caches
from wsgi import app as flask_app

warm_caches(flask_app)  # each worker imports this module: its caches are filled before it serves
app = asgi_app(flask_app, limit=flask_app.config["MAX_CONTENT_LENGTH"])
