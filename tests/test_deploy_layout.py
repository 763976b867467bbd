"""deploy/ says what `preciso stack` runs: the same programs, options, ports and environment, so
the layout for many hosts cannot drift from the one the tests start (issue #15)."""

from __future__ import annotations

import os
import shlex
import tomllib
from pathlib import Path

import yaml

from preciso_dagster.cli.supervisor import Service, child_environment, services_for
from preciso_dagster.core.settings import Settings
from tests.conftest import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
HELM = yaml.safe_load((DEPLOY / "helm-values.yaml").read_text())
KUBERNETES = {
    (doc["kind"], doc["metadata"]["name"]): doc
    for doc in yaml.safe_load_all((DEPLOY / "kubernetes.yaml").read_text())
}
# `preciso stack`'s service -> the compose service that runs the same program.
COMPOSE_NAME = {
    "webserver": "webserver",
    "daemon": "daemon",
    "api": "api",
    "mlflow": "mlflow",
    "celery-worker-1": "worker",
}
PORT_OPTIONS = ("-p", "--port")


def _celery_settings(tmp_path: Path) -> Settings:
    return _profile_settings(tmp_path, "celery")


def _profile_settings(tmp_path: Path, profile: str) -> Settings:
    return Settings(
        var_dir=tmp_path,
        profile=profile,
        celery_workers=1,
        database_url="postgresql+psycopg2://preciso@postgres/preciso",
        dagster_postgres_url="postgresql+psycopg2://preciso@postgres/dagster",
    )


def _program_and_options(command: list[str]) -> tuple[str, set[str], str | None]:
    """The program (no path, no `nice`), its option names, and the port it listens on."""
    if command[:2] == ["sh", "-c"]:
        command = shlex.split(command[2].split("&&")[-1])
    if command[0] == "nice":
        command = command[3:]
    options = {word.split("=")[0] for word in command[1:] if word.startswith("-")}
    port = next((command[i + 1] for i, w in enumerate(command[:-1]) if w in PORT_OPTIONS), None)
    return Path(command[0]).name, options, port


def _stack_services(tmp_path: Path) -> dict[str, Service]:
    settings = _celery_settings(tmp_path)
    services = services_for(settings, REPO_ROOT / "workspace.yaml", with_mlflow=True)
    return {service.name: service for service in services}


def test_compose_runs_every_stack_service_with_the_same_program_options_and_port(
    tmp_path: Path,
) -> None:
    services = _stack_services(tmp_path)
    assert set(COMPOSE_NAME) == set(services)
    for name, service in services.items():
        compose = COMPOSE["services"][COMPOSE_NAME[name]]
        expected = _program_and_options(service.command)
        assert _program_and_options(compose["command"]) == expected, name
        port = expected[2]
        if port is not None:
            assert compose.get("ports") == [f"{port}:{port}"], name


def test_compose_environment_sets_what_the_stack_gives_its_processes(tmp_path: Path) -> None:
    settings = _celery_settings(tmp_path)
    given = set(child_environment(settings, admin_token=None)) - set(os.environ)
    needed = {key for key in given if not key.startswith("PRECISO_FLAG_")}
    environment = COMPOSE["x-preciso-env"]
    assert needed <= set(environment), needed - set(environment)
    fields = {name.upper() for name in Settings.model_fields}
    unknown = {
        key
        for key in environment
        if key.startswith("PRECISO_") and key.removeprefix("PRECISO_") not in fields
    }
    assert not unknown, f"not a setting: {unknown}"
    for name in ("web_port", "api_port", "mlflow_port"):
        assert environment[f"PRECISO_{name.upper()}"] == str(getattr(settings, name))
    assert environment["PRECISO_PROFILE"] == "celery"


def test_the_code_location_is_served_where_the_webserver_and_daemon_look_for_it() -> None:
    (location,) = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())["load_from"]
    module = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["dagster"][
        "module_name"
    ]
    codeserver = COMPOSE["services"]["codeserver"]["command"]
    assert codeserver[codeserver.index("-m") + 1] == module
    assert codeserver[codeserver.index("-p") + 1] == str(location["grpc_server"]["port"])
    assert location["grpc_server"]["host"] == "codeserver"
    (deployment,) = HELM["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["--module-name", module]
    assert deployment["port"] == location["grpc_server"]["port"]


def test_helm_values_launch_runs_as_jobs_with_the_queue_limits_of_dagster_yaml() -> None:
    assert HELM["runLauncher"]["type"] == "K8sRunLauncher"
    (deployment,) = HELM["dagster-user-deployments"]["deployments"]
    env = {item["name"]: item["value"] for item in deployment["env"]}
    assert env["PRECISO_PROFILE"] == "kubernetes"
    instance = yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text())
    limits = instance["concurrency"]["runs"]["tag_concurrency_limits"]
    queued = HELM["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    assert [
        limit for limit in queued["tagConcurrencyLimits"] if isinstance(limit["value"], str)
    ] == (limits)
    assert queued["maxConcurrentRuns"] == instance["concurrency"]["runs"]["max_concurrent_runs"]
    retries = HELM["dagsterDaemon"]["runRetries"]
    assert retries["maxRetries"] == instance["run_retries"]["max_retries"]
    images = {
        HELM[part]["image"]["repository"] for part in ("dagsterWebserver", "dagsterDaemon")
    } | {deployment["image"]["repository"], COMPOSE["x-preciso"]["image"].split(":")[0]}
    assert images == {"preciso"}


