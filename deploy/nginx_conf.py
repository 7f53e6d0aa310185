"""The nginx configuration of the replica pool: one balancer in front of N atlas replicas.

``render()`` writes the whole ``nginx.conf`` (``deploy/pool.py`` runs it on 127.0.0.1; the Compose file
uses the copy in ``deploy/compose/nginx.conf``, written by ``python deploy/nginx_conf.py --compose``).

**Affinity.** Streamlit keeps a session in one process, so every request and the websocket of one
browser must reach the same replica. Replica K runs with ``ATLAS_REPLICA_ID=rK`` and names itself in
each response (``X-Atlas-Replica``, dashboard/http_guard.py); nginx turns that into a cookie
(``atlas_replica=r2``) and drops the header; a request carrying it goes to that replica's own upstream, where the
other replicas are only backups. If the replica is gone (killed, restarting), nginx retries the next
one and the cookie follows the replica that answered, so the browser's reconnect and every later
request (an upload) land together on the new one; it does not move back when the old one returns.
Requests without the cookie go to the replica with the fewest open connections (websockets are long).

**Static files** are served by nginx itself, compressed, with cache headers: the vendored map and chart
libraries (``/app/static/``), Streamlit's own hashed bundle (``/static/``, when its folder is given)
and the static lesson (``/lesson/``, any folder; 404 until it is built).

**Defences at the edge:** websocket handshakes from other sites get 403 here already (the app refuses
them too, dashboard/http_guard.py), ``/_stcore/metrics`` is not served, uploads are capped.
"""
from __future__ import annotations

import argparse
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

COOKIE = "atlas_replica"
FAIL_TIMEOUT_S = 2  # a replica that refused a connection is skipped this long, then tried again
UPLOAD_BODY_LIMIT = "12m"  # above the app's 11 MiB endpoint limit (.streamlit/config.toml)
GZIP_TYPES = ("text/css application/javascript text/javascript application/json application/geo+json "
              "image/svg+xml text/plain text/csv application/xml font/ttf application/manifest+json")


@dataclass(frozen=True)
class PoolLayout:
    """What the balancer serves, and where."""

    replicas: tuple[str, ...]  # host:port of each replica, e.g. ("127.0.0.1:8601", "127.0.0.1:8602")
    listen: str = "127.0.0.1:8080"
    vendor_root: Path | None = None  # dashboard/static (served at /app/static/)
    streamlit_static: Path | None = None  # <site-packages>/streamlit/static (served at /static/)
    lesson_root: Path | None = None  # the static lesson folder (served at /lesson/)
    run_dir: Path | None = None  # logs, pid and temp files (None: nginx's defaults, e.g. in a container)
    worker_processes: int = 1

    def __post_init__(self) -> None:
        if not self.replicas:
            raise ValueError("the pool needs at least one replica")


def _upstreams(layout: PoolLayout) -> str:
    servers = layout.replicas
    blocks = ["upstream atlas_new {\n    least_conn;\n"
              + "".join(f"    server {s} max_fails=1 fail_timeout={FAIL_TIMEOUT_S}s;\n" for s in servers) + "}"]
    for index, server in enumerate(servers):
        backups = servers[index + 1:] + servers[:index]  # spread a dead replica's sessions round the ring
        blocks.append(f"upstream atlas_r{index + 1} {{\n    server {server} max_fails=1 fail_timeout={FAIL_TIMEOUT_S}s;\n"
                      + "".join(f"    server {b} backup;\n" for b in backups) + "}")
    return "\n".join(blocks)


def _maps(layout: PoolLayout) -> str:
    to_upstream = "".join(f"    r{i + 1} atlas_r{i + 1};\n" for i in range(len(layout.replicas)))
    served = "".join(f"    r{i + 1} r{i + 1};\n" for i in range(len(layout.replicas)))
    return f"""# which upstream a request goes to: its replica's own (others as backups), or the least busy
map $cookie_{COOKIE} $atlas_upstream {{
    default atlas_new;
{to_upstream}}}
# the replica that answered names itself (ATLAS_REPLICA_ID: X-Atlas-Replica); only known names count
map $upstream_http_x_atlas_replica $atlas_served_by {{
    default "";
{served}}}
# set the cookie only when it changes
map "$cookie_{COOKIE}|$atlas_served_by" $atlas_set_cookie {{
    "~^([^|]*)[|]\\1$" "";
    "~[|]$"            "";
    default "{COOKIE}=$atlas_served_by; Path=/; HttpOnly; SameSite=Lax";
}}
map $http_upgrade $connection_upgrade {{
    default upgrade;
    ""      close;
}}
# a websocket handshake from a page on another site (no Origin, or the same host: fine)
map "$http_origin|$scheme://$http_host" $foreign_origin {{
    "~^[|]"            0;
    "~^([^|]+)[|]\\1$" 0;
    default            1;
}}"""


