"""Jinja set-up: our templates first, then GOV.UK Frontend's macros under their prefixes."""

from __future__ import annotations

import threading
from collections import ChainMap, OrderedDict
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask.templating import Environment as FlaskEnvironment
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup

from feedback.cache import stale_since
from feedback.security import CHARTJS_CDN_HOST, csp_nonce


class _Globals(ChainMap):
    """A template's globals, whose keys are a plain ``dict_keys`` when nothing overlays them.

    Every ``{% from ... import %}`` (GOV.UK Frontend's macros run dozens per page,
    many inside other macros) subtracts the imported template's global keys from
    the importer's. Over a ``ChainMap`` that is a Python-level loop of chained
    lookups, about a fifth of the time it takes to render a question page; over
    ``dict_keys`` it is one C-level set operation. The mapping is still a live
    view of the environment's globals, so nothing else changes.
    """

    def keys(self):
        if len(self.maps) == 2 and not self.maps[0]:
            return self.maps[1].keys()
        return super().keys()


class Environment(FlaskEnvironment):
    """Flask's Jinja environment with :class:`_Globals` for each template's globals."""

    def make_globals(self, d):
        return _Globals(d if d is not None else {}, self.globals)


class App(Flask):
    """The Flask app class: Flask's own, with the faster template globals."""

    jinja_environment = Environment


def _frozen(value: Any) -> Hashable:
    """A hashable key for macro parameters; markup and text stay apart, as they render apart."""
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("seq", tuple(_frozen(v) for v in value))
    if isinstance(value, str):
        return (isinstance(value, Markup), value)
    return value


class Components:
    """GOV.UK Frontend component macros called from Python, remembered per exact parameters.

    The macros are pure functions of their parameters, and a question page's
    radios, checkboxes and boxes are the same for every family who has not yet
    answered: rendering them is about half the work of a respondent page.
    Templates call ``component("radios", params)``; pass ``remember=False``
    when the parameters carry what a person typed, which is never kept.
    """

    MACROS = {
        "radios": "govukRadios",
        "checkboxes": "govukCheckboxes",
        "character-count": "govukCharacterCount",
    }

    def __init__(self, env, max_entries: int = 1024) -> None:
        self.env = env
        self.max_entries = max_entries
        self._rendered: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def _macro(self, name: str):
        path = f"govuk_frontend_jinja/components/{name}/macro.html"
        return getattr(self.env.get_template(path).module, self.MACROS[name])

    def __call__(self, name: str, params: Mapping[str, Any], remember: bool = True) -> Markup:
        if not remember:
            return Markup(self._macro(name)(params))
        key = (name, _frozen(params))
        with self._lock:
            html = self._rendered.get(key)
            if html is not None:
                self._rendered.move_to_end(key)
                return html
        html = Markup(self._macro(name)(params))
        with self._lock:
            self._rendered[key] = html
            while len(self._rendered) > self.max_entries:
                self._rendered.popitem(last=False)
        return html


def init_templating(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(app.template_folder),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    # GOV.UK Frontend's macros test optional parameters by reading missing keys
    # (``params.classes``), so StrictUndefined cannot be used; the page-checking test
    # client catches what it would have (a missing title, an empty heading).
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    chartjs = chartjs_tag(Path(app.static_folder), app.config["CHARTJS_SOURCE"])

    from feedback.staff.nav import staff_nav

    app.add_template_global(staff_nav)
    # Staff pages say when cached figures were served while new answers are added.
    app.add_template_global(stale_since, "results_stale_since")
    app.add_template_global(Components(app.jinja_env), "component")
    # A global, not only context: ``chart_scripts()`` is imported without context.
    app.add_template_global(chartjs, "chartjs")

    @app.context_processor
    def _globals():
        return {
            "cspNonce": csp_nonce(),
            "service_name": app.config["SERVICE_NAME"],
            "local_area": app.config["LOCAL_AREA"],
            "chartjs": chartjs,
        }


def chartjs_tag(static: Path, source: str) -> dict[str, str | None]:
    """Where to load Chart.js from: the pinned CDN file with its SRI hash, or our copy."""
    version = (static / "vendor" / "CHARTJS_VERSION").read_text().strip()
    if source == "cdn":
        return {
            "src": f"{CHARTJS_CDN_HOST}/npm/chart.js@{version}/dist/chart.umd.min.js",
            "integrity": (static / "vendor" / "chartjs.sri").read_text().strip(),
        }
    if source != "local":
        raise ValueError(f"CHARTJS_SOURCE must be 'cdn' or 'local', not {source!r}")
    return {"src": "/static/vendor/chart.umd.min.js", "integrity": None}
