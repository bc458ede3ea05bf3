"""docker-compose.yml, the Dockerfile and CI's scripts, read as an operator's tools read them:
one image build, never a pull of the local tag, no restart loop on a configuration error, the
cache copied once, test durations in CI's log, and e2e's engine and base image; and
docker-compose.scaled.yml: every shard held once, every webhook worker behind the proxy, one database."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from bot.runtime.settings import parse_shard_ids

REPO = Path(__file__).resolve().parent.parent


def compose_services() -> dict[str, dict]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def test_one_service_builds_the_image_and_the_other_runs_it_without_pulling_or_building():
    services = compose_services()
    builders = [name for name, service in services.items() if "build" in service]
    assert builders == ["telegram"]
    images = {service["image"] for service in services.values()}
    assert len(images) == 1  # the same image for both
    assert services["telegram"]["pull_policy"] == "build"  # built, never looked for in a registry
    for name, service in services.items():
        if name not in builders:
            assert service["pull_policy"] == "never", name


def test_a_configuration_error_waits_instead_of_restart_looping():
    for name, service in compose_services().items():
        assert service["restart"] == "unless-stopped", name  # crashes are still restarted
        assert service["environment"]["ON_CONFIG_ERROR"] == "wait", name


def final_stage(dockerfile: str) -> list[str]:
    """The instructions of the Dockerfile's last stage, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    lines = [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    last_from = max(index for index, line in enumerate(lines) if line.upper().startswith("FROM "))
    return lines[last_from:]


def test_the_image_copies_each_built_path_once():
    sources = []
    for line in final_stage((REPO / "Dockerfile").read_text(encoding="utf-8")):
        words = shlex.split(line)
        if words[0].upper() == "COPY" and any(word.startswith("--from=") for word in words):
            sources += [word for word in words[1:-1] if not word.startswith("--")]
    assert sources, "no COPY --from in the final stage"
    for source in sources:
        inside = [other for other in sources if other != source and other.startswith(source.rstrip("/") + "/")]
        assert not inside, f"{inside} copied again inside {source}"


def test_ci_lists_the_slowest_tests():
    pytest_lines = [line for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
                    if "-m pytest" in line and not line.lstrip().startswith("#")]
    assert pytest_lines and all(re.search(r"--durations=\d+", line) for line in pytest_lines)


def test_e2e_uses_a_real_engine_and_image_first_and_the_stand_in_only_when_a_pull_fails():
    script = (REPO / "deploy" / "e2e.sh").read_text(encoding="utf-8")
    body = script[script.index('say "Docker engine"'):]
    host_engine = body.index("using this host's engine")
    pull = body.index("docker pull python:3.11-slim")
    stand_in = body.index("standin  #")
    assert host_engine < pull < stand_in
    assert "new images of the final stage" in script  # `up` builds once, counted


def test_the_package_installs_the_data_files_its_code_reads():
    """The image installs the project as a wheel (not editable): a data file beside the code
    that pyproject.toml's package-data does not list is missing there."""
    import fnmatch
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = config["tool"]["setuptools"].get("package-data", {})
    for package in ("retrieval", "bot"):
        for path in sorted((REPO / package).rglob("*")):
            if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
                continue
            inside = path.relative_to(REPO / package).as_posix()
            assert any(fnmatch.fnmatch(inside, pattern) for pattern in package_data.get(package, [])), \
                f"{package}/{inside} is not installed with the package (pyproject.toml, package-data)"


class ComposeLoader(yaml.SafeLoader):
    """YAML as compose reads it: `!reset` (drop what an extended service set) is a value too."""


ComposeLoader.add_constructor("!reset", lambda loader, node: None)


def scaled_services() -> dict[str, dict]:
    text = (REPO / "docker-compose.scaled.yml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=ComposeLoader)["services"]


def test_the_scaled_discord_processes_hold_every_shard_exactly_once():
    discord = {name: service["environment"] for name, service in scaled_services().items()
               if service.get("extends", {}).get("service") == "discord"}
    assert len(discord) >= 2
    counts = {int(environment["DISCORD_SHARD_COUNT"]) for environment in discord.values()}
    assert len(counts) == 1  # the same count in every process
    held = [shard for environment in discord.values() for shard in parse_shard_ids(environment["DISCORD_SHARD_IDS"])]
    assert sorted(held) == list(range(counts.pop()))


def test_the_scaled_proxy_hands_updates_to_every_telegram_worker_and_only_to_them():
    services = scaled_services()
    workers = {name: service["environment"] for name, service in services.items()
               if service.get("extends", {}).get("service") == "telegram"}
    assert len(workers) >= 2
    upstreams = re.findall(r"server ([\w-]+):(\d+);", services["telegram-proxy"]["environment"]["TELEGRAM_WEBHOOK_WORKERS"])
    assert sorted(upstreams) == sorted((name, environment["TELEGRAM_WEBHOOK_PORT"]) for name, environment in workers.items())
    assert all(environment["TELEGRAM_MODE"] == "webhook" for environment in workers.values())


def test_every_scaled_bot_shares_one_database_and_only_one_builds_the_image():
    services = scaled_services()
    bots = {name: service for name, service in services.items() if "extends" in service}
    urls = {(service["environment"]["FEEDBACK_DATABASE_URL"], service["environment"]["TELEGRAM_STATE_DATABASE_URL"])
            for service in bots.values()}
    assert len(urls) == 1 and len(set(urls.pop())) == 1
    assert all(service["depends_on"]["postgres"]["condition"] == "service_healthy" for service in bots.values())
    # telegram-1 builds (as `telegram` does in docker-compose.yml); the other workers run that image
    builders = [name for name, service in bots.items()
                if service["extends"]["service"] == "telegram" and service.get("build", "inherited") is not None]
    assert builders == ["telegram-1"]
    assert all(services[name].get("pull_policy", "never") == "never" for name in bots if name not in builders)
