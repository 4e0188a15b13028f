#!/usr/bin/env python3
"""Static checks of Vigil's deployment files: docker/Dockerfile, docker/compose.yaml, docker/kubernetes/.

No Docker engine or Kubernetes cluster is needed (none runs where Vigil's tests run). What is checked:
  - the Dockerfile parses (dockerfile-parse), builds with Swift 6.3 and runs on Debian bookworm slim, every COPY
    source exists and is not excluded by .dockerignore, the runtime packages exist in Debian (apt-cache, on a
    bookworm machine), it runs as a non-root user with a volume, a port, a health check and SIGTERM, and its
    ENTRYPOINT + CMD is a real `vigil` command whose flags exist (`vigil ... --help` of the built binary);
  - compose.yaml validates against the Compose Specification's JSON schema (shipped by check-jsonschema), every
    bind-mounted file, secret and build context exists, images are pinned, published ports are on 127.0.0.1,
    depends_on names services with health checks (or one-shot jobs), Prometheus's configuration with the rule
    files mounted where the container sees them passes `promtool check config`, alertmanager.yml passes
    `amtool check-config`, Grafana's provisioning finds the dashboards and the Prometheus service, and every
    vigil command's configuration passes `vigil config check`;
  - the Kubernetes manifests validate against the Kubernetes API schemas (kubernetes-validate, strict), the
    ServiceMonitor and PrometheusRule against docker/kubernetes/schemas/*.json, the PrometheusRule's groups pass
    `promtool check rules` and equal the render of alerts/*.rules.yml, the kustomization lists every manifest,
    pods have restricted security contexts, resources, /healthz and /readyz probes, volumes that exist, configs
    that pass `vigil config check` with their files mounted, and tokens whose digests match the Secret;
  - the fleet overlay docker/kubernetes/fleet/ is rendered (its base files, resources and strategic merge patches;
    compared with `kubectl kustomize` when kubectl is installed) and checked the same way, plus: `vigil controller`
    runs as a Deployment with controller.prometheus.url and rollouts it decides, `vigil db migrate` as a Job, every
    rollout the agents leave to the controller is in the controller's configuration, and all use one database.

usage: check-deploy.py [--root DIR] [--vigil BIN] [--self-test]
--self-test copies the files to a temporary folder, breaks them one way at a time and expects each to fail.
"""
import argparse
import copy
import fnmatch
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

import jsonschema
import yaml
from dockerfile_parse import DockerfileParser

SCRIPT_ROOT = pathlib.Path(__file__).resolve().parent.parent
VIGIL_PORT = 9750
SCRAPE_JOB = "vigil"
RUNTIME_PACKAGES = {"libcurl4", "libsqlite3-0", "zlib1g", "libisal2", "libsnappy1v5", "ca-certificates"}
CORE_KINDS = {"Namespace", "ServiceAccount", "ConfigMap", "Secret", "PersistentVolumeClaim", "Service",
              "DaemonSet", "Deployment", "Job", "NetworkPolicy"}
K8S_BASE = "docker/kubernetes"
K8S_FLEET = "docker/kubernetes/fleet"
# Base manifests the fleet overlay leaves out on purpose: the single-process rollout decider and its volume claim.
FLEET_OMITS = {"deployment.yaml": "the single-process rollout decider (vigil controller decides in a fleet)",
               "persistentvolumeclaim.yaml": "the single-process rollout decider's state (shared in PostgreSQL in a fleet)"}
CRD_SCHEMAS = {"ServiceMonitor": "servicemonitor.schema.json", "PrometheusRule": "prometheusrule.schema.json"}


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


_QUERIES = {}


def query(cmd):
    """run() for questions about this machine whose answer cannot change during a check (apt-cache, dpkg,
    readelf, ldd, `vigil ... --help`): asked once per process, so the self-test's many runs stay fast."""
    key = tuple(cmd)
    if key not in _QUERIES:
        _QUERIES[key] = run(cmd)
    return _QUERIES[key]