def test_the_image_installs_from_the_lock_and_copies_what_exists() -> None:
    lines = (DEPLOY / "Dockerfile").read_text().splitlines()
    assert any("pip install" in line and "-r requirements.lock" in line for line in lines)
    copied = [word for line in lines if line.startswith("COPY ") for word in line.split()[1:-1]]
    assert copied and all((REPO_ROOT / path).exists() for path in copied), copied


def _container(deployment: str) -> dict:
    (container,) = KUBERNETES[("Deployment", deployment)]["spec"]["template"]["spec"]["containers"]
    return container


def test_kubernetes_runs_the_bridge_and_mlflow_as_the_stack_does(tmp_path: Path) -> None:
    services = _stack_services(tmp_path)
    for name in ("api", "mlflow"):
        container = _container(name)
        program = _program_and_options(services[name].command)
        assert _program_and_options(container["command"]) == program, name
        port = int(program[2] or 0)
        assert container["ports"] == [{"containerPort": port}], name
        service = KUBERNETES[("Service", name)]["spec"]
        assert service["ports"] == [{"port": port, "targetPort": port}], name
        assert (
            service["selector"]
            == KUBERNETES[("Deployment", name)]["spec"]["selector"]["matchLabels"]
        )
        probe = container["readinessProbe"]["httpGet"]
        assert probe["port"] == port, name
    assert _container("api")["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_kubernetes_pods_get_every_setting_the_stack_gives_its_processes(tmp_path: Path) -> None:
    settings = _profile_settings(tmp_path, "kubernetes")
    given = set(child_environment(settings, admin_token=None)) - set(os.environ)
    secret_keys = {"PRECISO_DATABASE_URL", "PRECISO_DAGSTER_POSTGRES_URL"} | {
        "PRECISO_MLFLOW_TRACKING_URI",
        "PRECISO_API_TOKENS",
    }
    config = KUBERNETES[("ConfigMap", "preciso-config")]["data"]
    celery_only = {key for key in given if key.startswith("PRECISO_CELERY_")}
    needed = {key for key in given if not key.startswith("PRECISO_FLAG_")} - celery_only
    assert needed <= set(config) | secret_keys, needed - set(config) - secret_keys
    assert not set(config) & secret_keys, "a secret in the ConfigMap"
    header = (DEPLOY / "kubernetes.yaml").read_text().split("apiVersion")[0]
    assert all(f"--from-literal={key}=" in header for key in secret_keys)
    assert config["PRECISO_PROFILE"] == "kubernetes"
    for name in ("web_port", "api_port", "mlflow_port"):
        assert config[f"PRECISO_{name.upper()}"] == str(getattr(settings, name))
    # The bridge finds Dagster at the chart's webserver Service (release `preciso`).
    assert config["PRECISO_DAGSTER_GRAPHQL_HOST"] == "preciso-dagster-webserver"
    assert int(config["PRECISO_WEB_PORT"]) == HELM["dagsterWebserver"]["service"]["port"]
    for name in ("api", "mlflow"):
        sources = {next(iter(source.values()))["name"] for source in _container(name)["envFrom"]}
        assert sources == {"preciso-config", "preciso-env"}, name


def test_the_chart_and_the_manifests_share_one_volume_configuration_and_secret() -> None:
    claim = KUBERNETES[("PersistentVolumeClaim", "preciso-var")]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    launcher = HELM["runLauncher"]["config"]["k8sRunLauncher"]
    (deployment,) = HELM["dagster-user-deployments"]["deployments"]
    for part in (launcher, deployment):
        assert {v["persistentVolumeClaim"]["claimName"] for v in part["volumes"]} == {"preciso-var"}
        assert {m["mountPath"] for m in part["volumeMounts"]} == {
            KUBERNETES[("ConfigMap", "preciso-config")]["data"]["PRECISO_VAR_DIR"]
        }
        assert [s["name"] for s in part["envSecrets"]] == ["preciso-env"]
        assert [c["name"] for c in part["envConfigMaps"]] == ["preciso-config"]
    images = {
        container["image"].split(":")[0]
        for doc in KUBERNETES.values()
        for container in doc.get("spec", {})
        .get("template", {})
        .get("spec", {})
        .get("containers", [])
    }
    assert images == {"preciso"}
