"""Outgoing email: one message shape, one transport (SMTP or the development outbox), and
one job type that delivers with retries. Features write their own messages (`*/mails.py`);
this package knows none of them."""
