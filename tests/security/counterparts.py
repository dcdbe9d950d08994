"""Real single sign-on counterparts for the tests: the npm `oidc-provider` and Debian's slapd.

Where one is missing, the tests that need it are SKIPPED with the reason (plain `make test`);
with REQUIRE_SSO_COUNTERPARTS=1 (.ci/run) a missing counterpart FAILS instead.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent / "tools"
OIDC_SCRIPT = TOOLS / "oidc_provider.mjs"
OIDC_PACKAGE = TOOLS / "node_modules" / "oidc-provider"
LDAP_SUFFIX = "dc=example,dc=gov,dc=cn"
LDAP_ADMIN_DN = f"cn=admin,{LDAP_SUFFIX}"
LDAP_ADMIN_PASSWORD = "admin-secret-Tq9!"


def missing(reason: str) -> None:
    """Skip (never silently) — or fail where CI demands the counterparts."""
    if os.environ.get("REQUIRE_SSO_COUNTERPARTS") == "1":
        pytest.fail(f"{reason} (REQUIRE_SSO_COUNTERPARTS=1: .ci/run must provide it)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- OpenID Provider ----------------------------------------------------------------------


@dataclass
class OpenIDProvider:
    issuer: str
    client_id: str
    client_secret: str
    process: subprocess.Popen

    def endpoint(self, path: str) -> str:
        return f"{self.issuer}{path}"

    def settings(self) -> dict:
        """Our settings for this provider (the endpoints oidc-provider publishes)."""
        return {
            "OIDC_ENABLED": True,
            "OIDC_PROVIDER_NAME": "测试统一身份认证平台",
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.endpoint("/auth"),
            "OIDC_OP_TOKEN_ENDPOINT": self.endpoint("/token"),
            "OIDC_OP_USER_ENDPOINT": self.endpoint("/me"),
            "OIDC_OP_JWKS_ENDPOINT": self.endpoint("/jwks"),
            "OIDC_OP_LOGOUT_ENDPOINT": self.endpoint("/session/end"),
            "OIDC_RP_SIGN_ALGO": "RS256",
            "OIDC_RP_SCOPES": "openid employee",
            "OIDC_MATCH_CLAIM": "employee_number",
        }


def start_openid_provider(tmp_path: Path, site_url: str, accounts: dict) -> OpenIDProvider:
    node = shutil.which("node")
    if node is None:
        missing("Node.js (node) not found: the OpenID Connect tests need it for oidc-provider")
    if not OIDC_PACKAGE.exists():
        missing(f"oidc-provider missing at {OIDC_PACKAGE} (make test-tools installs it from npm)")
    config = {
        "client": {
            "client_id": "liangge-zeren-test",
            "client_secret": "test-client-secret-0123456789",
            "redirect_uris": [f"{site_url}/oidc/callback/"],
            "post_logout_redirect_uris": [f"{site_url}/accounts/login/"],
        },
        "accounts": accounts,
        "scopes": {"employee": ["employee_number"]},
    }
    path = tmp_path / "oidc-provider.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    process = subprocess.Popen(
        [str(node), str(OIDC_SCRIPT), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=TOOLS,
    )
    deadline = time.monotonic() + 30
    output = []
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if line.startswith("READY "):
            issuer = line.split()[1]
            client = config["client"]
            return OpenIDProvider(issuer, client["client_id"], client["client_secret"], process)
    _stop(process)
    raise RuntimeError("oidc-provider did not start:\n" + "".join(output))


def stop_openid_provider(provider: OpenIDProvider) -> None:
    _stop(provider.process)
    if provider.process.stdout is not None:
        provider.process.stdout.close()


# --- slapd --------------------------------------------------------------------------------


def find_slapd() -> str | None:
    return shutil.which("slapd") or next(
        (p for p in ("/usr/sbin/slapd",) if os.access(p, os.X_OK)), None
    )


@dataclass
class Directory:
    uri: str
    suffix: str
    process: subprocess.Popen


def _slapd_conf(root: Path, modules: Path) -> str:
    schema = Path("/etc/ldap/schema")
    includes = "\n".join(
        f"include {schema / name}.schema" for name in ("core", "cosine", "inetorgperson")
    )
    return f"""{includes}
pidfile {root / "slapd.pid"}
modulepath {modules}
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{LDAP_SUFFIX}"
rootdn "{LDAP_ADMIN_DN}"
rootpw {LDAP_ADMIN_PASSWORD}
directory {root / "data"}
access to attrs=userPassword by self =xw by anonymous auth by * none
access to * by * read
"""


def _ldif(people: list[dict]) -> str:
    entries = [
        f"dn: {LDAP_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\n"
        "o: Example\ndc: example\n",
        f"dn: ou=people,{LDAP_SUFFIX}\nobjectClass: organizationalUnit\nou: people\n",
    ]
    for person in people:
        lines = [
            f"dn: uid={person['uid']},ou=people,{LDAP_SUFFIX}",
            "objectClass: inetOrgPerson",
            f"uid: {person['uid']}",
            f"cn: {person['uid']}",
            f"sn: {person['uid']}",
            f"userPassword: {person['password']}",
        ]
        if person.get("employeeNumber"):
            lines.append(f"employeeNumber: {person['employeeNumber']}")
        entries.append("\n".join(lines) + "\n")
    return "\n".join(entries)


def start_slapd(tmp_path: Path, people: list[dict]) -> Directory:
    slapd = find_slapd()
    if slapd is None:
        missing("slapd not found (Debian: apt-get install slapd ldap-utils; .ci/run installs it)")
    slapadd = shutil.which("slapadd") or "/usr/sbin/slapadd"
    modules = Path("/usr/lib/ldap")
    if not (modules / "back_mdb.so").exists() and not (modules / "back_mdb.la").exists():
        missing(f"slapd's back_mdb module not found under {modules}")
    root = tmp_path / "slapd"
    (root / "data").mkdir(parents=True)
    conf = root / "slapd.conf"
    conf.write_text(_slapd_conf(root, modules), encoding="utf-8")
    ldif = root / "directory.ldif"
    ldif.write_text(_ldif(people), encoding="utf-8")
    loaded = subprocess.run(
        [slapadd, "-f", str(conf), "-l", str(ldif)], capture_output=True, text=True
    )
    if loaded.returncode != 0:
        raise RuntimeError(f"slapadd failed:\n{loaded.stdout}{loaded.stderr}")
    port = free_port()
    uri = f"ldap://127.0.0.1:{port}"
    # -d 0: stay in the foreground (so the test owns the process); as root, run as the owner
    # of the temporary directory's files rather than the system's openldap user.
    command = [slapd, "-f", str(conf), "-h", uri, "-d", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"slapd exited with {process.returncode}:\n{output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return Directory(uri, LDAP_SUFFIX, process)
        except OSError:
            time.sleep(0.1)
    _stop(process)
    raise RuntimeError("slapd did not start listening")


def stop_slapd(directory: Directory) -> None:
    _stop(directory.process)
    if directory.process.stdout is not None:
        directory.process.stdout.close()
