"""Audit the installed packages for known vulnerabilities (``make audit``, run by ``make test``).

1. If https://pypi.org does not answer within a few seconds, print
   "pip-audit skipped: index unreachable" and succeed: the machine is offline.
2. Run pip-audit on this environment (the PyPI vulnerability service, so the
   only traffic goes to the package index, as with ``pip install``).
3. A package pip-audit could not look up (an index mirror without per-release
   metadata) is checked through its project page instead when the installed
   release is the newest one — PyPI lists that release's vulnerabilities there —
   and reported as not audited otherwise.
4. Fail on every vulnerability that is not in ``audit-ignore.txt`` (one id per
   line followed by the reason it is accepted; an entry without a reason is an
   error).
"""
import json
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

INDEX = "https://pypi.org"
IGNORE_FILE = Path(__file__).resolve().parents[1] / "audit-ignore.txt"
TIMEOUT = 5


def reachable() -> str | None:
    """None when the index answers, else why not."""
    try:
        with urllib.request.urlopen(f"{INDEX}/simple/pip/", timeout=TIMEOUT) as reply:
            reply.read(1)
        return None
    except (urllib.error.URLError, OSError) as exc:
        return str(getattr(exc, "reason", exc))


def ignored() -> dict[str, str]:
    """The accepted vulnerability ids and why."""
    accepted = {}
    if not IGNORE_FILE.exists():
        return accepted
    for number, line in enumerate(IGNORE_FILE.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        vuln_id, _, reason = line.partition(" ")
        if not reason.strip():
            sys.exit(f"{IGNORE_FILE.name}:{number}: {vuln_id} needs a reason")
        accepted[vuln_id] = reason.strip()
    return accepted


def pip_audit(accepted) -> dict:
    """pip-audit's JSON report on this environment."""
    command = [sys.executable, "-m", "pip_audit", "--local", "--skip-editable",
               "--progress-spinner", "off", "--format", "json"]
    for vuln_id in accepted:
        command += ["--ignore-vuln", vuln_id]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)  # noqa: S603
    if not result.stdout.strip():
        sys.exit("pip-audit failed:\n" + result.stderr)
    return json.loads(result.stdout)


def project_vulns(name: str, version: str):
    """PyPI's vulnerabilities of ``name`` if ``version`` is its newest release, else None."""
    try:
        with urllib.request.urlopen(f"{INDEX}/pypi/{name}/json", timeout=15) as reply:
            data = json.load(reply)
    except (urllib.error.URLError, OSError, ValueError):
        return None
    if data.get("info", {}).get("version") != version:
        return None
    return [{"id": v["id"], "fix_versions": v.get("fixed_in") or [], "aliases": v.get("aliases")}
            for v in data.get("vulnerabilities") or []]


def main() -> int:
    why = reachable()
    if why is not None:
        print(f"pip-audit skipped: index unreachable ({INDEX}: {why})")
        return 0
    accepted = ignored()
    report = pip_audit(accepted)
    found, not_audited, audited = [], [], 0
    unknown = [{"name": d["name"], "version": d.get("version") or metadata.version(d["name"])}
               for d in report["dependencies"]
               if "skip_reason" in d and "editable" not in d["skip_reason"]]
    for dep in report["dependencies"]:
        if "skip_reason" not in dep:
            audited += 1
            found += [(dep["name"], dep["version"], v) for v in dep["vulns"]]
    with ThreadPoolExecutor(8) as pool:
        fallback = pool.map(lambda d: project_vulns(d["name"], d["version"]), unknown)
        for dep, vulns in zip(unknown, fallback, strict=True):
            if vulns is None:
                not_audited.append(f"{dep['name']} {dep['version']}")
                continue
            audited += 1
            found += [(dep["name"], dep["version"], v) for v in vulns
                      if v["id"] not in accepted
                      and not set(v.get("aliases") or ()) & set(accepted)]
    print(f"pip-audit: {audited} packages audited, {len(not_audited)} not "
          f"(the index knows none of their releases' vulnerabilities), "
          f"{len(accepted)} accepted in {IGNORE_FILE.name}")
    if not_audited:
        print("  not audited: " + ", ".join(sorted(not_audited)))
    if audited == 0:
        print("pip-audit skipped: the index answered but could audit no package")
        return 0
    for name, version, vuln in found:
        fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
        print(f"  VULNERABLE {name} {version}: {vuln['id']} (fixed in: {fixed})")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