def _static(layout: PoolLayout) -> str:
    parts = []
    headers = ("        add_header X-Content-Type-Options nosniff always;\n"
               "        add_header Referrer-Policy same-origin always;\n")
    if layout.vendor_root is not None:
        parts.append(f"""    # vendored Leaflet, plugins, Vega, fonts (not content-hashed: revalidate daily)
    location /app/static/ {{
        alias {layout.vendor_root.as_posix().rstrip('/')}/;
        add_header Cache-Control "public, max-age=86400" always;
        add_header Access-Control-Allow-Origin * always;
{headers}    }}""")
    if layout.streamlit_static is not None:
        parts.append(f"""    # Streamlit's frontend bundle: hashed file names, cached for a year
    location /static/ {{
        alias {(layout.streamlit_static / 'static').as_posix()}/;
        add_header Cache-Control "public, max-age=31536000, immutable" always;
{headers}    }}""")
    else:
        parts.append(f"""    # Streamlit's frontend bundle from any replica (the same files everywhere), cached for a year
    location /static/ {{
        proxy_pass http://atlas_new;
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_hide_header Cache-Control;
        add_header Cache-Control "public, max-age=31536000, immutable" always;
{headers}    }}""")
    if layout.lesson_root is not None:
        parts.append(f"""    # the static lesson (python -m dashboard.export): pages revalidated, files cached for a day
    location /lesson/ {{
        alias {layout.lesson_root.as_posix().rstrip('/')}/;
        index index.html;
        add_header Cache-Control "public, max-age=86400" always;
{headers}        location ~* \\.html?$ {{
            add_header Cache-Control "no-cache" always;
{headers}        }}
    }}""")
    return "\n".join(parts)


def render(layout: PoolLayout) -> str:
    """The complete nginx.conf for ``layout``."""
    run = layout.run_dir
    paths = ""
    if run is not None:
        paths = (f"    client_body_temp_path {run / 'client_body'};\n    proxy_temp_path {run / 'proxy'};\n"
                 f"    fastcgi_temp_path {run / 'fastcgi'};\n    uwsgi_temp_path {run / 'uwsgi'};\n"
                 f"    scgi_temp_path {run / 'scgi'};\n")
    top = (f"pid {run / 'nginx.pid'};\nerror_log {run / 'error.log'} warn;\n" if run is not None else
           "error_log /dev/stderr warn;\n")
    access = f"{run / 'access.log'}" if run is not None else "/dev/stdout"
    proxy = """        proxy_pass http://$atlas_upstream;
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_connect_timeout 2s;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_next_upstream_tries 0;
        proxy_hide_header X-Atlas-Replica;
        add_header Set-Cookie $atlas_set_cookie always;"""
    return f"""# The Amur Leopard Atlas replica pool (written by deploy/nginx_conf.py; do not edit by hand)
worker_processes {layout.worker_processes};
{top}events {{
    worker_connections 4096;
}}
http {{
    include /etc/nginx/mime.types;
    types {{ application/geo+json geojson; text/csv csv; }}
    default_type application/octet-stream;
    sendfile on;
    server_tokens off;
    log_format atlas '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                     'upstream=$upstream_addr cookie=$cookie_{COOKIE} set=$atlas_served_by ua="$http_user_agent"';
    access_log {access} atlas;
{paths}
    gzip on;
    gzip_vary on;
    gzip_comp_level 5;
    gzip_min_length 512;
    gzip_proxied any;
    gzip_types {GZIP_TYPES};
    gzip_static on;

{textwrap.indent(_upstreams(layout), "    ")}

{textwrap.indent(_maps(layout), "    ")}

    server {{
        listen {layout.listen};
        client_max_body_size {UPLOAD_BODY_LIMIT};

{_static(layout)}

        location = /_stcore/metrics {{
            return 404;
        }}
        location = /_stcore/stream {{
            if ($foreign_origin) {{
                return 403;
            }}
{proxy}
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
        }}
        location / {{
{proxy}
            proxy_request_buffering off;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


COMPOSE_REPLICAS = ("app1:8501", "app2:8501", "app3:8501")  # each with ATLAS_REPLICA_ID r1, r2, r3
COMPOSE_CONF = Path(__file__).resolve().parent / "compose" / "nginx.conf"


def compose_layout() -> PoolLayout:
    """The Compose file's layout: three replicas by service name; static folders mounted into the nginx container."""
    return PoolLayout(replicas=COMPOSE_REPLICAS, listen="8080", vendor_root=Path("/srv/atlas/static"),
                      lesson_root=Path("/srv/atlas/lesson"), worker_processes=2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compose", action="store_true", help=f"(re)write {COMPOSE_CONF.name} for deploy/compose")
    parser.add_argument("--replica", action="append", default=[], help="host:port of a replica (repeat)")
    parser.add_argument("--listen", default="127.0.0.1:8080")
    args = parser.parse_args(argv)
    if args.compose:
        COMPOSE_CONF.write_text(render(compose_layout()), encoding="utf-8")
        print(f"wrote {COMPOSE_CONF}")
        return 0
    if not args.replica:
        parser.error("give --replica host:port (one or more) or --compose")
    sys.stdout.write(render(PoolLayout(replicas=tuple(args.replica), listen=args.listen)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
