"""The web console's core: sign-in links and sessions (:mod:`.signin`, :mod:`.tokens`), and what the live
pages show (:mod:`.progress`). Platform-free: ``handlers/web`` serves it over HTTP."""
