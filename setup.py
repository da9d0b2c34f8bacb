"""Packaging: everything but the file list lives in setup.cfg.

``templates/`` and ``migrations/`` stay at the top of the repository (the
layout the project asks for) and are carried into the wheel as the packages
``telecentre._data.templates`` and ``telecentre._data.migrations``, where
``telecentre.template_folder()`` and ``migrations_folder()`` look first.
Feature folders that hold only data (translations, static files) are
namespace packages, so setuptools installs them without warning. The build
compiles every ``messages.po`` into its ``messages.mo`` (with Babel, a build
requirement in pyproject.toml), so a wheel made from a clean checkout is
translated.
"""
from pathlib import Path

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _data_packages(folder: str) -> dict:
    """Map ``telecentre._data.<folder>[.<sub>…]`` to every directory under ``folder``."""
    mapping = {}
    for path in [ROOT / folder, *sorted((ROOT / folder).rglob("*"))]:
        if path.is_dir() and path.name != "__pycache__":
            relative = path.relative_to(ROOT)
            mapping[".".join(("telecentre", "_data", *relative.parts))] = relative.as_posix()
    return mapping


class BuildWithCatalogues(build_py):
    """``build_py`` that also compiles the translation catalogues into the build."""

    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
        for po in Path(self.build_lib).glob("telecentre/**/translations/*/LC_MESSAGES/*.po"):
            with po.open("rb") as fh:
                catalog = read_po(fh)
            with po.with_suffix(".mo").open("wb") as fh:
                write_mo(fh, catalog)


DATA = {**_data_packages("templates"), **_data_packages("migrations")}
PACKAGES = find_namespace_packages(
    include=["telecentre", "telecentre.*", "agent", "agent.*"],
    exclude=["*.__pycache__"]) + sorted(DATA)

setup(
    packages=PACKAGES,
    package_dir=DATA,
    package_data={name: ["*"] for name in DATA} | {
        "telecentre": ["**/*.po", "**/*.mo", "**/*.css", "**/*.js", "**/*.svg", "**/*.csv",
                       "**/*.yaml"]},
    exclude_package_data={"": ["__pycache__/*", "*.pyc"]},
    cmdclass={"build_py": BuildWithCatalogues},
)
