"""Sign-up, sign-in, confirmation and password reset pages."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from sunshine.accounts import devices, forms, services
from sunshine.accounts.tokens import TokenError
from sunshine.authz import Permission, can
from sunshine.crypto import cipher
from sunshine.extensions import limiter
from sunshine.safe_redirect import safe_next

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _failed(response) -> bool:
    return response.status_code >= 400


def _account_key() -> str:
    """Rate-limit key for the account being tried, so one address is not guessed from many IPs.

    A browser that signed in to that account before (a valid device cookie for it) is keyed on
    its own, so strangers' failures lock out strangers' browsers and never the owner's.
    """
    email = request.form.get("email", "")
    nonce = devices.device_nonce(request.cookies.get(devices.COOKIE_NAME), email)
    if nonce is not None:
        return "dev:" + nonce
    return "acct:" + cipher().blind_index(email)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ACCOUNT_FORM_RATE_LIMIT"], methods=["POST"])
def register():
    form = forms.RegisterForm()
    if form.validate_on_submit():
        try:
            services.register_requester(form.email.data, form.full_name.data, form.password.data)
        except services.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            return redirect(url_for("accounts.check_email"))
    status = 400 if form.errors else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/check-email")
def check_email():
    return render_template("accounts/check_email.html")


@bp.route("/confirm/<token>")
def confirm_email(token: str):
    try:
        services.confirm_email(token)
    except TokenError as exc:
        return render_template("accounts/resend.html", form=forms.EmailOnlyForm(), error=str(exc)), 400
    flash("Your email address is confirmed. You can sign in now.", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/confirm", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ACCOUNT_FORM_RATE_LIMIT"], methods=["POST"])
def resend_confirmation():
    form = forms.EmailOnlyForm()
    if form.validate_on_submit():
        services.resend_confirmation(form.email.data)
        return redirect(url_for("accounts.check_email"))
    return render_template("accounts/resend.html", form=form, error=None), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = forms.LoginForm()
    error = None
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data)
        if result.user is not None:
            # A new session: nothing the browser held before (another person's opened requests,
            # a value planted by someone else) carries over into the signed-in one.
            session.clear()
            login_user(result.user)
            flash(f"Signed in as {result.user.full_name}.", "success")
            response = redirect(safe_next(request.args.get("next")) or _home_for(result.user))
            devices.remember_device(response, result.user.email_index)
            return response
        error = result.error
    status = 401 if error else 400 if form.errors else 200
    return render_template("accounts/login.html", form=form, error=error), status


def _home_for(user) -> str:
    """Where each starts: custodians at their queue, counsel at the overdue deadlines, other staff
    at the workspace, requesters at their requests."""
    if can(user, Permission.WORK_RECORDS_QUEUE):
        return url_for("deadlines.queue")
    if can(user, Permission.HEAR_APPEALS):
        return url_for("deadlines.overdue")
    if can(user, Permission.USE_STAFF_WORKSPACE):
        return url_for("public.workspace")
    return url_for("records.my_requests")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.sign_out_everywhere(current_user)  # a copy of this session's cookie stops working too
    logout_user()
    session.clear()  # the next person at this browser inherits nothing
    flash("You are signed out.", "success")
    return redirect(url_for("public.home"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ACCOUNT_FORM_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    form = forms.EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash("If an account uses that address, we have sent it a link to set a new password.", "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form, error=None), 400 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.reset_token_user(token)  # a used or expired link is said at once, not after typing
    except TokenError as exc:
        return render_template("accounts/forgot.html", form=forms.EmailOnlyForm(), error=str(exc)), 400
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except TokenError as exc:  # used in another tab meanwhile
            return render_template("accounts/forgot.html", form=forms.EmailOnlyForm(), error=str(exc)), 400
        except services.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            flash("Your password is set. Sign in with it now.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form), 400 if form.errors else 200


@bp.route("/")
@login_required
def profile():
    return render_template("accounts/profile.html")
