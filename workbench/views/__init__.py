"""Read models that join several domain packages, for the screens and commands: a member's
profile and history, a complaint's card and story (its calls, messages and callback tasks).
They sit above the domain packages and below the use cases, which are their only callers."""
