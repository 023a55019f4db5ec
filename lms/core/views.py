from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def account(request):
    """The signed-in user's profile: official record, current agency posts and roles."""
    return render(request, "core/account.html", selectors.account_summary(user=request.user))
