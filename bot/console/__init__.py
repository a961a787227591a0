"""The statisticians' console, without the web: the services the console's pages render.

Platform-free like the chat features: :class:`bot.console.service.ConsoleService` takes the signed-in user as
a :class:`bot.core.chat.Sender` and plain values, checks the chat's roles and scopes (:mod:`bot.stats.roles`),
and returns plain records or a :class:`bot.console.scope.Refused` with the Chinese text to show. The pure
parts are one module per page: anomalies, history (a household's reports and audit trail), roster (what an
upload would change); corrections and schedules go through the reporting loop's and the reminders' services.
"""
