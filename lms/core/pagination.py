"""Server-side pages of a long list, with numbered links that keep the page's other parameters.

``paginate`` returns Django's ``Page`` with what ``includes/pagination.html`` needs: the query
parameter of the page number (a page may list two things, each with its own), the other
parameters to keep in every link (already validated by the view), and the page numbers to link,
with ``…`` where a run of them is left out.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Page, Paginator


def paginate(items, per_page: int, number, *, param: str = "page", keep=None) -> Page:
    """The page ``number`` (any text; a bad one gives the first or last page) of ``items``.
    ``keep``: the other query parameters (a dict or an urlencoded string) of every link."""
    paginator = Paginator(items, per_page)
    page = paginator.get_page(number)
    if isinstance(keep, dict):
        keep = urlencode({k: v for k, v in keep.items() if v not in (None, "")}, doseq=True)
    page.param = param
    page.link_prefix = f"?{keep}&{param}=" if keep else f"?{param}="
    page.numbers = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    page.ellipsis = Paginator.ELLIPSIS
    return page
