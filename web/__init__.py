"""The Flask application (import name ``kgweb``; its source lives in ``web/``).

``create_app`` layers configuration: the settings registry's defaults, then the
environment (``KG_*`` through ``from_prefixed_env``), then the mapping passed in
(tests). Blueprints are registered by audience: pages, API, SPARQL, exports
(and ``/openapi.json``).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask

from kg.settings import defaults


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.from_mapping(defaults())
    app.config.from_prefixed_env("KG")
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from kgweb import (
        api,
        assets,
        cors,
        db,
        editor,
        entities,
        errors,
        exports,
        graph,
        jsonld,
        openapi,
        pages,
        security,
        sparql,
    )

    db.init_app(app)
    security.init_app(app)
    cors.init_app(app)
    errors.init_app(app)
    jsonld.init_app(app)
    exports.init_app(app)  # /papers/<key>.bib wins over /papers/<key> by Werkzeug's rule weights
    assets.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    graph.init_app(app)
    app.register_blueprint(entities.bp)
    editor.init_app(app)
    sparql.init_app(app)
    openapi.init_app(app)
    return app
