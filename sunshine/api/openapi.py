"""The OpenAPI 3.1 document, generated from the pydantic models the routes use."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from sunshine.api.schemas import (
    Error,
    RequestCreated,
    RequestIn,
    RequestStatus,
    StaffRequestDetail,
    StaffRequestIn,
    StaffRequestList,
)
from sunshine.records.access import TRACKING_NUMBER

TRACKING_PATTERN = f"^{TRACKING_NUMBER.pattern}$"
TRACKING_PARAMETER = {
    "name": "tracking_number",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": TRACKING_PATTERN},
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(description: str, model: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}},
    }


def build_spec(server_url: str) -> dict[str, Any]:
    _, schemas = models_json_schema(
        [
            (m, "validation" if m in (RequestIn, StaffRequestIn) else "serialization")
            for m in (
                RequestIn,
                StaffRequestIn,
                RequestCreated,
                RequestStatus,
                StaffRequestList,
                StaffRequestDetail,
                Error,
            )
        ],
        ref_template="#/components/schemas/{model}",
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sunshine records requests API",
            "version": "1.0.0",
            "description": "File Missouri Sunshine Law records requests and follow them.",
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/requests": {
                "post": {
                    "operationId": "fileRequest",
                    "summary": "File a records request",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/RequestIn"}}
                        },
                    },
                    "responses": {
                        "201": _ok("Filed. Keep the access token: it is shown once.", "RequestCreated"),
                        "400": _error(
                            "The body is not valid JSON, or a field is not valid; the message says which."
                        ),
                        "413": _error("The body is too large."),
                        "415": _error("The body must be sent as application/json."),
                        "429": _error("Too many requests from this address; wait and try again."),
                        "503": _error("The office is not set up to take requests yet."),
                    },
                },
            },
            "/requests/{tracking_number}": {
                "get": {
                    "operationId": "getRequest",
                    "summary": "The public status of a request, to the holder of its access token",
                    "security": [{"accessToken": []}],
                    "parameters": [TRACKING_PARAMETER],
                    "responses": {
                        "200": _ok("The request's public status.", "RequestStatus"),
                        "404": _error(
                            "No such request, or the token does not open it (the same answer for both)."
                        ),
                    },
                },
            },
            "/staff/requests": {
                "post": {
                    "operationId": "keyInRequest",
                    "summary": "Key in a request that came by email, mail, fax, phone or in person",
                    "security": [{"staffToken": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/StaffRequestIn"}}
                        },
                    },
                    "responses": {
                        "201": _ok(
                            "Recorded. Give the status link to the requester: it is shown once.",
                            "RequestCreated",
                        ),
                        "400": _error(
                            "The body is not valid JSON, a field is not valid, or a date is in the future "
                            "or out of order; the message says which."
                        ),
                        "401": _error("No valid staff token was sent."),
                        "403": _error(
                            "The token's holder does not work the queue of the unit requests are filed at."
                        ),
                        "413": _error("The body is too large."),
                        "415": _error("The body must be sent as application/json."),
                        "503": _error("The office is not set up to take requests yet."),
                    },
                },
                "get": {
                    "operationId": "listStaffRequests",
                    "summary": "Open requests in the token holder's units, soonest due first, in pages",
                    "security": [{"staffToken": []}],
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "description": "Requests per page (default 100).",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                        },
                        {
                            "name": "after",
                            "in": "query",
                            "description": "The `next` value of the page before.",
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": _ok("A page of open requests.", "StaffRequestList"),
                        "400": _error("The limit or the place to continue from is not valid."),
                        "401": _error("No valid staff token was sent."),
                        "403": _error("The token's holder does not work a records queue."),
                    },
                },
            },
            "/staff/requests/{tracking_number}": {
                "get": {
                    "operationId": "getStaffRequest",
                    "summary": "One request in the token holder's units, with its personal data (audited)",
                    "security": [{"staffToken": []}],
                    "parameters": [TRACKING_PARAMETER],
                    "responses": {
                        "200": _ok("The request as its custodian sees it.", "StaffRequestDetail"),
                        "401": _error("No valid staff token was sent."),
                        "403": _error("The token's holder does not work a records queue."),
                        "404": _error("No such request in the units of the token's holder."),
                    },
                },
            },
        },
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {
                "accessToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A request's access token.",
                },
                "staffToken": {"type": "http", "scheme": "bearer", "description": "A staff API token."},
            },
        },
    }
