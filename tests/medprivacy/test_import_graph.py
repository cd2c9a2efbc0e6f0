"""The apps import each other in one direction: `python -m medprivacy.import_graph` proves it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from medprivacy import import_graph


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return root


def test_the_project_has_no_app_level_import_cycle():
    result = subprocess.run([sys.executable, "-m", "medprivacy.import_graph"], cwd=import_graph.ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "No import cycle between apps." in result.stdout
    assert "subjects -> medprivacy\n" in result.stdout  # the data subject imports no other app


def test_a_cycle_through_an_import_inside_a_function_is_found(tmp_path):
    root = _tree(tmp_path, {
        "subjects/__init__.py": "",
        "subjects/models.py": "def late():\n    from requests_app.models import Case\n",
        "requests_app/__init__.py": "",
        "requests_app/models.py": "from subjects.models import DataSubject\n",
    })
    graph, cycle, found = import_graph.check(root)
    assert graph["subjects"] == {"requests_app"} and graph["requests_app"] == {"subjects"}
    assert cycle in (["subjects", "requests_app", "subjects"], ["requests_app", "subjects", "requests_app"])
    assert {edge.where for edge in found} == {"subjects/models.py:2", "requests_app/models.py:1"}


def test_the_composition_root_may_import_every_app_but_nothing_may_import_it(tmp_path):
    files = {
        "medprivacy/__init__.py": "",
        "medprivacy/urls.py": "from requests_app import views\n",
        "medprivacy/clock.py": "",
        "requests_app/__init__.py": "",
        "requests_app/views.py": "from medprivacy import clock\n",
    }
    assert import_graph.check(_tree(tmp_path / "ok", files))[1] is None
    files["requests_app/views.py"] = "from medprivacy import clock, urls\n"
    assert import_graph.check(_tree(tmp_path / "bad", files))[1] is not None


def test_tests_and_migrations_are_not_part_of_the_graph(tmp_path):
    root = _tree(tmp_path, {
        "subjects/__init__.py": "",
        "subjects/migrations/0001_x.py": "from requests_app import models\n",
        "requests_app/__init__.py": "",
        "requests_app/models.py": "import subjects.models\n",
    })
    assert import_graph.check(root)[1] is None
