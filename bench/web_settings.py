"""Settings of the web benchmark's server: the example site's own settings, plus only what
the bench measures with — the floor views' URLs (bench/web_urls.py) and a middleware that
counts each request's SQL statements (bench/web_middleware.py) — and, when bench/web.py is
given ``--conn-max-age``, that database setting."""

import os

from example.settings import *  # noqa: F403
from example.settings import DATABASES, MIDDLEWARE

MIDDLEWARE = ["bench.web_middleware.count_statements", *MIDDLEWARE]
ROOT_URLCONF = "bench.web_urls"

if os.environ.get("BENCH_CONN_MAX_AGE"):
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["BENCH_CONN_MAX_AGE"])
