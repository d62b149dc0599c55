"""What every area declares its views with: ``SimBlueprint``, the body parser, the auth decorators.

- ``parser``: webargs parser whose ``body`` location reads JSON, form, multipart or
  empty bodies alike (``body.py``), and whose validation status is 400, not 422.
- ``SimBlueprint``: flask-smorest's Blueprint with that parser, bodies documented as JSON
  or form, and each view's document built when the document is first asked for.
- ``token_required``, ``api_key_required``, ``token_optional``: the credentials a view
  needs, checked on the request's context and stated in the OpenAPI document.
"""

from __future__ import annotations

import inspect
from functools import wraps

from flask import current_app, request
from flask_smorest import Blueprint
from flask_smorest.utils import set_status_and_headers_in_response, unpack_tuple_response
from marshmallow import ValidationError, missing
from webargs.flaskparser import FlaskParser
from werkzeug.wrappers import Response

from vsee_sim.core.body import read_body
from vsee_sim.core.context import current_ctx
from vsee_sim.core.simflask import AfterTransaction
from vsee_sim.core.tenancy import check_api_key


class SimParser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400


parser = SimParser()


@parser.location_loader("body")
def _load_body(req, schema):
    return read_body(req)


class SimBlueprint(Blueprint):
    ARGUMENTS_PARSER = parser
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "body": "application/json",
    }

    def _store_endpoint_docs(self, endpoint, obj, parameters, tags, **options):
        """Kept for ``register_views_in_doc``: flask-smorest deep-copies each view's doc (its
        schemas included) as the view is declared, about a fifth of the start-up for a
        document that is built later, if ever (SimApi builds it on first use)."""
        self.__dict__.setdefault("_docs_to_store", []).append((endpoint, obj, parameters, tags, options))

    def register_views_in_doc(self, api, app, spec, *, name, parameters):
        for endpoint, obj, params, tags, options in self.__dict__.pop("_docs_to_store", []):
            super()._store_endpoint_docs(endpoint, obj, params, tags, **options)
        return super().register_views_in_doc(api, app, spec, name=name, parameters=parameters)

    def arguments(self, schema, *, location="json", required=None, **kwargs):
        """A body is required in the document only if the schema has a required field."""
        # One schema instance per route: webargs would build (and deep-copy) one per request.
        instance = schema() if isinstance(schema, type) else schema
        if required is None:
            required = location != "body" or any(f.required for f in instance.fields.values())
        documented = super().arguments(instance, location=location, required=required, **kwargs)
        if set(kwargs) - {"as_kwargs", "content_type", "description", "example", "examples"}:
            return documented  # webargs options (unknown, validate...): webargs' own path
        as_kwargs = kwargs.get("as_kwargs", False)
        parse = _parser_for(instance, location)

        def run(func):
            @wraps(func)
            def wrapper(*args, **kw):
                parsed = parse()
                if as_kwargs:
                    kw.update(parsed)
                else:
                    args += (parsed,)
                return func(*args, **kw)
            return wrapper
        return _documented_but_ours(documented, run)

    def response(self, status_code, schema=None, **kwargs):
        """flask-smorest's ``response``, documented by flask-smorest, run by ``_respond``."""
        documented = super().response(status_code, schema, **kwargs)
        instance = schema() if isinstance(schema, type) else schema
        # A record the API areas' views return is dumped under the namespace lock (a dump
        # that fails still undoes the view's writes); its JSON text and response are made
        # once the lock is released, so the namespace's other requests wait less. Safe
        # because a dump holds only values of records, and stored records (nested values
        # included) are never changed in place: a write stores a new dict (collection.py).
        after_the_lock = self.import_name.startswith("vsee_sim.api.")

        def run(func):
            @wraps(func)
            def wrapper(*args, **kw):
                rv = func(*args, **kw)
                if after_the_lock and type(rv) is dict:  # lists: JsonItems dumps them as it encodes
                    data = rv if instance is None else instance.dump(rv)
                    return AfterTransaction(lambda: current_app.json_response(data, status_code))
                return _respond(rv, instance, status_code)
            return wrapper
        return _documented_but_ours(documented, run)

    def _prepare_arguments_doc(self, doc, doc_info, *, api, spec, **kwargs):
        doc = super()._prepare_arguments_doc(doc, doc_info, api=api, spec=spec, **kwargs)
        # A body may be sent as JSON or as a form: say both.
        content = doc.get("requestBody", {}).get("content", {})
        if "application/json" in content and "application/x-www-form-urlencoded" not in content:
            content["application/x-www-form-urlencoded"] = dict(content["application/json"])
        if len(content) > 1 and doc["requestBody"].get("required"):
            # openapi-python-client 0.29 generates a module that fails to import (NameError:
            # Unset, its issue #1451) for a required body with two content types. Still true:
            # a request without a body is answered (a 400 naming the missing field).
            doc["requestBody"]["required"] = False
        return doc


