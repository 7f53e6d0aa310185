"""deploy/: the Compose file, its nginx.conf and the Kubernetes manifests say the same as the local pool."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dashboard.core.paths import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
sys.path.insert(0, str(DEPLOY))

from nginx_conf import COMPOSE_CONF, COMPOSE_REPLICAS, PoolLayout, compose_layout, render  # noqa: E402


def _k8s() -> dict[tuple[str, str], dict]:
    docs = {}
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and "metadata" in doc:
                docs[(doc["kind"], doc["metadata"]["name"])] = doc
    return docs


def test_the_compose_nginx_conf_is_the_rendered_one() -> None:
    assert COMPOSE_CONF.read_text(encoding="utf-8") == render(compose_layout()), \
        "deploy/compose/nginx.conf is stale: run `python deploy/nginx_conf.py --compose`"


def test_compose_runs_one_named_replica_per_upstream_behind_a_local_balancer() -> None:
    compose = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    replicas = [name for name in services if name != "balancer"]
    assert [f"{name}:8501" for name in replicas] == list(COMPOSE_REPLICAS)
    assert [services[name]["environment"]["ATLAS_REPLICA_ID"] for name in replicas] == ["r1", "r2", "r3"]
    assert all("STREAMLIT_SERVER_COOKIE_SECRET" in services[name]["environment"] for name in replicas)
    balancer = services["balancer"]
    assert balancer["ports"] == ["127.0.0.1:8080:8080"]
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in balancer["volumes"]


def test_the_rendered_config_pins_browsers_and_guards_the_edge() -> None:
    conf = render(PoolLayout(replicas=("127.0.0.1:8601", "127.0.0.1:8602")))
    assert "map $upstream_http_x_atlas_replica $atlas_served_by" in conf
    assert "server 127.0.0.1:8602 backup;" in conf and "least_conn;" in conf
    assert "proxy_set_header Host $http_host;" in conf  # the app's same-origin check sees the browser's host
    assert "if ($foreign_origin)" in conf and "location = /_stcore/metrics" in conf
    with pytest.raises(ValueError):
        PoolLayout(replicas=())


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(), reason="nginx not installed")
def test_nginx_accepts_the_rendered_config(tmp_path: Path) -> None:
    layout = PoolLayout(replicas=("127.0.0.1:8601", "127.0.0.1:8602"), vendor_root=REPO_ROOT / "dashboard" / "static",
                        lesson_root=tmp_path, run_dir=tmp_path)
    conf = tmp_path / "nginx.conf"
    conf.write_text(render(layout), encoding="utf-8")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "e.log")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def test_kubernetes_pool_is_sticky_healthy_and_rolls_without_gaps() -> None:
    docs = _k8s()
    deployment, service, ingress = docs[("Deployment", "atlas")], docs[("Service", "atlas")], docs[("Ingress", "atlas")]
    pod = deployment["spec"]["template"]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"] == pod["metadata"]["labels"]
    container = pod["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/_stcore/health"
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert {e["name"] for e in container["env"]} >= {"STREAMLIT_SERVER_COOKIE_SECRET"}
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert notes["nginx.ingress.kubernetes.io/session-cookie-change-on-failure"] == "true"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert notes["nginx.ingress.kubernetes.io/proxy-body-size"] == "12m"
    backends = {p["path"]: p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}
    assert backends == {"/": "atlas", "/lesson": "atlas-lesson"}
    assert ("Service", "atlas-lesson") in docs and ("Deployment", "atlas-lesson") in docs
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text(encoding="utf-8"))
    assert sorted(kustomization["resources"]) == sorted(p.name for p in (DEPLOY / "k8s").glob("*.yaml")
                                                         if p.name != "kustomization.yaml")
