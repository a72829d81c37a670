"""The languages a report is written in, and the marker of a message defined below the layer that translates it.

``N_("text")`` is ``"text"``: Babel's extractor (``make messages``) finds the call and puts the text in the catalogue
(``src/forecast/locale``); :func:`forecast.present.i18n.gettext` translates it where it is shown.
"""

from __future__ import annotations

LANGUAGES = ("en", "vi")  # English (the default, and the catalogue's message ids) and Vietnamese


def N_(message: str) -> str:
    """``message`` itself: marked for the catalogue, translated where it is shown."""
    return message
