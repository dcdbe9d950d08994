"""Simplified Chinese unless the user picked another language with the switcher.

Django's LocaleMiddleware would follow the browser's Accept-Language, so an official whose
workstation browser happens to be English would get an English UI nobody asked for. Here
only an explicit choice (the language cookie set by `set_language`) changes the language.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def chosen_language(request) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen and chosen in dict(settings.LANGUAGES):
        return chosen
    return settings.LANGUAGE_CODE


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
