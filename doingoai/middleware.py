"""The portal's middleware: the interface language, and the one place that cleans what a
request brings and refuses what is over Django's limits."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, UnreadablePostError
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

from .text import clean_text, has_control_characters


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Vietnamese unless the user chose another language with the switch.

    Django's own middleware follows the browser's Accept-Language, and office PCs often run an
    English browser: their users would get English pages they never asked for.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


# Posted fields whose value is a secret as typed: cleaning would change what the user chose
# (a password of decomposed letters must stay the one its hash was made from).
UNTOUCHED_FIELDS = frozenset(
    {
        "password",
        "password1",
        "password2",
        "old_password",
        "new_password1",
        "new_password2",
    }
)

# What each of Django's request limits is called on the page that refuses it, with its status:
# too large is 413 (Content Too Large); too many fields is a malformed request, 400.
TOO_LARGE = {
    RequestDataTooBig: (413, "data"),
    TooManyFilesSent: (413, "files"),
    TooManyFieldsSent: (400, "fields"),
}


def _cleaned(params: QueryDict, untouched: frozenset[str] = frozenset()) -> QueryDict:
    cleaned = QueryDict(mutable=True, encoding=params.encoding)
    for key, values in params.lists():
        if key in untouched:
            cleaned.setlist(key, values)
        else:
            cleaned.setlist(
                clean_text(key), [clean_text(value, multiline=True) for value in values]
            )
    cleaned._mutable = False  # read-only, as Django hands request.GET and request.POST
    return cleaned


class CleanInputMiddleware:
    """Every text a request brings is cleaned once, here (doingoai.text.clean_text): the query
    string, the posted fields (passwords excepted) and the names of uploaded files. Cleaning
    keeps line breaks, since this layer does not know which field has lines; a single-line
    form field and the model's save make them spaces (doingoai.forms.StyledBoundField,
    doingoai.apps).

    A path with a control or invisible character is no page of the portal (404) rather than
    a database error. A body over Django's limits (DATA_UPLOAD_MAX_MEMORY_SIZE,
    DATA_UPLOAD_MAX_NUMBER_FIELDS, DATA_UPLOAD_MAX_NUMBER_FILES) is refused here, before any
    view runs, with templates/413.html saying what was too much.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_control_characters(request.path):
            raise Http404
        try:
            request.GET = _cleaned(request.GET)
            if request.method == "POST":
                request.POST = _cleaned(request.POST, UNTOUCHED_FIELDS)
                for _name, uploads in request.FILES.lists():
                    for upload in uploads:
                        upload.name = clean_text(upload.name)
        except tuple(TOO_LARGE) as exc:
            return refusal(request, exc)
        except UnreadablePostError:
            # The client went away mid-body: nothing to clean. Passed on as it came, the
            # CSRF check meets the same error and answers 403 quietly, as Django does.
            pass
        return self.get_response(request)


def back_link(request: HttpRequest) -> str:
    """The path of the refused form as a link on the portal: a path that a browser would read
    as another site ("//evil.example/x", "/\\evil.example") links to the home page instead."""
    path = request.path
    return path if url_has_allowed_host_and_scheme(path, allowed_hosts=None) else "/"


def refusal(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The page of a request over one of Django's limits: what was too much, the limit, and
    the way back to the form; no view has run and nothing was saved. A signed-in user (the
    session is read from the cookie, not the refused body) gets the navigation with it, as
    on the 404 page; without a user (a request that did not pass AuthenticationMiddleware)
    it is rendered without the request's context, with no query, as the 500 page is."""
    status, what = TOO_LARGE[type(exc)]
    context = {
        "what": what,
        "max_size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        "max_fields": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        "max_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES,
        "back": back_link(request),
    }
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    html = render_to_string("413.html", context, request=request if signed_in else None)
    return HttpResponse(html, status=status)
