"""The web forms (Flask-WTF, so every one carries a CSRF token).

Labels are lazily translated; validation messages name the field they concern.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from registry import names
from registry.permissions import Role
from registry.web.chrome import LANGUAGES
from routing.parties import COURTS


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class ReauthForm(FlaskForm):
    """A security-sensitive account action, confirmed with the current password (issue 11,
    M3: a stolen session alone must not mint signing keys or API tokens)."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])


class TokenForm(ReauthForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)])


class PasswordChangeForm(ReauthForm):
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=12, max=256)])


class EmailForm(FlaskForm):
    """The address deadline e-mails go to (empty: none); the admin's form."""

    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=254)])


class ContactForm(ReauthForm):
    """One's own deadline e-mails: the address, whether to get them, their language."""

    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=254)])
    notify = BooleanField(_l("E-mail me when a deadline is near or passed"))
    language = SelectField(
        _l("Language of the e-mails"),
        choices=[SelectChoice(code, label) for code, label in LANGUAGES],
    )


class EmptyForm(FlaskForm):
    """A form with nothing but its CSRF token (revoke, sign out, enable/disable)."""


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r.value, _l(names.ROLES[r.value])) for r in Role]
    )
    agency_code = SelectField(_l("Agency"), choices=[], validate_choice=False)
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=12, max=256)]
    )


class PasswordResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=12, max=256)]
    )


class ComposeForm(FlaskForm):
    """The envelope of contracts/route-plan.md plus the letter's content.

    The sender is always the officer's own agency, so it is not a field.
    """

    kind = SelectField(_l("Kind of letter"), choices=[])
    recipient = SelectField(_l("Recipient"), choices=[])
    date = DateField(_l("Letter date"), validators=[DataRequired()])
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=500)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=100_000)])
    language = StringField(_l("Language of the letter"), validators=[Optional(), Length(max=20)])
    send_direct = BooleanField(_l("Send directly, not through MFA (¶37, ¶44)"))
    urgent_needed_by = DateField(
        _l("Urgent: must be worked out with the foreign side by (¶44)"), validators=[Optional()]
    )
    legal_basis_kind = SelectField(_l("Legal basis for a direct send"), choices=[])
    legal_basis_ref = StringField(_l("The act (title, date, article)"), validators=[Optional()])
    planned_send_date = DateField(_l("Planned send date (¶40, ¶41)"), validators=[Optional()])
    reply_deadline = DateField(
        _l("Deadline stated in the communication (¶14-8)"), validators=[Optional()]
    )
    communication_language = StringField(
        _l("Language of the communication (¶14-8)"), validators=[Optional(), Length(max=20)]
    )
    # Optional selects: routing checks the value (an unknown one is named in its refusal).
    invitation_source = SelectField(
        _l("Whose proposal the invitation answers (¶14-10)"), choices=[], validate_choice=False
    )
    passphrase = PasswordField(_l("Your signing passphrase"), validators=[Optional()])


class UploadForm(FlaskForm):
    xml = FileField(_l("Signed letter (XML)"), validators=[FileRequired()])


class IncomingForm(FlaskForm):
    """An item received from outside Arna: a court's request (¶36), a special procedure's
    communication (¶14-5), a foreign body's note or letter (¶44). The receiving body is the
    officer's own agency; a foreign body's mail also names who sent it."""

    kind = SelectField(_l("Kind of item"), choices=[])
    foreign_sender = SelectField(
        _l("Foreign sender (a note or letter, ¶44)"), choices=[], validate_choice=False
    )
    recipient = SelectField(_l("Main addressee to forward it to"), choices=[])
    received_on = DateField(_l("Received on"), validators=[DataRequired()])
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=500)])
    body = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=100_000)])
    reply_deadline = DateField(_l("Reply deadline stated in it"), validators=[Optional()])
    language = StringField(_l("Language of the item"), validators=[Optional(), Length(max=20)])


class PublicationForm(FlaskForm):
    """¶14-8 part 2: the day OHCHR published a communication or MFA's reply."""

    published_on = DateField(_l("Published by OHCHR on"), validators=[DataRequired()])


class OpenCaseForm(FlaskForm):
    """A court's request opens its case file (Chapter 5)."""

    court = SelectField(
        _l("Court"), choices=[SelectChoice(c, _l(names.PARTIES[c])) for c in sorted(COURTS)]
    )
    court_deadline = DateField(_l("The court's own deadline for the reply"), [Optional()])
    judicial_practice = BooleanField(_l("A request about judicial practice (¶38)"))


class JoinCaseForm(FlaskForm):
    registry_number = StringField(
        _l("Registry number of the reply"), validators=[DataRequired(), Length(max=64)]
    )


class SigningKeyForm(ReauthForm):
    passphrase = PasswordField(
        _l("Signing passphrase"), validators=[DataRequired(), Length(min=12, max=256)]
    )
    confirm = PasswordField(
        _l("The same passphrase again"),
        validators=[DataRequired(), EqualTo("passphrase")],
    )


class TrustAnchorForm(FlaskForm):
    name = StringField(_l("Whose root it is"), validators=[DataRequired(), Length(max=200)])
    certificate = FileField(_l("Root certificate (PEM or DER)"), validators=[FileRequired()])


class CrlForm(FlaskForm):
    crl = FileField(_l("Revocation list (CRL, PEM or DER)"), validators=[FileRequired()])


class AgencyForm(FlaskForm):
    code = StringField(_l("Party code (AGENCY:<ID>)"), validators=[DataRequired(), Length(max=64)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=200)])
    name_kk = StringField(_l("Name in Kazakh"), validators=[DataRequired(), Length(max=200)])


class BinForm(FlaskForm):
    bin = StringField(_l("BIN"), validators=[Optional(), Length(max=12)])


class IinForm(FlaskForm):
    iin = StringField(_l("IIN"), validators=[Optional(), Length(max=12)])


class AnchorScopeForm(FlaskForm):
    """Which PKI an imported anchor is and what it may vouch for (identity.set_anchor_scope)."""

    pki = SelectField(
        _l("PKI"),
        choices=[
            SelectChoice("nca-production", _l("NCA RK (production)")),
            SelectChoice("nca-test", _l("NCA RK (test)")),
            SelectChoice("other", _l("Other: only the agencies chosen")),
        ],
    )
    agencies = SelectMultipleField(_l("May vouch for officers of"), choices=[])
    first_heads = BooleanField(_l("May vouch for their first heads"))


class ActingFirstHeadForm(FlaskForm):
    agency_code = SelectField(_l("Agency"), choices=[])
    iin = StringField(_l("IIN"), validators=[DataRequired(), Length(max=12)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("To (included)"), validators=[DataRequired()])
