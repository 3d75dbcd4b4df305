"""The ceiling bench/intake.py measures the API against: a bare Flask route doing one insert.

It parses the same JSON body, inserts one row into a one-table schema in the same
PostgreSQL through a pooled SQLAlchemy Core connection, commits, and answers 201
with the new id. Nothing else: no validation, sessions, encryption, audit or queue.

    BARE_DATABASE_URL=postgresql+psycopg://... gunicorn --chdir bench bare_app:app

The table ``bare_request`` (created by bench/intake.py, ``BARE_TABLE``) must exist.
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

INSERT = text(
    "INSERT INTO bare_request (description, contact_email) VALUES (:description, :email) RETURNING id"
)

app = Flask(__name__)
# Built at import, which gunicorn (without --preload) does in each worker: no connection crosses a fork.
engine = create_engine(os.environ["BARE_DATABASE_URL"])


@app.post("/requests")
def file_request():
    data = request.get_json()
    with engine.begin() as conn:
        new_id = conn.execute(
            INSERT, {"description": data["description"], "email": data.get("contact", {}).get("email")}
        ).scalar_one()
    return jsonify(id=new_id), 201
