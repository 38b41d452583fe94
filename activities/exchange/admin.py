"""Messages are deliberately not in the admin: they are between agencies, and nobody outside
the parties reads them, not even a superuser (`Message.objects.visible_to`). Their content
types keep the admin log entries written before the move pointing at the right models."""
