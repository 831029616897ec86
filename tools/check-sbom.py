#!/usr/bin/env python3
"""Checks a CycloneDX JSON SBOM of dist/ (`make dist` runs it on both).

    tools/check-sbom.py SBOM.cdx.json NAME LINKED.txt

- valid against the CycloneDX JSON schema of its own specVersion, which must be 1.5 or newer
  (the schemas shipped in cyclonedx-python-lib, strict: no member the schema does not define);
- it describes NAME (metadata.component.name);
- more than 100 components, each with a version and a license;
- every crate the binary links (LINKED.txt: `name vX.Y.Z` lines of `cargo tree -p NAME -e normal
  --prefix none` for the release target) is a component with that version: nothing is missing.

The SBOM may list a few crates more than the binary links: cargo-cyclonedx reads `cargo
metadata`, which resolves features for the whole workspace, dev-dependencies included. The
surplus is printed, not failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

MIN_SPEC = (1, 5)
MIN_COMPONENTS = 100


def linked(path: Path, name: str) -> set[tuple[str, str]]:
    """(crate, version) of every line of a `cargo tree --prefix none` listing but NAME itself."""
    crates = set()
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].startswith("v") and parts[0] != name:
            crates.add((parts[0], parts[1][1:]))
    return crates


def check(sbom_path: Path, name: str, linked_path: Path) -> list[str]:
    text = sbom_path.read_text()
    bom = json.loads(text)
    problems = []
    if bom.get("bomFormat") != "CycloneDX":
        return [f"bomFormat is {bom.get('bomFormat')!r}, not CycloneDX"]
    spec = tuple(int(part) for part in str(bom.get("specVersion", "0.0")).split("."))
    if spec < MIN_SPEC:
        return [f"specVersion {bom.get('specVersion')} is older than 1.5"]
    error = JsonStrictValidator(SchemaVersion.from_version(bom["specVersion"])).validate_str(text)
    if error is not None:
        problems.append(f"not valid CycloneDX {bom['specVersion']}: {error}")
    described = bom.get("metadata", {}).get("component", {}).get("name")
    if described != name:
        problems.append(f"describes {described!r}, not {name!r}")
    components = bom.get("components", [])
    if len(components) <= MIN_COMPONENTS:
        problems.append(f"{len(components)} components, expected more than {MIN_COMPONENTS}")
    for component in components:
        if not component.get("version"):
            problems.append(f"component {component.get('name')} has no version")
        if not component.get("licenses"):
            problems.append(f"component {component.get('name')} has no license")
    listed = {(c.get("name"), c.get("version")) for c in components}
    crates = linked(linked_path, name)
    missing = sorted(crates - listed)
    if missing:
        problems.append("linked but not listed: " + ", ".join(f"{n} {v}" for n, v in missing))
    surplus = sorted(listed - crates)
    print(f"check-sbom: {sbom_path.name}: CycloneDX {bom['specVersion']}, {len(components)} components "
          f"with versions and licenses, all {len(crates)} linked crates listed"
          + (f"; {len(surplus)} more from workspace feature unification" if surplus else ""))
    return problems


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
    for problem in problems:
        print(f"check-sbom: {sys.argv[1]}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
