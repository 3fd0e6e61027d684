"""Templates follow the apps' layers, as the code does (pyproject.toml's import-linter contracts).

A template under templates/<app>/ (or templates/admin/<app>/) loads tag libraries of its own app or of
apps to its left, never of an app to its right: a page's data comes from its view, and a library of an
app to the right would be that app's code running inside a page that may not import it (catalog's
section page once loaded progress_tags and ran progress's queries). Templates shared by every page
(base.html, includes/, the error pages) load no app's library at all. Django's and third-party
libraries (i18n, static, partials, django_htmx...) are loaded anywhere.

The same holds for the templates a template includes or extends (by a literal name): its own app's, those
of apps to its left, or shared ones. The home and section pages show several apps' partials, so they live
in templates/pages/, beside quizapp/pages.py, the top layer.
"""

import re
import tomllib
from pathlib import Path

from django.conf import settings
from django.template.backends.django import get_installed_libraries

LOAD = re.compile(r"{%\s*load\s+(.*?)\s*%}")
USES = re.compile(r"""{%\s*(?:include|extends)\s+["']([^"']+)["']""")


def app_order() -> list[str]:
    """The apps from left (the base) to right, read from the import-linter layers contract."""
    config = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    # "pages | lti": independent apps on one level, listed here side by side.
    return [app.strip() for layer in reversed(contract["layers"]) for app in layer.split("|")]


def library_apps() -> dict[str, str]:
    """Each installed tag library of the project's apps, by its {% load %} name, with the app holding it."""
    return {name: module.split(".")[1] for name, module in get_installed_libraries().items()
            if module.startswith("quizapp.")}


def loaded_libraries(source: str) -> list[str]:
    """The libraries a template's {% load %} tags name: `{% load a b %}` and `{% load x y from a %}`."""
    names = []
    for args in LOAD.findall(source):
        words = args.split()
        names += words[-1:] if "from" in words else words
    return names


def owner(path: str, apps: list[str]) -> str | None:
    """The app a template belongs to by its folder (admin/<app>/... too); None for those shared by all."""
    parts = path.split("/")
    if parts[0] == "admin" and len(parts) > 2:
        parts = parts[1:]
    return parts[0] if len(parts) > 1 and parts[0] in apps else None


def breaches(path: str, source: str, libraries: dict[str, str], apps: list[str]) -> list[str]:
    """Why the template at `path` (relative to its templates folder) breaks the layers; [] if it does not."""
    app = owner(path, apps)
    found = []
    for name in loaded_libraries(source):
        lib_app = libraries.get(name)
        if lib_app is None:  # Django's or a third-party library
            continue
        if app is None:
            found.append(f"{path} loads {name} ({lib_app}): shared by every app, it loads no app's tags")
        elif apps.index(lib_app) > apps.index(app):
            found.append(f"{path} loads {name} ({lib_app}), an app to the right of {app}")
    for used in USES.findall(source):
        used_app = owner(used.split("#")[0], apps)
        if used_app is None:  # base.html, includes/, Django's admin templates
            continue
        if app is None:
            found.append(f"{path} uses {used} ({used_app}): shared by every app, it uses no app's templates")
        elif apps.index(used_app) > apps.index(app):
            found.append(f"{path} uses {used} ({used_app}), an app to the right of {app}")
    return found


def project_templates() -> dict[str, str]:
    """Every template of the project, by its path relative to its templates folder."""
    folders = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    folders += sorted(Path(settings.BASE_DIR, "quizapp").glob("*/templates"))
    return {str(f.relative_to(folder)): f.read_text()
            for folder in folders for f in sorted(folder.rglob("*.html"))}


def test_no_template_loads_tags_of_an_app_to_its_right():
    apps, libraries = app_order(), library_apps()
    templates = project_templates()
    assert "pages/section.html" in templates and len(templates) > 40  # it reads the real folder
    assert {"catalog_tags", "progress_tags", "cards_tags"} <= libraries.keys()
    found = [b for path, source in templates.items() for b in breaches(path, source, libraries, apps)]
    assert found == []


def test_it_catches_the_breaches_it_was_written_for():
    """catalog/home.html loaded quiz_tags and catalog/section.html loaded progress_tags (issue 16); the lines
    as they were, with the libraries as they were installed, fail the check."""
    apps = app_order()
    libraries = {**library_apps(), "quiz_tags": "quizzes", "progress_tags": "progress"}
    assert breaches("catalog/home.html", "{% load quiz_tags %}{% open_quiz user %}", libraries, apps) == [
        "catalog/home.html loads quiz_tags (quizzes), an app to the right of catalog"]
    old_line = "    {% load progress_tags %}{% section_history user section %}"
    assert breaches("catalog/section.html", old_line, libraries, apps) == [
        "catalog/section.html loads progress_tags (progress), an app to the right of catalog"]
    assert breaches("includes/mastery_call.html", "{% load static catalog_tags %}", libraries, apps) == [
        "includes/mastery_call.html loads catalog_tags (catalog): "
        "shared by every app, it loads no app's tags"]
    chart_only = "{% load i18n chart from progress_tags %}"
    assert breaches("admin/catalog/move.html", chart_only, libraries, apps) != []


def test_it_catches_a_page_that_includes_another_apps_partial_from_the_left():
    """catalog/section.html included progress's record partial once the tags were gone (issue 16's review):
    a catalog page showing progress's data; pages/ may, being the top layer."""
    apps, libraries = app_order(), library_apps()
    line = '{% include "progress/_section_history.html" with progress=record.progress only %}'
    assert breaches("catalog/section.html", line, libraries, apps) == [
        "catalog/section.html uses progress/_section_history.html (progress), an app to the right of catalog"]
    assert breaches("pages/section.html", line, libraries, apps) == []
    assert breaches("includes/confirm_post.html", '{% include "quizzes/question.html#feedback_answers" %}',
                    libraries, apps) != []
    assert breaches("quizzes/summary.html", '{% extends "base.html" %}{% include "catalog/x.html" %}',
                    libraries, apps) == []


def test_an_app_loads_its_own_tags_and_those_of_apps_to_its_left():
    apps = app_order()
    libraries = library_apps()
    review = "{% load static tz partials catalog_tags cards_tags %}"
    assert breaches("cards/review.html", review, libraries, apps) == []
    assert breaches("classes/learner.html", "{% load progress_tags %}", libraries, apps) == []
    assert breaches("admin/catalog/import.html", "{% load i18n admin_urls static catalog_tags %}",
                    libraries, apps) == []


def test_only_a_types_feedback_partial_names_what_its_type_gives_it():
    """What a type's `feedback()` adds to the generic feedback (yours, correct_answer) is shown by its partial
    templates/quizzes/types/<type>_feedback.html alone: a page listing answers (a teacher's review) passes the
    whole feedback context on (`{% feedback_answers %}`), so a new type's extras reach it too."""
    templates = project_templates()
    extras = set()
    for path, source in templates.items():
        if re.fullmatch(r"quizzes/types/\w+_feedback\.html", path):
            extras |= set(re.findall(r"{%\s*(?:if|for [\w, ]+ in)\s+(\w+)", source))
    extras -= {"answer_of", "not", "differs", "in_place"}
    assert {"partly_right", "near_miss", "also_accepted", "compare_rows"} <= extras
    named = {(path, extra) for path, source in templates.items() if not path.startswith("quizzes/types/")
             for extra in extras if re.search(rf"\b{extra}\b", source)}
    assert named == set()
