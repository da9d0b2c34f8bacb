"""Every package the code imports directly is declared in setup.cfg, with bounds.

Walks the imports of ``telecentre/`` (``install_requires``) and ``agent/``
(standard library, plus the ``agent`` extra), maps each top-level module to
the distribution that provides it (``importlib.metadata``), and fails when one
is not declared, or declared without a lower bound. Run by ``make lint``.
"""
import ast
import configparser
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = {"telecentre", "agent", "tests"}
# Imported only inside a guard that tolerates their absence (optional features).
OPTIONAL = {"redis": "redis", "psutil": "agent", "tkinter": None, "winreg": None,
            "pywintypes": None, "win32api": None, "win32con": None, "win32ts": None}


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def declared() -> dict[str, dict[str, str]]:
    """{section: {distribution: requirement}} for install_requires and each extra."""
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    sections = {"install_requires": cfg["options"]["install_requires"]}
    sections.update(cfg["options.extras_require"])
    result = {}
    for section, text in sections.items():
        lines = [line.strip() for line in text.splitlines()
                 if line.strip() and not line.strip().startswith("#")]
        result[section] = {_name(line): line for line in lines}
    return result


def imports(folder: Path) -> set[str]:
    """Top-level modules imported anywhere under ``folder`` (absolute imports only)."""
    found = set()
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def main() -> int:
    sections = declared()
    runtime = sections["install_requires"]
    providers = packages_distributions()
    problems = []
    for folder, allowed in (("telecentre", runtime), ("agent", sections.get("agent", {}))):
        for module in sorted(imports(ROOT / folder)):
            if module in FIRST_PARTY or module in sys.stdlib_module_names:
                continue
            if module in OPTIONAL:
                extra = OPTIONAL[module]
                if extra and module not in sections.get(extra, {}):
                    problems.append(f"{folder}: {module} is optional but not in [{extra}]")
                continue
            dists = {d.lower().replace("_", "-") for d in providers.get(module, [])}
            if not dists:
                problems.append(f"{folder}: imports {module}, which no installed package provides")
            elif not dists & set(allowed):
                problems.append(f"{folder}: imports {module} ({', '.join(sorted(dists))}) "
                                "but does not declare it")
    for section, reqs in sections.items():
        for line in reqs.values():
            if not re.search(r">=|~=|==", line):
                problems.append(f"[{section}] {line}: give it a lower bound")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"dependencies: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