def _documented_but_ours(documented, run):
    """A decorator whose view is documented by flask-smorest's (``documented``) and run by
    ours (``run(func)``); a coroutine view keeps flask-smorest's own."""
    def decorator(func):
        smorest_view = documented(func)
        if inspect.iscoroutinefunction(func):
            return smorest_view
        wrapper = run(func)
        wrapper._apidoc = smorest_view._apidoc
        return wrapper
    return decorator


def _parser_for(schema, location: str):
    """What webargs' ``use_args`` and flask-smorest's wrapper do at run time for one
    argument (load the location's data, ``schema.load`` it, a ValidationError to the
    parser's error handler), in one call rather than three layers: about a tenth of a
    ``POST /users/sso``. An empty query string is an empty mapping (no proxy made)."""
    load_location = parser._get_loader(location)
    unknown = parser.DEFAULT_UNKNOWN_BY_LOCATION.get(location)
    load_kwargs = {"unknown": unknown} if unknown else {}
    query = location in ("query", "querystring")

    def parse():
        req = request._get_current_object()
        try:
            if query and not req.environ.get("QUERY_STRING"):
                data = {}
            else:
                data = load_location(req, schema)
                if data is missing:
                    data = {}
            data = parser.pre_load(data, schema=schema, req=req, location=location)
            return schema.load(data, **load_kwargs)
        except ValidationError as error:
            parser._on_validation_error(error, req, schema, location, error_status_code=None,
                                        error_headers=None)
            raise  # not reached: the parser's error handler raises
    return parse


def _respond(rv, schema, status_code):
    """What flask-smorest's response wrapper makes of a view's return value (dumped by
    ``schema``, as JSON, with ``status_code`` unless the view says otherwise), built by
    ``SimFlask.json_response``. Not kept: the dump in ``g`` for ETags (none are used)."""
    rv, status, headers = unpack_tuple_response(rv) if type(rv) is tuple else (rv, None, None)
    if isinstance(rv, Response):
        set_status_and_headers_in_response(rv, status, headers)
        return rv
    data = rv if schema is None else getattr(schema, "dump_for_json", schema.dump)(rv)  # a list: JsonItems
    response = current_app.json_response(data, status_code if status is None else 200)
    set_status_and_headers_in_response(response, status, headers)
    return response


# -- auth decorators ------------------------------------------------------------------
def token_required(func):
    """The caller must send a live X-ApiToken (401 otherwise)."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        current_ctx().require_user()
        return func(*args, **kwargs)

    wrapper._apidoc = getattr(func, "_apidoc", {})
    wrapper._apidoc.setdefault("manual_doc", {}).setdefault("security", []).append({"ApiToken": []})
    return wrapper


def api_key_required(func):
    """The caller must send this account's X-ApiKey (X-ApiSecret checked when sent)."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        check_api_key(current_ctx())
        return func(*args, **kwargs)

    wrapper._apidoc = getattr(func, "_apidoc", {})
    # X-ApiKey alone, or with its X-ApiSecret (checked when sent)
    wrapper._apidoc.setdefault("manual_doc", {}).setdefault("security", []).extend(
        [{"ApiKey": [], "ApiSecret": []}, {"ApiKey": []}])
    return wrapper


def token_optional(func):
    """Documents a public view that also reads X-ApiToken when one is sent (nothing is checked)."""
    func._apidoc = getattr(func, "_apidoc", {})
    func._apidoc.setdefault("manual_doc", {})["security"] = [{"ApiToken": []}, {}]
    return func


# X-AccountCode is no credential: it names the clinic, and is documented as a header
# parameter of every api_v3 operation (vsee_sim/openapi).
SECURITY_SCHEMES = {
    "ApiToken": {"type": "apiKey", "in": "header", "name": "X-ApiToken",
                 "description": "The user's access token (from POST /users/sso or /users/login); "
                                "it lives 86400 s. The demo clinic's documented tokens never expire."},
    "ApiKey": {"type": "apiKey", "in": "header", "name": "X-ApiKey",
               "description": "The clinic's API key (demo clinic: vclinic_api_key)."},
    "ApiSecret": {"type": "apiKey", "in": "header", "name": "X-ApiSecret",
                  "description": "The clinic's API secret, checked when sent "
                                 "(demo clinic: vclinic_api_secret)."},
}
