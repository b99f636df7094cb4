"""``oshara users create``: ``--org`` always makes a new organization; ``--join-org ID``
adds to an existing one explicitly; ``oshara orgs`` lists the ids."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_cli import _run


def test_users_create_never_joins_by_name_and_joins_by_id(tmp_path: Path) -> None:
    assert _run(tmp_path, "migrate").returncode == 0
    first = _run(
        tmp_path,
        "users",
        "create",
        "--email",
        "a@acme.example",
        "--password",
        "pw-123456",
        "--org",
        "Acme",
    )
    assert first.returncode == 0, first.stderr
    second = _run(
        tmp_path,
        "users",
        "create",
        "--email",
        "b@acme.example",
        "--password",
        "pw-123456",
        "--org",
        "Acme",
    )
    assert second.returncode == 0, second.stderr
    ids = [re.search(r"\(([0-9a-f-]{36})\) as owner", r.stdout) for r in (first, second)]
    assert ids[0] and ids[1] and ids[0][1] != ids[1][1], (first.stdout, second.stdout)
    acme = ids[0][1]
    joined = _run(
        tmp_path,
        "users",
        "create",
        "--email",
        "c@acme.example",
        "--password",
        "pw-123456",
        "--join-org",
        acme,
        "--role",
        "admin",
    )
    assert joined.returncode == 0, joined.stderr
    assert f"({acme}) as admin" in joined.stdout
    listing = _run(tmp_path, "orgs")
    assert listing.returncode == 0, listing.stderr
    rows = {line.split()[0]: line.split()[1] for line in listing.stdout.splitlines()}
    assert rows[acme] == "2" and rows[ids[1][1]] == "1"
    unknown = _run(
        tmp_path,
        "users",
        "create",
        "--email",
        "d@acme.example",
        "--password",
        "pw-123456",
        "--join-org",
        "00000000-0000-0000-0000-000000000000",
    )
    assert unknown.returncode != 0 and "not found" in unknown.stderr
    both = _run(
        tmp_path,
        "users",
        "create",
        "--email",
        "e@acme.example",
        "--password",
        "pw-123456",
        "--org",
        "X",
        "--join-org",
        acme,
    )
    assert both.returncode != 0 and "not both" in both.stderr
