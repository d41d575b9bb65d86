"""The offline sandbox: a `membrane` look-alike that serves Chatwoot, Chaport and Chatra.

It is the other side of the wire from `wrapper.membrane`, so it imports nothing from the rest of
`wrapper`: a mistake in the client must show up as a failure here, not be shared.
"""

from __future__ import annotations
