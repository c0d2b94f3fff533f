"""The bill forms of the desk (a bill recorded, its payment, the rules) and the portal
(approval, dispute, the rules)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional


class BillForm(FlaskForm):
    supplier = StringField(_l("Supplier"), validators=[InputRequired()])
    number = StringField(_l("Invoice number"))
    amount = StringField(_l("Amount"), validators=[InputRequired()])
    currency = StringField(_l("Currency"), default="EUR", validators=[InputRequired()])
    issued_on = StringField(_l("Issued on"))
    due_on = StringField(_l("Due on"), validators=[InputRequired()])
    notes = TextAreaField(_l("Notes"))
    file = FileField(_l("The invoice (PDF or image)"))

    def payload(self) -> dict:
        return {
            "supplier": self.supplier.data, "number": self.number.data or None,
            "amount": self.amount.data, "currency": (self.currency.data or "").strip().upper(),
            "issued_on": self.issued_on.data or None, "due_on": self.due_on.data,
            "notes": self.notes.data or None,
        }  # fmt: skip


class RulesForm(FlaskForm):
    pre_approved = TextAreaField(
        _l("Approved in advance, one per line: supplier, up to amount, currency")
    )
    remind_days_before = IntegerField(
        _l("Remind the client this many days before a bill falls due (0: never)"),
        default=3,
        validators=[Optional()],
    )

    def fill(self, rules: dict) -> None:
        self.pre_approved.data = "\n".join(
            f"{r['supplier']}, {r['up_to']}, {r['currency']}" for r in rules["pre_approved"]
        )
        self.remind_days_before.data = rules["remind_days_before"]

    def payload(self) -> dict:
        lines = [line for line in (self.pre_approved.data or "").splitlines() if line.strip()]
        approved = []
        for line in lines:
            parts = [p.strip() for p in line.rsplit(",", 2)]
            supplier, up_to, currency = (parts + ["", "", ""])[:3] if len(parts) == 3 else (
                line.strip(), "", "")  # fmt: skip
            approved.append({"supplier": supplier, "up_to": up_to, "currency": currency.upper()})
        found = {"pre_approved": approved}
        if self.remind_days_before.data is not None:
            found["remind_days_before"] = self.remind_days_before.data
        return found


class DecisionForm(FlaskForm):
    reason = StringField(_l("What is wrong with it"))
    on = StringField(_l("Day"))


class ReceivableForm(FlaskForm):
    customer_name = StringField(_l("Customer"), validators=[InputRequired()])
    customer_email = StringField(_l("Customer's email address"), validators=[InputRequired()])
    number = StringField(_l("Invoice number"), validators=[InputRequired()])
    amount = StringField(_l("Amount"), validators=[InputRequired()])
    currency = StringField(_l("Currency"), default="EUR", validators=[InputRequired()])
    issued_on = StringField(_l("Issued on"))
    due_on = StringField(_l("Due on"), validators=[InputRequired()])
    first_after_days = IntegerField(
        _l("First reminder, days after the due date"), default=3, validators=[Optional()]
    )
    every_days = IntegerField(_l("Then every so many days"), default=7, validators=[Optional()])
    chase_limit = IntegerField(
        _l("At most this many reminders"), default=4, validators=[Optional()]
    )
    template_id = SelectField(_l("Written from"), choices=[], validate_choice=False)

    def payload(self) -> dict:
        found = {
            "customer_name": self.customer_name.data, "customer_email": self.customer_email.data,
            "number": self.number.data, "amount": self.amount.data,
            "currency": (self.currency.data or "").strip().upper(),
            "issued_on": self.issued_on.data or None, "due_on": self.due_on.data,
            "template_id": int(self.template_id.data) if (self.template_id.data or "").isdigit()
            else None,
        }  # fmt: skip
        for name in ("first_after_days", "every_days", "chase_limit"):
            if getattr(self, name).data is not None:
                found[name] = getattr(self, name).data
        return found
