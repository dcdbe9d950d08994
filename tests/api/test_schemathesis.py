"""schemathesis against the served schema (/api/schema/ of a live server): every endpoint and
method, positive and negative data, the schema's links from create to read (stateful phase),
with a personal token printed by `manage.py api_token`. It must find no failure: no 5xx, no
response that violates the schema (status code, content type, body).

The run is bounded (a few examples per operation, no shrinking, the coverage phase only when
asked: about a minute here). Its
summary is written to var/schemathesis-summary.txt (SCHEMATHESIS_SUMMARY to change), which
.ci/run prints after the suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.schemathesis

BIN = Path(sys.executable).parent
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8")
# The coverage phase (deterministic boundary and negative cases for every parameter) takes
# minutes on a loaded 2-core machine; SCHEMATHESIS_PHASES=examples,coverage,fuzzing,stateful
# runs it too. Fuzzing sends positive and negative data either way (--mode all).
PHASES = os.environ.get("SCHEMATHESIS_PHASES", "examples,fuzzing,stateful")


def _summary_path() -> Path:
    return Path(
        os.environ.get("SCHEMATHESIS_SUMMARY", Path(settings.VAR_DIR) / "schemathesis-summary.txt")
    )


def test_it_finds_no_server_error_and_no_schema_violation(
    transactional_db, live_server, request, monkeypatch, tmp_path
):
    program = shutil.which("schemathesis", path=str(BIN)) or shutil.which("schemathesis")
    if program is None:
        pytest.skip("schemathesis is not installed: `make install` installs the dev extras")
    from liangge_zeren.api.throttling import TokenRateThrottle

    # The fuzzer sends hundreds of requests a minute; the per-token limit is tested elsewhere.
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api": "100000/min"})
    cast = request.getfixturevalue("cast")
    request.getfixturevalue("insp")  # rounds, findings and tasks of every visibility kind
    out = StringIO()
    call_command("api_token", "county1_jw", "--expires", "1d", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    assert secret and cast.user("county1_jw")

    command = [
        program,
        "run",
        f"{live_server.url}/api/schema/",
        "--header",
        f"Authorization: Bearer {secret}",
        "--checks",
        CHECKS,
        "--mode",
        "all",
        "--phases",
        PHASES,
        "--max-examples",
        MAX_EXAMPLES,
        "--no-shrink",
        "--seed",
        "20261203",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
    ]
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false", "COLUMNS": "120"}
    result = subprocess.run(  # noqa: S603 - our own program and arguments
        command, capture_output=True, text=True, timeout=600, env=env, check=False, cwd=tmp_path
    )
    output = result.stdout + result.stderr
    path = _summary_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(output.replace(secret, "lz_***"), encoding="utf-8")
    assert result.returncode == 0, output.replace(secret, "lz_***")[-6000:]
