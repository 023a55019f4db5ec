from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _


class MarkForm(forms.Form):
    score = forms.DecimalField(label=_("Score"), min_value=0, decimal_places=2)
    comment = forms.CharField(
        label=_("Comment for the learner"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, points=None, **kwargs):
        super().__init__(*args, **kwargs)
        if points is not None:
            self.fields["score"].validators.append(MaxValueValidator(points))
            self.fields["score"].widget.attrs.update(
                {"max": str(points), "step": "0.01", "min": "0"}
            )
            self.fields["score"].help_text = _("From 0 to %(points)s points.") % {"points": points}


class RemarkForm(MarkForm):
    reason = forms.CharField(
        label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 3})
    )

    field_order = ["score", "reason", "comment"]
