"""What a sender reports when a message did not go (no provider library needed to read it)."""

from __future__ import annotations


class SendError(Exception):
    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        ambiguous: bool = False,
        retry_after: float | None = None,
        code: int | None = None,
        throttled: bool = False,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent  # retrying cannot help
        self.ambiguous = ambiguous  # it may have gone: look it up before sending again
        self.retry_after = retry_after  # seconds the provider asked us to wait
        self.code = code  # the provider's error code
        self.throttled = throttled  # the provider asked the whole sender to slow down (429)
