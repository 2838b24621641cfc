"""Run by labelstudio_setup.sh with the Label Studio venv's Python (never the repo's venv).

Creates annotators and their legacy tokens through Django, starts `label-studio start` on
127.0.0.1, creates the project, imports the items in chunks, stops the server, writes ls.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

LABEL_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="label" toName="text" choice="single">
    <Choice value="positive"/>
    <Choice value="negative"/>
  </Choices>
</View>"""


def annotators(n: int) -> list[str]:
    import label_studio

    sys.path.insert(0, os.path.dirname(label_studio.__file__))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings.label_studio")
    import django

    django.setup()
    from organizations.models import Organization
    from rest_framework.authtoken.models import Token
    from users.models import User

    org = Organization.objects.first()
    tokens = []
    for i in range(n):
        email = f"annotator-{i}@example.org"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password="bench password 123")
        org.add_user(user)
        user.active_organization = org
        user.save()
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    return tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--venv", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--annotators", type=int, required=True)
    parser.add_argument("--admin-token", required=True)
    parser.add_argument("--chunk", type=int, default=10_000)
    args = parser.parse_args()
    work = Path(args.work)
    tokens = annotators(args.annotators)

    import requests  # a dependency of label-studio

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (work / "setup-server.log").open("wb")
    cmd = [
        f"{args.venv}/bin/label-studio",
        "start",
        "--internal-host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-browser",
        "--data-dir",
        str(work / "data"),
    ]
    env = dict(os.environ, LATEST_VERSION_CHECK="false", COLLECT_ANALYTICS="false")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        for _ in range(900):
            if server.poll() is not None:
                raise SystemExit(f"label-studio exited {server.returncode}; see {log.name}")
            try:
                if requests.get(url + "/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        h = {"Authorization": f"Token {args.admin_token}"}
        r = requests.post(
            url + "/api/projects",
            headers=h,
            timeout=60,
            json={"title": f"serving {args.items}", "label_config": LABEL_CONFIG},
        )
        r.raise_for_status()
        project_id = r.json()["id"]
        rows = [json.loads(line) for line in (work / f"items-{args.items}.jsonl").open()]
        started = time.perf_counter()
        for i in range(0, len(rows), args.chunk):
            chunk = [
                {"data": {"text": x["text"], "external_id": x["external_id"]}}
                for x in rows[i : i + args.chunk]
            ]
            r = requests.post(
                f"{url}/api/projects/{project_id}/import?commit_to_project=true",
                headers=h,
                json=chunk,
                timeout=1800,
            )
            r.raise_for_status()
            print(
                f"imported {i + len(chunk):,} tasks ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
        r = requests.get(f"{url}/api/projects/{project_id}", headers=h, timeout=60)
        count = r.json().get("task_number")
        version = requests.get(url + "/api/version", headers=h, timeout=60).json()
        ls_version = version.get("label-studio-os-package", {}).get("version") or version.get(
            "release", "?"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    spec = {
        "venv": args.venv,
        "data_dir": str(work / "data"),
        "project_id": project_id,
        "items": args.items,
        "admin_token": args.admin_token,
        "auth_scheme": "Token",
        "annotator_tokens": tokens,
        "version": ls_version,
        "task_number": count,
        "import_seconds": round(time.perf_counter() - started, 1),
    }
    (work / "ls.json").write_text(json.dumps(spec, indent=1))
    print(f"wrote {work / 'ls.json'}: project {project_id}, {count} tasks, LS {ls_version}")


if __name__ == "__main__":
    main()
