"""Headless Chromium for the browser tests: Debian's chromium, installed when missing (with sudo
when not root). A browser that cannot be installed is the caller's failure, never a skip."""
import os
import shutil
import subprocess


def chromium(fail):
    """The chromium executable; calls fail(reason) (which must not return) when it cannot be had."""
    exe = shutil.which("chromium")
    if exe:
        return exe
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]):
        p = subprocess.run(sudo + cmd, capture_output=True, text=True, env=env)
        if p.returncode != 0:
            fail(f"chromium is not installed and `{' '.join(sudo + cmd)}` failed: {p.stderr.strip()[-400:]}")
    return shutil.which("chromium") or fail("chromium installed but not on PATH")
