"""`make test` provides the browser the browser test needs, or stops with the instruction; it never skips."""

import os
import subprocess
from pathlib import Path

from forecast import paths

FAKE_APT = """#!/bin/sh
echo "$@" >> "{log}"
if [ "$1" = install ]; then printf '#!/bin/sh\\nexit 0\\n' > "{bin}/fake-browser"; chmod +x "{bin}/fake-browser"; fi
"""


def _make(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}
    return subprocess.run(
        ["make", "-s", "-C", str(paths.PROJECT_DIR), "browser", *(f"{k}={v}" for k, v in variables.items())],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )


def test_a_missing_browser_is_installed_with_apt(tmp_path):
    (tmp_path / "bin").mkdir()
    apt = tmp_path / "bin" / "fake-apt"
    apt.write_text(FAKE_APT.format(log=tmp_path / "apt.log", bin=tmp_path / "bin"), encoding="utf-8")
    apt.chmod(0o755)
    run = _make(tmp_path, BROWSER="fake-browser", APT="fake-apt", SUDO="")  # SUDO: sudo unless root
    assert run.returncode == 0, run.stderr
    assert "installing fake-browser" in run.stdout
    assert (tmp_path / "apt.log").read_text(encoding="utf-8").splitlines() == [
        "update -qq",
        "install -y -qq fake-browser",
    ]


def test_without_a_browser_or_apt_make_stops_with_the_instruction(tmp_path):
    (tmp_path / "bin").mkdir()
    run = _make(tmp_path, BROWSER="no-such-browser", APT="no-such-apt")
    assert run.returncode != 0
    assert "make test needs no-such-browser for the browser test" in run.stderr
    assert "apt-get install -y chromium" in run.stderr


def test_an_installed_browser_needs_nothing(tmp_path):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "present-browser").write_text("#!/bin/sh\n", encoding="utf-8")
    (tmp_path / "bin" / "present-browser").chmod(0o755)
    run = _make(tmp_path, BROWSER="present-browser", APT="no-such-apt")
    assert run.returncode == 0 and run.stdout == "" and run.stderr == ""
