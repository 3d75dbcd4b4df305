"""The home page for the public, and the staff workspace."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from sunshine.authz import ROLE_PERMISSIONS, Permission, requires

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    return render_template("public/home.html", body_name=current_app.config["PUBLIC_BODY_NAME"])


@bp.route("/staff/")
@requires(Permission.USE_STAFF_WORKSPACE)
def workspace():
    assignments = [a for a in current_user.role_assignments if a.role.is_staff]
    permissions = set().union(*(ROLE_PERMISSIONS[a.role] for a in assignments))
    return render_template(
        "public/workspace.html", assignments=assignments, permissions=permissions, Permission=Permission
    )
