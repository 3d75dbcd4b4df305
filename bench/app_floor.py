"""The middle line bench/intake.py prints: bench/bare_app.py's one insert, inside the Sunshine app.

The same work as the bare route (parse the JSON body, insert one row into ``bare_request``,
commit, answer 201 with the new id), registered on the full Sunshine app, so everything
the app does around any request runs around it as around the API's intake: its
extensions, sign-in and session handling, error handlers, security headers, and
Flask-SQLAlchemy's session and pool. Intake / bare then splits in two: what the app's
own request machinery costs, and what filing a request costs on top of it.

    gunicorn --chdir bench app_floor:app    # with the environment bench/intake.py gives the app

The table ``bare_request`` (created by bench/intake.py, ``BARE_TABLE``) must exist.
"""

from __future__ import annotations

from bare_app import INSERT
from flask import jsonify, request

from sunshine import create_app
from sunshine.extensions import csrf, db

app = create_app()


@csrf.exempt  # a JSON route, as the API is
def insert_one():
    data = request.get_json()
    new_id = db.session.execute(
        INSERT, {"description": data["description"], "email": data.get("contact", {}).get("email")}
    ).scalar_one()
    db.session.commit()
    return jsonify(id=new_id), 201


app.add_url_rule("/bench/insert", view_func=insert_one, methods=["POST"])