class Checker:
    def __init__(self, root: pathlib.Path, vigil: str, tmp: pathlib.Path):
        self.root, self.vigil, self.tmp = root, vigil, tmp
        self.errors, self.passed, self.failed = [], 0, 0
        self._help = {}
        self._configs_checked = {}

    # ---- bookkeeping -------------------------------------------------------------------------------------
    def fail(self, where, message):
        self.errors.append(f"{where}: {message}")

    def section(self, name, function):
        before = len(self.errors)
        try:
            function()
        except Exception as error:  # a crash in a check is a failure of that check, with its reason
            self.fail(name, f"check crashed: {type(error).__name__}: {error}")
        if len(self.errors) == before:
            self.passed += 1
            print(f"ok    {name}")
        else:
            self.failed += 1
            print(f"FAIL  {name}")
            for line in self.errors[before:]:
                print(f"      {line}")

    def rel(self, path):
        try:
            return str(pathlib.Path(path).relative_to(self.root))
        except ValueError:
            return str(path)

    # ---- vigil commands ----------------------------------------------------------------------------------
    def vigil_help(self, path):
        key = tuple(path)
        if key not in self._help:
            result = query([self.vigil, *path, "--help"])
            self._help[key] = result.stdout if result.returncode == 0 else None
        return self._help[key]

    def check_vigil_command(self, args, where):
        """args: what follows the `vigil` executable. Returns (subcommand path, {flag: value})."""
        if not args:
            self.fail(where, "no vigil subcommand")
            return [], {}
        path, rest = [], list(args)
        while rest and not rest[0].startswith("-"):
            text = self.vigil_help(path)
            subcommands = set()
            if text and "SUBCOMMANDS:" in text:
                block = text.split("SUBCOMMANDS:", 1)[1]
                subcommands = set(re.findall(r"^\s{2,}([a-z][a-z0-9-]*)\b", block, re.M))
            if rest[0] in subcommands:
                path.append(rest.pop(0))
            else:
                break
        if not path:
            self.fail(where, f"`vigil {args[0]}` is not a vigil subcommand")
            return [], {}
        text = self.vigil_help(path)
        if text is None:
            self.fail(where, f"`vigil {' '.join(path)} --help` failed")
            return path, {}
        if "SUBCOMMANDS:" in text:
            self.fail(where, f"`vigil {' '.join(path)}` needs a subcommand")
        known = set(re.findall(r"(--[a-z][a-z0-9-]*)", text))
        flags, index = {}, 0
        while index < len(rest):
            token = rest[index]
            if token.startswith("--"):
                name, _, value = token.partition("=")
                if name not in known:
                    self.fail(where, f"`vigil {' '.join(path)}` has no option {name} (see `vigil {' '.join(path)} --help`)")
                if not value and index + 1 < len(rest) and not rest[index + 1].startswith("-"):
                    option_line = re.search(rf"{re.escape(name)} <", text)
                    if option_line:
                        value = rest[index + 1]
                        index += 1
                flags[name] = value
            index += 1
        return path, flags

    def config_check(self, path: pathlib.Path, where):
        result = run([self.vigil, "config", "check", str(path)])
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().replace(str(path.parent) + "/", "")
            self.fail(where, f"`vigil config check` refused it:\n        " + detail.replace("\n", "\n        "))
            return None
        return yaml.safe_load(path.read_text())

    def check_listen_and_tokens(self, config, where):
        """Beyond loopback, require tokens (and TLS or the explicit insecure switch, which config check enforces)."""
        server = (config or {}).get("server") or {}
        tokens = ((config or {}).get("auth") or {}).get("tokens") or []
        listen = str(server.get("listen", "127.0.0.1:9750"))
        host = listen.rsplit(":", 1)[0].strip("[]")
        if host not in ("127.0.0.1", "localhost", "::1") and not tokens:
            self.fail(where, f"listens on {listen} without auth.tokens: the API would be open to the network")
        return listen

    # ---- Dockerfile --------------------------------------------------------------------------------------
    def dockerignore_patterns(self):
        path = self.root / ".dockerignore"
        if not path.exists():
            self.fail(".dockerignore", "missing at the repository root (the build context of docker/Dockerfile)")
            return []
        return [l.strip() for l in path.read_text().splitlines() if l.strip() and not l.startswith("#")]

    def check_dockerfile(self):
        path = self.root / "docker/Dockerfile"
        where = self.rel(path)
        parser = DockerfileParser(path=str(path), cache_content=True)
        instructions = parser.structure
        if not instructions:
            self.fail(where, "empty or unparsable")
            return
        known = {"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
                 "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "COMMENT"}
        for ins in instructions:
            if ins["instruction"] not in known:
                self.fail(f"{where}:{ins['startline'] + 1}", f"unknown instruction {ins['instruction']}")
        stages = [ins for ins in instructions if ins["instruction"] == "FROM"]
        if len(stages) < 2:
            self.fail(where, "expected a multi-stage build (a Swift build stage and a runtime stage)")
            return
        build_image = stages[0]["value"].split()[0]
        if not re.fullmatch(r"swift:6\.3(\.\d+)?-bookworm", build_image):
            self.fail(f"{where}:{stages[0]['startline'] + 1}", f"build stage is {build_image}, expected swift:6.3-bookworm")
        runtime_image = stages[-1]["value"].split()[0]
        if runtime_image != "debian:bookworm-slim":
            self.fail(f"{where}:{stages[-1]['startline'] + 1}", f"runtime stage is {runtime_image}, expected debian:bookworm-slim")
        last_from = stages[-1]["startline"]
        runtime = [ins for ins in instructions if ins["startline"] > last_from]
        build = [ins for ins in instructions if ins["startline"] < last_from]
        if not any("swift build -c release" in ins["value"] for ins in build if ins["instruction"] == "RUN"):
            self.fail(where, "the build stage does not run `swift build -c release`")

        # COPY sources exist in the build context and are not ignored.
        patterns = self.dockerignore_patterns()
        for ins in instructions:
            if ins["instruction"] not in ("COPY", "ADD"):
                continue
            parts = [p for p in ins["value"].split() if not p.startswith("--")]
            if any(p.startswith("--from") for p in ins["value"].split()):
                continue
            for source in parts[:-1]:
                line = f"{where}:{ins['startline'] + 1}"
                if not (self.root / source).exists():
                    self.fail(line, f"COPY source {source} does not exist in the build context")
                for pattern in patterns:
                    if fnmatch.fnmatch(source.rstrip("/"), pattern.rstrip("/")) or source.split("/")[0] == pattern.rstrip("/"):
                        self.fail(line, f"COPY source {source} is excluded by .dockerignore pattern {pattern!r}")

        # Runtime packages: the libraries vigil links, and each exists in Debian.
        installed = set()
        for ins in runtime:
            if ins["instruction"] == "RUN" and "apt-get install" in ins["value"]:
                words = ins["value"].split("apt-get install", 1)[1].split("&&")[0].replace("\\", " ").split()
                installed |= {w for w in words if not w.startswith("-")}
        missing = RUNTIME_PACKAGES - installed
        if missing:
            self.fail(where, f"the runtime stage does not install {', '.join(sorted(missing))}")
        self.check_linked_libraries(installed, where)
        self.check_debian_packages(installed | self.build_packages(build), where)

        def last(kind):
            found = [ins for ins in runtime if ins["instruction"] == kind]
            return found[-1] if found else None

        user = last("USER")
        if user is None or user["value"].split(":")[0] in ("0", "root"):
            self.fail(where, "the runtime stage must switch to a non-root USER (uid 10001)")
        elif user["value"].split(":")[0] not in ("10001", "vigil"):
            self.fail(f"{where}:{user['startline'] + 1}", f"USER {user['value']}: expected uid 10001")
        volume = last("VOLUME")
        if volume is None or "/var/lib/vigil" not in volume["value"]:
            self.fail(where, "no VOLUME /var/lib/vigil (the data directory)")
        expose = last("EXPOSE")
        if expose is None or str(VIGIL_PORT) not in expose["value"].split():
            self.fail(where, f"no EXPOSE {VIGIL_PORT}")
        stop = last("STOPSIGNAL")
        if stop is None or stop["value"].strip() != "SIGTERM":
            self.fail(where, "STOPSIGNAL must be SIGTERM (the agent flushes its sinks on SIGTERM)")
        health = last("HEALTHCHECK")
        if health is None or "/healthz" not in health["value"] or f":{VIGIL_PORT}/" not in health["value"]:
            self.fail(where, f"HEALTHCHECK must probe http://127.0.0.1:{VIGIL_PORT}/healthz")
        elif "curl" in health["value"] and "curl" not in installed:
            self.fail(f"{where}:{health['startline'] + 1}", "HEALTHCHECK uses curl, which the runtime stage does not install")

        entry, cmd = last("ENTRYPOINT"), last("CMD")
        try:
            entrypoint = json.loads(entry["value"]) if entry else None
            command = json.loads(cmd["value"]) if cmd else None
        except json.JSONDecodeError:
            self.fail(where, "ENTRYPOINT and CMD must be in exec (JSON) form, so that vigil gets SIGTERM itself")
            return
        if not entrypoint or not entrypoint[0].endswith("/vigil"):
            self.fail(where, f"ENTRYPOINT {entrypoint} does not run vigil")
            return
        copied = [ins["value"].split()[-1] for ins in runtime if ins["instruction"] == "COPY"]
        if entrypoint[0] not in copied:
            self.fail(where, f"ENTRYPOINT {entrypoint[0]} is not a file the runtime stage copies in")
        args = entrypoint[1:] + (command or [])
        path_, flags = self.check_vigil_command(args, f"{where} ENTRYPOINT+CMD")
        if path_ == ["agent"]:
            self.check_image_config(runtime, flags, where)

    def check_linked_libraries(self, installed, where):
        """Every shared library the built vigil needs (ELF NEEDED) comes from a package the runtime stage installs,
        except the Swift runtime (linked statically in the image) and what every Debian image has (libc6, libgcc-s1)."""
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", query(["readelf", "-d", self.vigil]).stdout)
        if not needed:
            self.fail(where, f"readelf -d {self.vigil} lists no shared library (is binutils installed?)")
            return
        resolved = dict(re.findall(r"^\s*(\S+) => (\S+)", query(["ldd", self.vigil]).stdout, re.M))
        for library in needed:
            path = resolved.get(library, "")
            if "/lib/swift/" in path or library.startswith("ld-linux"):
                continue  # the Swift runtime is linked statically in the image; the dynamic loader is libc6's
            package = None
            for candidate in (path, os.path.realpath(path) if path else "", "/usr" + path if path.startswith("/lib") else ""):
                if candidate:
                    result = query(["dpkg", "-S", candidate])
                    if result.returncode == 0:
                        package = result.stdout.split(":")[0].strip()
                        break
            if package is None:
                self.fail(where, f"vigil links {library} ({path or 'not found'}), which no Debian package provides here")
            elif package not in installed | {"libc6", "libgcc-s1"}:
                self.fail(where, f"vigil links {library} from package {package}, which the runtime stage does not install")

    def build_packages(self, build):
        packages = set()
        for ins in build:
            if ins["instruction"] == "RUN" and "apt-get install" in ins["value"]:
                words = ins["value"].split("apt-get install", 1)[1].split("&&")[0].replace("\\", " ").split()
                packages |= {w for w in words if not w.startswith("-")}
        return packages

    def check_debian_packages(self, packages, where):
        release = pathlib.Path("/etc/debian_version")
        if not release.exists() or not release.read_text().startswith("12"):
            print(f"note  {where}: package names not checked with apt-cache (this machine is not Debian 12 bookworm)")
            return
        for package in sorted(packages):
            result = query(["apt-cache", "policy", package])
            if "Candidate:" not in result.stdout or "Candidate: (none)" in result.stdout:
                self.fail(where, f"Debian bookworm has no package {package} (apt-cache policy {package})")

    def check_image_config(self, runtime, flags, where):
        config_path = flags.get("--config")
        if not config_path:
            self.fail(where, "CMD runs the agent without --config")
            return
        source = None
        for ins in runtime:
            if ins["instruction"] == "COPY" and "--from" not in ins["value"]:
                src, dst = ins["value"].split()[-2:]
                if dst == config_path:
                    source = self.root / src
        if source is None or not source.exists():
            self.fail(where, f"--config {config_path} is not a file the image copies in")
            return
        config = self.config_check(source, self.rel(source))
        listen = flags.get("--listen") or ((config or {}).get("server") or {}).get("listen", "")
        if not str(listen).startswith("0.0.0.0:") or not str(listen).endswith(f":{VIGIL_PORT}"):
            self.fail(where, f"the image's agent must listen on 0.0.0.0:{VIGIL_PORT} (explicitly), not {listen!r}")
        merged = copy.deepcopy(config or {})
        merged.setdefault("server", {})["listen"] = listen
        self.check_listen_and_tokens(merged, self.rel(source))
        if flags.get("--data-dir", "/var/lib/vigil") != "/var/lib/vigil":
            self.fail(where, "--data-dir must be the VOLUME /var/lib/vigil")
        if config is not None:
            self.smoke_image_config(source, self.rel(source))

    def smoke_image_config(self, config, where):
        """Start the agent on the image's configuration (on loopback, a temporary data dir): the probes and
        /metrics answer, and ingest and search refuse every request, with or without a token."""
        import socket
        import urllib.error
        import urllib.request
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        data = self.tmp / "smoke-data"
        data.mkdir(exist_ok=True)
        log = open(self.tmp / "smoke-agent.log", "w")
        agent = subprocess.Popen([self.vigil, "agent", "--config", str(config), "--data-dir", str(data),
                                  "--listen", f"127.0.0.1:{port}"], stdout=log, stderr=log)

        def status(path, token=None, body=None):
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body)
            if token is not None:
                request.add_header("Authorization", f"Bearer {token}")
            try:
                with urllib.request.urlopen(request, timeout=3) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code
            except OSError:
                return None
        try:
            deadline = time.monotonic() + 20
            while status("/healthz") != 200:
                if agent.poll() is not None or time.monotonic() > deadline:
                    self.fail(where, f"the agent did not start on it: {(self.tmp / 'smoke-agent.log').read_text()[-600:]}")
                    return
                time.sleep(0.2)
            for path in ("/readyz", "/metrics"):
                if status(path) != 200:
                    self.fail(where, f"GET {path} does not answer 200")
            for token in (None, "", "x", "vigil"):
                for path, body in (("/v1/logs", b'{"message":"smoke"}\n'), ("/v1/logs/search?q=smoke", None)):
                    code = status(path, token, body)
                    if code != 401:
                        self.fail(where, f"{'POST' if body else 'GET'} {path} with token {token!r} answered {code}, not 401: the image's API is open")
        finally:
            agent.terminate()
            try:
                agent.wait(timeout=15)
            except subprocess.TimeoutExpired:
                agent.kill()
                agent.wait()
            log.close()

    # ---- Compose -----------------------------------------------------------------------------------------
    def check_compose_schema(self):
        path = self.root / "docker/compose.yaml"
        result = run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)])
        if result.returncode != 0:
            self.fail(self.rel(path), "does not validate against the Compose Specification schema:\n        "
                      + (result.stdout + result.stderr).strip().replace("\n", "\n        "))

    def compose_mounts(self, service):
        """[(host path or None, container path, read-only)] of a service's bind mounts and named volumes."""
        mounts = []
        for volume in service.get("volumes", []):
            if isinstance(volume, str):
                parts = volume.split(":")
                host, target = parts[0], parts[1] if len(parts) > 1 else parts[0]
                mode = parts[2] if len(parts) > 2 else ""
                bind = host.startswith((".", "/", "~"))
                mounts.append((host if bind else None, target, "ro" in mode.split(",")))
            else:
                bind = volume.get("type") == "bind"
                mounts.append((volume.get("source") if bind else None, volume["target"], volume.get("read_only", False)))
        return mounts

    def check_compose(self):
        path = self.root / "docker/compose.yaml"
        where = self.rel(path)
        base = path.parent
        compose = yaml.safe_load(path.read_text())
        services = compose.get("services", {})
        secrets = compose.get("secrets", {})
        for name, secret in secrets.items():
            if "file" in secret and not (base / secret["file"]).exists():
                self.fail(where, f"secret {name}: file {secret['file']} does not exist")
        dockerfile_image = {}  # images this file builds: their commands are vigil's
        for service in services.values():
            build = service.get("build")
            if build and service.get("image"):
                dockerfile_image[service["image"]] = base / (build if isinstance(build, str) else build.get("context", "."))
        for name, service in services.items():
            at = f"{where} services.{name}"
            build = service.get("build")
            if build:
                context = base / (build if isinstance(build, str) else build.get("context", "."))
                dockerfile = context / (build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile")
                if not dockerfile.exists():
                    self.fail(at, f"build: {self.rel(dockerfile)} does not exist")
            image = service.get("image", "")
            if image and not build and image not in dockerfile_image:
                tag = image.rsplit(":", 1)[1] if ":" in image.split("/")[-1] else ""
                if not tag or tag == "latest":
                    self.fail(at, f"image {image} is not pinned to a version")
            for port in service.get("ports", []):
                text = port if isinstance(port, str) else f"{port.get('host_ip', '')}:{port.get('published')}"
                if not str(text).startswith("127.0.0.1:"):
                    self.fail(at, f"published port {text} is not bound to 127.0.0.1")
            for host, target, _ in self.compose_mounts(service):
                if host is not None and not (base / host).exists():
                    self.fail(at, f"volume {host}:{target}: {self.rel((base / host).resolve())} does not exist")
            for secret in service.get("secrets", []):
                secret_name = secret if isinstance(secret, str) else secret["source"]
                if secret_name not in secrets:
                    self.fail(at, f"secret {secret_name} is not defined at the top level")
            network = service.get("network_mode", "")
            if network.startswith("service:") and network[8:] not in services:
                self.fail(at, f"network_mode {network}: no such service")
            depends = service.get("depends_on", {})
            for target, condition in (depends.items() if isinstance(depends, dict) else [(d, {}) for d in depends]):
                if target not in services:
                    self.fail(at, f"depends_on {target}: no such service")
                    continue
                wanted = condition.get("condition", "service_started")
                other = services[target]
                if wanted == "service_healthy":
                    health = other.get("healthcheck")
                    from_image = other.get("image") in dockerfile_image
                    if (health is None and not from_image) or (health or {}).get("disable"):
                        self.fail(at, f"depends_on {target} with service_healthy, but {target} has no health check")
                elif wanted == "service_completed_successfully" and other.get("restart", "no") != "no":
                    self.fail(at, f"depends_on {target} to complete, but {target} restarts ({other.get('restart')})")
            if name not in ("workload",) and not service.get("healthcheck") and image not in dockerfile_image:
                if not any(d.get("condition") == "service_completed_successfully"
                           for s in services.values() for t, d in (s.get("depends_on") or {}).items() if t == name and isinstance(d, dict)):
                    self.fail(at, "no healthcheck")
            # vigil commands
            if image in dockerfile_image:
                command = service.get("command")
                if not command:
                    continue
                if isinstance(command, str):
                    command = command.split()
                path_, flags = self.check_vigil_command(command, at + ".command")
                config_in_container = flags.get("--config")
                if config_in_container:
                    host = next((h for h, t, _ in self.compose_mounts(service) if t == config_in_container and h), None)
                    if host is None:
                        self.fail(at, f"--config {config_in_container} is not a mounted file")
                    elif (base / host).exists():
                        config = self.config_check(base / host, self.rel(base / host))
                        if path_ == ["agent"] and config is not None:
                            merged = copy.deepcopy(config)
                            if flags.get("--listen"):
                                merged.setdefault("server", {})["listen"] = flags["--listen"]
                            self.check_listen_and_tokens(merged, self.rel(base / host))
                            self.check_compose_config_hosts(config, services, self.rel(base / host))
                            self.check_compose_tokens(config, services, secrets, base, at)
        self.check_compose_workload(services, where)
        self.check_compose_prometheus(services, base, where)
        self.check_compose_alertmanager(services, base, where)
        self.check_compose_grafana(services, base, where)

    def check_compose_config_hosts(self, config, services, where):
        urls = []
        es = ((config.get("sinks") or {}).get("elasticsearch") or {}).get("url")
        if es:
            urls.append(("sinks.elasticsearch.url", es))
        am = ((config.get("actions") or {}).get("alertmanager") or {}).get("url")
        if am:
            urls.append(("actions.alertmanager.url", am))
        for key, url in urls:
            host = re.sub(r"^[a-z]+://", "", url).split("/")[0].split(":")[0]
            if host not in services:
                self.fail(where, f"{key} {url}: {host} is not a service of compose.yaml")

    def check_compose_tokens(self, config, services, secrets, base, at):
        digests = {t.get("sha256") for t in ((config.get("auth") or {}).get("tokens") or [])}
        for name, service in services.items():
            for secret in service.get("secrets", []):
                secret_name = secret if isinstance(secret, str) else secret["source"]
                file = (secrets.get(secret_name) or {}).get("file")
                if "token" in secret_name and file and (base / file).exists():
                    digest = hashlib.sha256((base / file).read_text().strip().encode()).hexdigest()
                    if digest not in digests:
                        self.fail(at, f"secret {secret_name} ({file}) used by {name} matches no auth.tokens digest of the agent")

    def check_compose_workload(self, services, where):
        workload = services.get("workload")
        if workload is None:
            self.fail(where, "no workload service (scripts/demo_workload.py)")
            return
        command = workload.get("command") or []
        script = next((c for c in command if c.endswith("demo_workload.py")), None)
        host = next((h for h, t, _ in self.compose_mounts(workload) if t == script), None)
        if script is None or host is None:
            self.fail(where, "services.workload must run the mounted scripts/demo_workload.py")
            return
        script_path = (self.root / "docker" / host).resolve()
        help_text = run([sys.executable, str(script_path), "--help"]).stdout
        for flag in [c.split("=")[0] for c in command if c.startswith("--")]:
            if flag not in help_text:
                self.fail(where, f"services.workload: demo_workload.py has no option {flag}")
        url = command[command.index("--url") + 1] if "--url" in command else "http://127.0.0.1:9750"
        if url.startswith(("http://127.0.0.1", "http://localhost")) and not str(workload.get("network_mode", "")).startswith("service:"):
            self.fail(where, "services.workload posts to loopback but does not share the agent's network (network_mode: service:vigil)")

    def materialise(self, service, base, name):
        """Copy a service's bind mounts into a temporary root, as the container would see them."""
        root = self.tmp / f"mounts-{name}"
        shutil.rmtree(root, ignore_errors=True)
        for host, target, _ in self.compose_mounts(service):
            if host is None or not (base / host).exists():
                continue
            destination = root / target.lstrip("/")
            destination.parent.mkdir(parents=True, exist_ok=True)
            if (base / host).is_dir():
                shutil.copytree(base / host, destination, dirs_exist_ok=True)
            else:
                shutil.copyfile(base / host, destination)
        return root

    def check_compose_prometheus(self, services, base, where):
        service = services.get("prometheus")
        if service is None:
            self.fail(where, "no prometheus service")
            return
        config_file = next((c.split("=", 1)[1] for c in service.get("command", []) if c.startswith("--config.file=")),
                           "/etc/prometheus/prometheus.yml")
        root = self.materialise(service, base, "prometheus")
        local = root / config_file.lstrip("/")
        if not local.exists():
            self.fail(where, f"services.prometheus: {config_file} is not mounted")
            return
        config = yaml.safe_load(local.read_text())
        for pattern in config.get("rule_files", []):
            if pattern.startswith("/"):
                self.fail(where, f"prometheus.yml rule_files {pattern}: use a path relative to the configuration file, so the check sees the mounted rules")
            elif not list(local.parent.glob(pattern)):
                self.fail(where, f"prometheus.yml rule_files {pattern}: matches no file in the container (is alerts/ mounted, and does it hold *.rules.yml?)")
        result = run(["promtool", "check", "config", str(local)])
        if result.returncode != 0:
            self.fail(where, "promtool check config failed:\n        " + (result.stdout + result.stderr).strip().replace(str(root), "").replace("\n", "\n        "))
        jobs = {job.get("job_name"): job for job in config.get("scrape_configs", [])}
        if SCRAPE_JOB not in jobs:
            self.fail(where, f"prometheus.yml has no scrape job {SCRAPE_JOB!r} (the alerts select job=\"{SCRAPE_JOB}\")")
        else:
            targets = [t for sc in jobs[SCRAPE_JOB].get("static_configs", []) for t in sc.get("targets", [])]
            if f"vigil:{VIGIL_PORT}" not in targets:
                self.fail(where, f"scrape job {SCRAPE_JOB} does not scrape vigil:{VIGIL_PORT}")
        for alertmanager in config.get("alerting", {}).get("alertmanagers", []):
            for sc in alertmanager.get("static_configs", []):
                for target in sc.get("targets", []):
                    if target.split(":")[0] not in services:
                        self.fail(where, f"prometheus.yml alertmanager target {target} is not a compose service")

    def check_compose_alertmanager(self, services, base, where):
        service = services.get("alertmanager")
        if service is None:
            self.fail(where, "no alertmanager service")
            return
        config_file = next((c.split("=", 1)[1] for c in service.get("command", []) if c.startswith("--config.file=")),
                           "/etc/alertmanager/alertmanager.yml")
        local = self.materialise(service, base, "alertmanager") / config_file.lstrip("/")
        if not local.exists():
            self.fail(where, f"services.alertmanager: {config_file} is not mounted")
            return
        result = run(["amtool", "check-config", str(local)])
        if result.returncode != 0:
            self.fail(where, "amtool check-config failed:\n        " + (result.stdout + result.stderr).strip().replace("\n", "\n        "))

    def check_compose_grafana(self, services, base, where):
        service = services.get("grafana")
        if service is None:
            self.fail(where, "no grafana service")
            return
        root = self.materialise(service, base, "grafana")
        providers = sorted((root / "etc/grafana/provisioning/dashboards").glob("*.y*ml"))
        datasources = sorted((root / "etc/grafana/provisioning/datasources").glob("*.y*ml"))
        if not providers or not datasources:
            self.fail(where, "services.grafana: /etc/grafana/provisioning has no dashboards/ or datasources/ provisioning file")
        for provider_file in providers:
            for provider in (yaml.safe_load(provider_file.read_text()) or {}).get("providers", []):
                folder = (provider.get("options") or {}).get("path", "")
                if not list((root / folder.lstrip("/")).glob("*.json")):
                    self.fail(where, f"grafana provider {provider.get('name')}: path {folder} holds no dashboard in the container")
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(e.split("=", 1) for e in environment)
        for datasource_file in datasources:
            for source in (yaml.safe_load(datasource_file.read_text()) or {}).get("datasources", []):
                url = str(source.get("url", ""))
                url = re.sub(r"\$\{(\w+)(?::-([^}]*))?\}", lambda m: str(environment.get(m.group(1), m.group(2) or "")), url)
                host = re.sub(r"^[a-z]+://", "", url).split("/")[0].split(":")[0]
                if source.get("type") == "prometheus" and host not in services:
                    self.fail(where, f"grafana data source {source.get('name')}: {url} is not a compose service")

    # ---- Kubernetes --------------------------------------------------------------------------------------
    def k8s_documents(self, tree=K8S_BASE):
        """(source file, index, document) of a tree: the base's manifests, or the fleet overlay rendered."""
        if tree != K8S_BASE:
            return self.render_kustomization(self.root / tree)
        directory = self.root / tree
        documents = []
        for path in sorted(directory.glob("*.yaml")):
            if path.name == "kustomization.yaml":
                continue
            for index, doc in enumerate(yaml.safe_load_all(path.read_text())):
                if doc is not None:
                    documents.append((path, index, doc))
        return documents

    @staticmethod
    def strategic_merge(base, patch):
        """The part of kustomize's strategic merge patch the overlay uses: maps merge, null deletes a key, lists of
        maps with a name (mountPath for volumeMounts) merge by it, other lists are replaced."""
        if isinstance(base, dict) and isinstance(patch, dict):
            merged = dict(base)
            for key, value in patch.items():
                if value is None:
                    merged.pop(key, None)
                elif key in merged:
                    merged[key] = Checker.strategic_merge(merged[key], value)
                else:
                    merged[key] = copy.deepcopy(value)
            return merged
        if isinstance(base, list) and isinstance(patch, list) and all(isinstance(i, dict) for i in base + patch):
            field = next((f for f in ("name", "mountPath", "containerPort") if all(f in i for i in base + patch)), None)
            if field:
                merged, added = [copy.deepcopy(i) for i in base], 0
                for item in patch:
                    at = next((n for n, i in enumerate(merged) if i[field] == item[field]), None)
                    if item.get("$patch") == "delete":
                        if at is not None:
                            merged.pop(at)
                    elif at is None:  # kustomize puts new items first, in the patch's order
                        merged.insert(added, copy.deepcopy(item))
                        added += 1
                    else:
                        merged[at] = Checker.strategic_merge(merged[at], item)
                return merged
        return copy.deepcopy(patch)

    def render_kustomization(self, directory):
        """Resources of a kustomization with its strategic merge patches applied (kustomize is not installed where
        the tests run; check_kustomization compares with `kubectl kustomize` when kubectl is on the PATH)."""
        path = directory / "kustomization.yaml"
        kustomization = yaml.safe_load(path.read_text()) or {}
        documents = []
        for resource in kustomization.get("resources", []):
            source = (directory / resource).resolve()
            if source.is_dir():
                documents.extend(self.render_kustomization(source))
                continue
            for index, doc in enumerate(yaml.safe_load_all(source.read_text())):
                if doc is not None:
                    documents.append((source, index, doc))
        for entry in kustomization.get("patches", []):
            patch_path = directory / entry["path"]
            for patch in yaml.safe_load_all(patch_path.read_text()):
                if patch is None:
                    continue
                key = (patch.get("kind"), (patch.get("metadata") or {}).get("name"))
                at = next((n for n, (_, _, d) in enumerate(documents)
                           if (d.get("kind"), (d.get("metadata") or {}).get("name")) == key), None)
                if at is None:
                    raise ValueError(f"{self.rel(patch_path)}: patch target {key[0]}/{key[1]} is in no resource")
                source, index, doc = documents[at]
                if patch.get("$patch") == "delete":
                    documents.pop(at)
                else:
                    documents[at] = (source, index, self.strategic_merge(doc, patch))
        return documents

    def check_kustomization(self, tree=K8S_BASE):
        directory = self.root / tree
        path = directory / "kustomization.yaml"
        where = self.rel(path)
        if not path.exists():
            self.fail(where, "missing")
            return
        kustomization = yaml.safe_load(path.read_text())
        if kustomization.get("kind") != "Kustomization":
            self.fail(where, "kind is not Kustomization")
        resources = kustomization.get("resources", [])
        patches = [entry.get("path") for entry in kustomization.get("patches", [])]
        for resource in resources + patches:
            if not resource or not (directory / resource).exists():
                self.fail(where, f"resource or patch {resource} does not exist")
        if self.errors:
            return
        listed = set(resources)
        for manifest in sorted(directory.glob("*.yaml")):
            if manifest.name != "kustomization.yaml" and manifest.name not in listed and manifest.name not in patches:
                self.fail(where, f"{manifest.name} is not in resources")
        if tree != K8S_BASE:
            # The overlay lists the base's files (kustomize refuses a parent folder as a resource: a cycle).
            base = self.root / K8S_BASE
            for manifest in sorted(base.glob("*.yaml")):
                if manifest.name == "kustomization.yaml" or manifest.name in FLEET_OMITS:
                    continue
                if f"../{manifest.name}" not in listed:
                    self.fail(where, f"../{manifest.name} (a base manifest) is not in resources")
            self.compare_with_kubectl(directory, where)
        images = {image["name"] for image in kustomization.get("images", [])}
        used = {c["image"].split(":")[0] for _, _, doc in self.k8s_documents(tree) for c in self.containers(doc)}
        for image in images - used:
            self.fail(where, f"images: {image} is used by no container")

    def compare_with_kubectl(self, directory, where):
        """When kubectl is installed, its kustomize render must hold the same objects as this checker's render."""
        kubectl = shutil.which("kubectl")
        if not kubectl:
            return
        result = query([kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(directory)]) \
            if directory == self.root / K8S_FLEET and self.root == SCRIPT_ROOT else \
            run([kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(directory)])
        if result.returncode != 0:
            self.fail(where, "`kubectl kustomize` failed: " + (result.stderr or result.stdout).strip()[-400:])
            return

        def normal(doc):
            doc = copy.deepcopy(doc)
            metadata = doc.get("metadata") or {}
            metadata.pop("namespace", None)
            (metadata.get("labels") or {}).pop("app.kubernetes.io/part-of", None)
            return doc
        theirs = {(d["kind"], d["metadata"]["name"]): normal(d) for d in yaml.safe_load_all(result.stdout) if d}
        ours = {(d["kind"], d["metadata"]["name"]): normal(d) for _, _, d in self.render_kustomization(directory)}
        for key in sorted(set(theirs) ^ set(ours)):
            self.fail(where, f"{key[0]}/{key[1]} is in {'only kubectl' if key in theirs else 'only this check'}'s render")
        for key in sorted(set(theirs) & set(ours)):
            if theirs[key] != ours[key]:
                self.fail(where, f"{key[0]}/{key[1]} renders differently with `kubectl kustomize`")

    def check_k8s_schemas(self, tree=K8S_BASE):
        import kubernetes_validate
        for path, index, doc in self.k8s_documents(tree):
            where = f"{self.rel(path)}[{index}] {doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
            kind = doc.get("kind")
            if kind in CORE_KINDS:
                try:
                    kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)
                except kubernetes_validate.ValidationError as error:
                    self.fail(where, f"{'.'.join(str(p) for p in error.path)}: {error.message}")
                except kubernetes_validate.InvalidSchemaError as error:
                    self.fail(where, f"schema: {error}")
            elif kind in CRD_SCHEMAS:
                schema = json.loads((self.root / "docker/kubernetes/schemas" / CRD_SCHEMAS[kind]).read_text())
                for error in jsonschema.Draft202012Validator(schema).iter_errors(doc):
                    self.fail(where, f"{'.'.join(str(p) for p in error.absolute_path)}: {error.message}")
            else:
                self.fail(where, f"kind {kind} is neither a Kubernetes kind this check knows nor one with a schema in schemas/")

    @staticmethod
    def pod_spec(doc):
        if doc.get("kind") in ("DaemonSet", "Deployment", "StatefulSet", "Job"):
            return ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}
        return None

    def containers(self, doc):
        spec = self.pod_spec(doc)
        if spec is None:
            return []
        return list(spec.get("initContainers", [])) + list(spec.get("containers", []))

    def check_k8s_workloads(self, tree=K8S_BASE):
        documents = self.k8s_documents(tree)
        self._fleet = {"shared": {}, "controller": [], "migrate": [], "agent_rollouts": {}, "controller_rollouts": set()}
        by_kind = {}
        for path, index, doc in documents:
            by_kind.setdefault(doc.get("kind"), {})[(doc.get("metadata") or {}).get("name")] = doc
        configmaps, secrets = by_kind.get("ConfigMap", {}), by_kind.get("Secret", {})
        workloads = [(p, d) for p, _, d in documents if self.pod_spec(d) is not None]
        if not any(d["kind"] == "DaemonSet" for _, d in workloads) or not any(d["kind"] == "Deployment" for _, d in workloads):
            self.fail(tree, "expected a DaemonSet (node agents) and a Deployment (rollouts or controller)")
        for path, doc in workloads:
            where = f"{self.rel(path)} {doc['kind']}/{doc['metadata']['name']}"
            spec = self.pod_spec(doc)
            selector = ((doc.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
            labels = ((doc["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
            if any(labels.get(k) != v for k, v in selector.items()):
                self.fail(where, "spec.selector does not match the pod template's labels")
            pod_security = spec.get("securityContext") or {}
            volumes = {v["name"]: v for v in spec.get("volumes", [])}
            init_names = {c["name"] for c in spec.get("initContainers", [])}
            for container in self.containers(doc):
                at = f"{where} container {container['name']}"
                sc = container.get("securityContext") or {}
                if sc.get("allowPrivilegeEscalation") is not False:
                    self.fail(at, "securityContext.allowPrivilegeEscalation must be false")
                if sc.get("readOnlyRootFilesystem") is not True:
                    self.fail(at, "securityContext.readOnlyRootFilesystem must be true")
                if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
                    self.fail(at, "securityContext.capabilities.drop must include ALL")
                seccomp = (sc.get("seccompProfile") or pod_security.get("seccompProfile") or {}).get("type")
                if seccomp != "RuntimeDefault":
                    self.fail(at, "seccompProfile must be RuntimeDefault")
                if container["name"] not in init_names:
                    non_root = sc.get("runAsNonRoot", pod_security.get("runAsNonRoot"))
                    user = sc.get("runAsUser", pod_security.get("runAsUser"))
                    if non_root is not True or user in (0, None):
                        self.fail(at, "must run as non-root (runAsNonRoot: true and a runAsUser other than 0)")
                    if (sc.get("capabilities") or {}).get("add"):
                        self.fail(at, "adds capabilities")
                resources = container.get("resources") or {}
                for part in ("requests", "limits"):
                    for resource in ("cpu", "memory"):
                        if resource not in (resources.get(part) or {}):
                            self.fail(at, f"resources.{part}.{resource} is not set")
                for mount in container.get("volumeMounts", []):
                    if mount["name"] not in volumes:
                        self.fail(at, f"volumeMount {mount['name']} names no volume")
                if container["image"].split(":")[0] == "vigil" and container["name"] not in init_names:
                    self.check_k8s_vigil_container(container, volumes, configmaps, secrets, at, doc["kind"])
            for name, volume in volumes.items():
                if "configMap" in volume:
                    cm = configmaps.get(volume["configMap"]["name"])
                    if cm is None:
                        self.fail(where, f"volume {name}: no ConfigMap {volume['configMap']['name']}")
                    else:
                        for item in volume["configMap"].get("items", []):
                            if item["key"] not in (cm.get("data") or {}):
                                self.fail(where, f"volume {name}: ConfigMap {cm['metadata']['name']} has no key {item['key']}")
                if "secret" in volume and volume["secret"]["secretName"] not in secrets:
                    self.fail(where, f"volume {name}: no Secret {volume['secret']['secretName']}")
                if "persistentVolumeClaim" in volume:
                    if volume["persistentVolumeClaim"]["claimName"] not in by_kind.get("PersistentVolumeClaim", {}):
                        self.fail(where, f"volume {name}: no PersistentVolumeClaim {volume['persistentVolumeClaim']['claimName']}")
        self.check_k8s_services(by_kind, workloads)
        self.check_k8s_tokens(configmaps, secrets)
        if tree != K8S_BASE:
            self.check_fleet(tree)

    def check_fleet(self, tree):
        """One database for all, a controller and a migration Job, and every rollout the agents leave to the
        controller configured in the controller."""
        fleet = self._fleet
        if len(set(fleet["shared"].values())) > 1:
            self.fail(tree, "storage.shared.url differs between " + ", ".join(f"{w} ({u})" for w, u in fleet["shared"].items()))
        for at, rollouts in fleet["agent_rollouts"].items():
            if not rollouts:
                self.fail(at, "no rollout with evaluator: controller (the fleet's agents leave the decision to vigil controller)")
            for model in sorted(rollouts - fleet["controller_rollouts"]):
                self.fail(at, f"rollout of {model} has evaluator: controller, but no vigil controller configuration has it")
        if not fleet["controller"]:
            self.fail(tree, "no Deployment runs `vigil controller`")
        if not fleet["migrate"]:
            self.fail(tree, "no Job runs `vigil db migrate` (the schema must be migrated before the agents start)")

    def mounted_file(self, path, container, volumes, configmaps, secrets):
        """(kind, name, key) of the ConfigMap/Secret key that appears at `path` in the container, or None."""
        for mount in container.get("volumeMounts", []):
            prefix = mount["mountPath"].rstrip("/") + "/"
            if not path.startswith(prefix):
                continue
            relative = path[len(prefix):]
            volume = volumes.get(mount["name"], {})
            if "configMap" in volume:
                items = volume["configMap"].get("items")
                key = next((i["key"] for i in items if i["path"] == relative), None) if items else relative
                return ("ConfigMap", volume["configMap"]["name"], key)
            if "secret" in volume:
                return ("Secret", volume["secret"]["secretName"], relative)
            return ("volume", mount["name"], relative)
        return None

    def check_k8s_vigil_container(self, container, volumes, configmaps, secrets, at, kind):
        args = list(container.get("command", [])[1:] if container.get("command") else []) + list(container.get("args", []))
        path_, flags = self.check_vigil_command(args, at + " args")
        ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
        if kind != "Job":  # a one-shot command (vigil db migrate) serves nothing
            for probe_name, route in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
                probe = (container.get(probe_name) or {}).get("httpGet")
                if not probe or probe.get("path") != route:
                    self.fail(at, f"{probe_name} must be httpGet {route}")
                elif probe.get("port") not in ports and probe.get("port") not in ports.values():
                    self.fail(at, f"{probe_name} port {probe.get('port')} is not a container port")
            listen_port = int(flags["--listen"].rsplit(":", 1)[1]) if flags.get("--listen") else VIGIL_PORT
            if listen_port not in ports.values():
                self.fail(at, f"no containerPort {listen_port} (the port vigil listens on)")
        if path_ not in (["agent"], ["controller"], ["db", "migrate"]):
            return
        fleet = getattr(self, "_fleet", None)
        if fleet is not None and path_ != ["agent"]:
            fleet["controller" if path_ == ["controller"] else "migrate"].append(at)
        config_path = flags.get("--config")
        found = self.mounted_file(config_path or "", container, volumes, configmaps, secrets)
        if not config_path or not found or found[0] != "ConfigMap" or found[1] not in configmaps \
                or found[2] not in (configmaps[found[1]].get("data") or {}):
            self.fail(at, f"--config {config_path} is not a key of a mounted ConfigMap")
            return
        text = configmaps[found[1]]["data"][found[2]]
        local = self.tmp / "k8s" / found[1] / found[2]
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(text)
        config = self.config_check(local, f"{at} {found[0]}/{found[1]} {found[2]}")
        if config is None:
            return
        self.note_fleet(path_, config, at, found[2], kind)
        if path_ != ["db", "migrate"]:
            merged = copy.deepcopy(config)
            if flags.get("--listen"):
                merged.setdefault("server", {})["listen"] = flags["--listen"]
            self.check_listen_and_tokens(merged, f"{at} ({found[2]})")
        if path_ == ["agent"]:
            data_dir = flags.get("--data-dir") or ((config.get("storage") or {}).get("data_dir"))
            if not self.mounted_file(str(data_dir).rstrip("/") + "/x", container, volumes, configmaps, secrets):
                self.fail(at, f"data dir {data_dir} is not on a volume (the root filesystem is read-only)")
        # Every file the configuration names is mounted, and a Secret's file is one of its keys.
        def walk(node, trail):
            if isinstance(node, dict):
                for key, value in node.items():
                    yield from walk(value, f"{trail}.{key}" if trail else key)
            elif isinstance(node, list):
                for i, value in enumerate(node):
                    yield from walk(value, f"{trail}[{i}]")
            else:
                yield trail, node
        for trail, value in walk(config, ""):
            if trail.endswith("_file") and isinstance(value, str):
                target = self.mounted_file(value, container, volumes, configmaps, secrets)
                if target is None:
                    self.fail(at, f"{found[2]} {trail}: {value} is not on a mounted volume")
                elif target[0] == "Secret" and target[2] not in ((secrets.get(target[1]) or {}).get("stringData") or {}) \
                        and target[2] not in ((secrets.get(target[1]) or {}).get("data") or {}):
                    self.fail(at, f"{found[2]} {trail}: Secret {target[1]} has no key {target[2]}")
        if kind == "DaemonSet" and path_ == ["agent"]:
            files = [s for s in config.get("sources", []) if s.get("type") == "file"]
            if not any("/var/log/containers/*.log" in s.get("paths", []) for s in files):
                self.fail(at, "the node agent does not tail /var/log/containers/*.log")
            for source in files:
                if source.get("format") != "cri":
                    self.fail(at, f"file source {source.get('name', 'file')}: container logs are in CRI format (format: cri)")
                for pattern in source.get("paths", []):
                    if not self.mounted_file(pattern, container, volumes, configmaps, secrets):
                        self.fail(at, f"file source path {pattern} is not on a mounted volume")
                    directory = pattern.rsplit("/", 1)[0]
                    mount = next((m for m in container.get("volumeMounts", []) if m["mountPath"] == directory), None)
                    if mount and "hostPath" not in volumes.get(mount["name"], {}):
                        self.fail(at, f"{directory} is not a hostPath volume")
            if "/var/log/pods" not in {m["mountPath"] for m in container.get("volumeMounts", [])}:
                self.fail(at, "/var/log/containers holds links into /var/log/pods, which is not mounted")
            data = next((m for m in container.get("volumeMounts", []) if m["mountPath"] == data_dir), None)
            if data is None or "hostPath" not in volumes.get(data["name"], {}):
                self.fail(at, f"the node agent's data dir {data_dir} (checkpoints, spool) must be a hostPath volume")

    def note_fleet(self, path_, config, at, key, kind):
        """What check_fleet compares across the fleet's processes; a controller's own requirements."""
        fleet = getattr(self, "_fleet", None)
        if fleet is None:
            return
        shared = (config.get("storage") or {}).get("shared")
        rollouts = {r.get("model") for r in config.get("rollouts") or [] if r.get("evaluator") == "controller"}
        if shared:
            fleet["shared"][f"{at} ({key})"] = shared.get("url")
        if path_ == ["controller"]:
            fleet["controller_rollouts"] |= rollouts
            if kind != "Deployment":
                self.fail(at, "vigil controller runs as a Deployment")
            if not shared:
                self.fail(at, f"{key}: vigil controller needs storage.shared (it decides in the fleet's shared state)")
            if not ((config.get("controller") or {}).get("prometheus") or {}).get("url"):
                self.fail(at, f"{key}: vigil controller needs controller.prometheus.url (the agents' counters)")
            if not rollouts:
                self.fail(at, f"{key}: no rollout with evaluator: controller, so vigil controller decides nothing")
        elif path_ == ["db", "migrate"]:
            if kind != "Job":
                self.fail(at, "vigil db migrate runs once per upgrade, as a Job")
            if not shared:
                self.fail(at, f"{key}: vigil db migrate needs storage.shared")
        elif path_ == ["agent"] and shared:
            fleet["agent_rollouts"][at] = rollouts

    def check_k8s_services(self, by_kind, workloads):
        services = by_kind.get("Service", {})
        pod_labels = [((d["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {} for _, d in workloads]
        for name, service in services.items():
            selector = service["spec"].get("selector") or {}
            if not any(all(labels.get(k) == v for k, v in selector.items()) for labels in pod_labels):
                self.fail(f"Service/{name}", f"selector {selector} matches no pod template")
        for name, monitor in by_kind.get("ServiceMonitor", {}).items():
            selector = (monitor["spec"].get("selector") or {}).get("matchLabels") or {}
            matched = [s for s in services.values() if all((s["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items())]
            if not matched:
                self.fail(f"ServiceMonitor/{name}", "selects no Service")
            job_label = monitor["spec"].get("jobLabel")
            for service in matched:
                job = (service["metadata"].get("labels") or {}).get(job_label) if job_label else service["metadata"]["name"]
                if job != SCRAPE_JOB:
                    self.fail(f"ServiceMonitor/{name}", f"Service {service['metadata']['name']} would be scraped as job {job!r}, not {SCRAPE_JOB!r}")
                port_names = {p.get("name") for p in service["spec"].get("ports", [])}
                for endpoint in monitor["spec"].get("endpoints", []):
                    if endpoint.get("port") not in port_names:
                        self.fail(f"ServiceMonitor/{name}", f"endpoint port {endpoint.get('port')} is not a port of Service {service['metadata']['name']}")
                    if endpoint.get("path", "/metrics") != "/metrics":
                        self.fail(f"ServiceMonitor/{name}", "endpoint path must be /metrics")

    def check_k8s_tokens(self, configmaps, secrets):
        roles = {"ingest", "viewer", "release-manager", "admin"}
        for secret_name, secret in secrets.items():
            values = dict(secret.get("stringData") or {})
            for key in roles & set(values):
                digest = hashlib.sha256(values[key].encode()).hexdigest()
                for cm_name, cm in configmaps.items():
                    for config_key, text in (cm.get("data") or {}).items():
                        config = yaml.safe_load(text) or {}
                        tokens = (config.get("auth") or {}).get("tokens") or []
                        if not tokens:
                            continue
                        match = [t for t in tokens if t.get("sha256") == digest]
                        if not match:
                            self.fail(f"Secret/{secret_name}", f"token {key} has no digest in ConfigMap/{cm_name} {config_key}")
                        elif key not in match[0].get("roles", []):
                            self.fail(f"Secret/{secret_name}", f"token {key} has roles {match[0].get('roles')} in ConfigMap/{cm_name} {config_key}")

    def check_prometheusrule(self):
        path = self.root / "docker/kubernetes/prometheusrule.yaml"
        where = self.rel(path)
        result = run([sys.executable, str(self.root / "scripts/render-prometheusrule.py"),
                      "--alerts", str(self.root / "alerts"), "--stdout"])
        if result.returncode != 0:
            self.fail(where, "render-prometheusrule.py failed: " + result.stderr.strip())
            return
        if not path.exists():
            self.fail(where, "missing: run `make prometheusrule`")
            return
        if path.read_text() != result.stdout:
            self.fail(where, "differs from the render of alerts/*.rules.yml: run `make prometheusrule` and commit it")
        rule = yaml.safe_load(path.read_text())
        groups = self.tmp / "prometheusrule-groups.yml"
        groups.write_text(yaml.safe_dump({"groups": (rule.get("spec") or {}).get("groups", [])}, sort_keys=False))
        result = run(["promtool", "check", "rules", str(groups)])
        if result.returncode != 0:
            self.fail(where, "promtool check rules on spec.groups failed:\n        " + (result.stdout + result.stderr).strip().replace("\n", "\n        "))
        rules = sum(len(g.get("rules", [])) for g in (rule.get("spec") or {}).get("groups", []))
        sources = sorted((self.root / "alerts").glob("*.rules.yml"))
        expected = sum(len(g.get("rules", [])) for s in sources for g in (yaml.safe_load(s.read_text()) or {}).get("groups", []))
        if rules != expected:
            self.fail(where, f"{rules} rules, alerts/*.rules.yml has {expected}")

    def check_config_folder(self):
        """Every configuration in docker/config passes `vigil config check`, used by a command above or not."""
        files = sorted((self.root / "docker/config").glob("*.yaml"))
        if not files:
            self.fail("docker/config", "no configuration")
        for path in files:
            self.config_check(path, self.rel(path))

    # ---- all ---------------------------------------------------------------------------------------------
    def run_all(self):
        if not os.access(self.vigil, os.X_OK):
            self.fail("vigil", f"{self.vigil} is not an executable: build first (swift build)")
            print(f"FAIL  {self.errors[-1]}")
            self.failed += 1
            return False
        self.section("Dockerfile", self.check_dockerfile)
        self.section("vigil configurations in docker/config", self.check_config_folder)
        self.section("compose schema (Compose Specification)", self.check_compose_schema)
        self.section("compose stack", self.check_compose)
        self.section("kustomization", self.check_kustomization)
        self.section("Kubernetes schemas", self.check_k8s_schemas)
        self.section("Kubernetes workloads", self.check_k8s_workloads)
        self.section("PrometheusRule", self.check_prometheusrule)
        self.section("fleet overlay: kustomization", lambda: self.check_kustomization(K8S_FLEET))
        self.section("fleet overlay: Kubernetes schemas", lambda: self.check_k8s_schemas(K8S_FLEET))
        self.section("fleet overlay: Kubernetes workloads", lambda: self.check_k8s_workloads(K8S_FLEET))
        return not self.errors


def check(root, vigil):
    with tempfile.TemporaryDirectory(prefix="vigil-check-deploy-") as tmp:
        checker = Checker(root, vigil, pathlib.Path(tmp))
        ok = checker.run_all()
        return ok, checker


# ---- self-test: each broken copy must fail, with the reason named --------------------------------------------
def _edit(relative, old, new):
    def apply(root):
        path = root / relative
        text = path.read_text()
        if old not in text:
            raise AssertionError(f"self-test mutation does not apply: {old!r} not in {relative}")
        path.write_text(text.replace(old, new, 1))
    return apply


MUTATIONS = [
    ("Dockerfile COPY of a missing file", _edit("docker/Dockerfile", "COPY docker/config/image.yaml", "COPY docker/config/missing.yaml"), "does not exist in the build context"),
    ("Dockerfile running as root", _edit("docker/Dockerfile", "USER 10001:10001", "USER root"), "non-root USER"),
    ("Dockerfile CMD with an option vigil lacks", _edit("docker/Dockerfile", '"--data-dir", "/var/lib/vigil", "--listen"', '"--data-directory", "/var/lib/vigil", "--listen"'), "has no option --data-directory"),
    ("Dockerfile CMD with a subcommand vigil lacks", _edit("docker/Dockerfile", 'CMD ["agent"', 'CMD ["supervisor"'), "is not a vigil subcommand"),
    ("Dockerfile without the ISA-L runtime library", _edit("docker/Dockerfile", "zlib1g libisal2", "zlib1g"), "does not install libisal2"),
    ("Dockerfile without a library vigil links", _edit("docker/Dockerfile", "libsnappy1v5 libstdc++6", "libsnappy1v5"), "from package libstdc++6"),
    ("image configuration with an open API", lambda root: _remove_auth_from_image(root), "the image's API is open"),
    ("compose key the specification lacks", _edit("docker/compose.yaml", "    stop_grace_period: 30s", "    stop_grace_periods: 30s"), "Compose Specification"),
    ("compose volume of a missing file", _edit("docker/compose.yaml", "./prometheus/prometheus.yml:", "./prometheus/missing.yml:"), "does not exist"),
    ("compose depends_on a service without health check", _edit("docker/compose.yaml", "      test: [\"CMD\", \"wget\", \"-q\", \"-O\", \"/dev/null\", \"http://127.0.0.1:9093/-/ready\"]\n      interval: 10s\n      timeout: 3s\n      retries: 5\n", "      disable: true\n"), "has no health check"),
    ("compose vigil configuration with an unknown key", _edit("docker/config/compose.yaml", "  spool: { max_bytes: 512MiB", "  spool: { max_byte: 512MiB"), "vigil config check"),
    ("compose image not pinned", _edit("docker/compose.yaml", "prom/alertmanager:v0.27.0", "prom/alertmanager:latest"), "not pinned"),
    ("Prometheus scrape job renamed", _edit("docker/prometheus/prometheus.yml", "  - job_name: vigil\n", "  - job_name: agent\n"), "no scrape job 'vigil'"),
    ("Kubernetes field the API lacks", _edit("docker/kubernetes/deployment.yaml", "  replicas: 1\n", "  replica: 1\n"), "replica"),
    ("DaemonSet with a writable root filesystem", _edit("docker/kubernetes/daemonset.yaml", "            readOnlyRootFilesystem: true\n            capabilities:\n              drop: [\"ALL\"]\n            seccompProfile", "            readOnlyRootFilesystem: false\n            capabilities:\n              drop: [\"ALL\"]\n            seccompProfile"), "readOnlyRootFilesystem must be true"),
    ("readiness probe on the wrong route", _edit("docker/kubernetes/deployment.yaml", "path: /readyz", "path: /ready"), "readinessProbe must be httpGet /readyz"),
    ("node agent reading container logs as JSON", _edit("docker/kubernetes/configmap.yaml", "        format: cri\n", "        format: json\n"), "CRI format"),
    ("ConfigMap configuration with a bad value", _edit("docker/kubernetes/configmap.yaml", "when_full: block", "when_full: wait"), "vigil config check"),
    ("Secret token without its digest", _edit("docker/kubernetes/secret.yaml", "viewer: REPLACE-ME-viewer", "viewer: CHANGED-viewer"), "has no digest"),
    ("API key file not in the Secret", _edit("docker/kubernetes/configmap.yaml", "/etc/vigil/secrets/elasticsearch-api-key", "/etc/vigil/secrets/es-key"), "has no key es-key"),
    ("ServiceMonitor with a field of the wrong type", _edit("docker/kubernetes/servicemonitor.yaml", "      honorLabels: false", "      honorLabels: \"no\""), "honorLabels"),
    ("ServiceMonitor job not vigil", _edit("docker/kubernetes/servicemonitor.yaml", "  jobLabel: app.kubernetes.io/name", "  jobLabel: app.kubernetes.io/component"), "would be scraped as job"),
    ("manifest missing from the kustomization", _edit("docker/kubernetes/kustomization.yaml", "  - deployment.yaml\n", ""), "deployment.yaml is not in resources"),
    ("PrometheusRule edited by hand", _edit("docker/kubernetes/prometheusrule.yaml", "  name: vigil\n", "  name: vigil-edited\n"), "differs from the render"),
    ("alert rules changed without regenerating", lambda root: _append_rule(root), "differs from the render"),
    ("fleet controller with an option vigil lacks", _edit("docker/kubernetes/fleet/controller.yaml", '"--listen", "0.0.0.0:9760"', '"--listen-address", "0.0.0.0:9760"'), "`vigil controller` has no option --listen-address"),
    ("fleet agent without storage.shared at all", lambda root: _drop_agent_shared(root), "evaluator: controller needs storage.shared"),
    ("fleet database password not in the Secret", _edit("docker/kubernetes/fleet/secret-db.yaml", "  password: REPLACE-ME", "  db-password: REPLACE-ME"), "Secret vigil-db has no key password"),
    ("fleet controller without Prometheus", _edit("docker/kubernetes/fleet/configmap-patch.yaml", '        url: "http://prometheus-operated.monitoring.svc:9090"\n', ""), "controller.prometheus.url"),
    ("fleet controller on another database", _edit("docker/kubernetes/fleet/configmap-patch.yaml", "its state is the shared one\n      shared:\n        url: postgres://vigil@postgres.vigil.svc", "its state is the shared one\n      shared:\n        url: postgres://vigil@postgres-old.vigil.svc"), "storage.shared.url differs"),
    ("fleet migration Job with a configuration it does not mount", _edit("docker/kubernetes/fleet/db-migrate-job.yaml", '"--config", "/etc/vigil/config/agent.yaml"', '"--config", "/etc/vigil/config/controller.yaml"'), "is not a key of a mounted ConfigMap"),
    ("fleet manifest missing from its kustomization", _edit("docker/kubernetes/fleet/kustomization.yaml", "  - db-migrate-job.yaml\n", ""), "db-migrate-job.yaml is not in resources"),
]


def _drop_agent_shared(root):
    """The fleet agent's storage.shared removed (the rollout keeps evaluator: controller): config check refuses it."""
    path = root / "docker/kubernetes/fleet/configmap-patch.yaml"
    text = path.read_text()
    start = text.index("      shared:\n        url:")
    end = text.index("        tls: { mode: prefer }\n", start) + len("        tls: { mode: prefer }\n")
    path.write_text(text[:start] + text[end:])


def _remove_auth_from_image(root):
    path = root / "docker/config/image.yaml"
    text = path.read_text()
    start, end = text.index("auth:\n"), text.index("sources:\n")
    path.write_text(text[:start] + text[end:])


def _append_rule(root):
    path = root / "alerts" / "zz-self-test.rules.yml"
    path.write_text("groups:\n  - name: self-test\n    rules:\n      - alert: SelfTest\n        expr: vector(1)\n")


def _placeholders(root):
    """Minimal alerts/ and dashboards/ files, in the temporary copy only, when the repository has none yet."""
    alerts, dashboards = root / "alerts", root / "dashboards"
    notes = []
    if not list(alerts.glob("*.rules.yml")):
        alerts.mkdir(exist_ok=True)
        (alerts / "placeholder.rules.yml").write_text(
            "groups:\n  - name: placeholder\n    rules:\n      - alert: Placeholder\n        expr: up{job=\"vigil\"} == 0\n        for: 1m\n")
        notes.append("alerts/*.rules.yml")
    if not (alerts / "alertmanager.yml").exists():
        (alerts / "alertmanager.yml").write_text("route:\n  receiver: none\nreceivers:\n  - name: none\n")
        notes.append("alerts/alertmanager.yml")
    provisioning = dashboards / "provisioning"
    if not (provisioning / "dashboards").exists():
        (provisioning / "dashboards").mkdir(parents=True)
        (provisioning / "dashboards/vigil.yml").write_text(
            "apiVersion: 1\nproviders:\n  - name: vigil\n    type: file\n    options:\n      path: /var/lib/grafana/dashboards/vigil\n")
        notes.append("dashboards/provisioning/dashboards")
    if not (provisioning / "datasources").exists():
        (provisioning / "datasources").mkdir(parents=True)
        (provisioning / "datasources/prometheus.yml").write_text(
            "apiVersion: 1\ndatasources:\n  - name: Prometheus\n    type: prometheus\n    url: http://prometheus:9090\n")
        notes.append("dashboards/provisioning/datasources")
    if not list(dashboards.glob("*.json")):
        (dashboards / "placeholder.json").write_text("{}\n")
        notes.append("dashboards/*.json")
    return notes


def self_test(root, vigil):
    passed, failed = 0, 0
    with tempfile.TemporaryDirectory(prefix="vigil-check-deploy-self-test-") as tmp:
        base = pathlib.Path(tmp) / "repo"
        base.mkdir()
        for name in ("docker", "scripts", "alerts", "dashboards"):
            if (root / name).exists():
                shutil.copytree(root / name, base / name)
        for name in ("Sources", "Tests"):
            (base / name).symlink_to(root / name)
        for name in ("Package.swift", ".dockerignore"):
            shutil.copyfile(root / name, base / name)
        notes = _placeholders(base)
        if notes:
            print(f"note  self-test: placeholders in the temporary copy for {', '.join(notes)} (not in the repository)")
        subprocess.run([sys.executable, str(base / "scripts/render-prometheusrule.py")], capture_output=True, check=True,
                       cwd=base)
        with open(os.devnull, "w") as devnull:
            stdout, sys.stdout = sys.stdout, devnull
            try:
                ok, checker = check(base, vigil)
            finally:
                sys.stdout = stdout
        if ok:
            passed += 1
            print("ok    self-test: the unbroken copy passes")
        else:
            failed += 1
            print("FAIL  self-test: the unbroken copy fails, so the mutations prove nothing:\n      " + "\n      ".join(checker.errors))
            return passed, failed
        pristine = pathlib.Path(tmp) / "pristine"
        shutil.copytree(base, pristine, symlinks=True)
        for name, mutate, expected in MUTATIONS:
            shutil.rmtree(base)
            shutil.copytree(pristine, base, symlinks=True)
            mutate(base)
            with open(os.devnull, "w") as devnull:
                stdout, sys.stdout = sys.stdout, devnull
                try:
                    ok, checker = check(base, vigil)
                finally:
                    sys.stdout = stdout
            if not ok and any(expected in error for error in checker.errors):
                passed += 1
                print(f"ok    self-test: {name} is refused")
            else:
                failed += 1
                print(f"FAIL  self-test: {name} is not refused with {expected!r}; errors: {checker.errors}")
    return passed, failed


def main():
    parser = argparse.ArgumentParser(description="Static checks of docker/ (see the module docstring).")
    parser.add_argument("--root", default=str(SCRIPT_ROOT))
    parser.add_argument("--vigil", default=None, help="the vigil binary (default ROOT/.build/debug/vigil)")
    parser.add_argument("--self-test", action="store_true", help="also break copies of the files and expect failures")
    args = parser.parse_args()
    root = pathlib.Path(args.root).resolve()
    vigil = args.vigil or str(root / ".build/debug/vigil")
    ok, checker = check(root, vigil)
    passed, failed = checker.passed, checker.failed
    if args.self_test:
        p, f = self_test(root, vigil)
        passed, failed = passed + p, failed + f
    print(f"deploy: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
