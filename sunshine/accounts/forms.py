"""Account forms. Field rules here; account rules in services."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from sunshine.accounts.passwords import MIN_PASSWORD_LENGTH
from sunshine.forms import BrowserForm

EMAIL = [
    InputRequired("Enter your email address."),
    Email("Enter an email address like name@example.org."),
    Length(max=254),
]
NEW_PASSWORD = [
    InputRequired("Choose a password."),
    Length(min=MIN_PASSWORD_LENGTH, max=256, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."),
]


class RegisterForm(BrowserForm):
    full_name = StringField("Your name", [InputRequired("Enter your name."), Length(max=200)])
    email = EmailField("Email address", EMAIL)
    password = PasswordField("Password", NEW_PASSWORD)
    confirm = PasswordField("Repeat the password", [EqualTo("password", "The two passwords do not match.")])


class LoginForm(BrowserForm):
    email = EmailField("Email address", EMAIL)
    password = PasswordField("Password", [InputRequired("Enter your password."), Length(max=256)])


class EmailOnlyForm(BrowserForm):
    email = EmailField("Email address", EMAIL)


class ResetPasswordForm(BrowserForm):
    password = PasswordField("New password", NEW_PASSWORD)
    confirm = PasswordField(
        "Repeat the new password", [EqualTo("password", "The two passwords do not match.")]
    )


class StaffForm(BrowserForm):
    full_name = StringField("Name", [InputRequired("Enter the person's name."), Length(max=200)])
    email = EmailField("Work email address", EMAIL)
    unit_id = SelectField("Unit", coerce=int, validate_choice=True)
    role = SelectField("Role", validate_choice=True)
