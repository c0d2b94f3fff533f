"""Handing campaign messages to the SMTP server in two steps, several at once.

A message is first given its envelope and its whole text but not the final dot
(``begin``); the caller records it as sent; then the dot goes (``finish``). Until the dot
the server holds the message in suspense and discards it if the connection breaks, so a
worker killed before its commit leaves nothing delivered.

The transport keeps up to CAMPAIGN_SMTP_CONNECTIONS connections, one message in suspense
on each: a batch is begun on all of them, recorded in one commit, then finished. Without
SMTP_URL, each message is a file in the outbox folder, written at ``finish``."""

import re
import smtplib
import socket
from email.message import Message
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app


class Transport:
    def __enter__(self):
        self.url = current_app.config["SMTP_URL"]
        self.width = max(1, current_app.config["CAMPAIGN_SMTP_CONNECTIONS"]) if self.url else 1
        self.idle: list[smtplib.SMTP] = []
        self.busy: list[smtplib.SMTP] = []
        return self

    def _connect(self) -> smtplib.SMTP:
        parts = urlsplit(self.url)
        smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
        smtp = smtp_class(parts.hostname, parts.port or 25, timeout=30)
        if parts.scheme == "smtp+starttls":
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.ehlo_or_helo_if_needed()
        # The final dot goes in a write of its own: without this, Nagle's algorithm holds
        # it until the server acknowledges the text (tens of milliseconds a message).
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return smtp

    def begin(self, messages: list[Message]) -> list:
        """Everything but the final dots, each message on a connection of its own, the
        connections' commands in step (one round trip a step for all of them). For each
        message, what ``finish`` takes, or the SMTPResponseException refusing it."""
        if not self.url:
            return list(messages)
        connections = [self.idle.pop() if self.idle else self._connect() for _m in messages]
        outcome: list = list(connections)
        envelopes = [(parseaddr(m["From"])[1], parseaddr(m["To"])[1]) for m in messages]
        steps = [
            ("mail", lambda f, t: f"FROM:{smtplib.quoteaddr(f)}", (250,)),
            ("rcpt", lambda f, t: f"TO:{smtplib.quoteaddr(t)}", (250, 251)),
            ("data", lambda f, t: "", (354,)),
        ]
        for verb, argument, good in steps:
            going = [n for n, o in enumerate(outcome) if not isinstance(o, Exception)]
            for n in going:
                connections[n].putcmd(verb, argument(*envelopes[n]))
            for n in going:
                code, said = connections[n].getreply()
                if code not in good:
                    outcome[n] = smtplib.SMTPResponseException(code, said)
                    connections[n].rset()
                    self.idle.append(connections[n])
        for n, smtp in enumerate(outcome):
            if not isinstance(smtp, Exception):
                data = messages[n].as_bytes(policy=messages[n].policy.clone(linesep="\r\n"))
                data = re.sub(rb"(?m)^\.", b"..", data)  # a line's leading dot, doubled
                smtp.send(data if data.endswith(b"\r\n") else data + b"\r\n")
                self.busy.append(smtp)
        return outcome

    def finish(self, handles: list) -> list:
        """The final dots: the messages are delivered. For each, None or the
        SMTPResponseException of a server that refused it even so."""
        if not self.url:
            outbox = Path(current_app.config["OUTBOX_DIR"])
            outbox.mkdir(parents=True, exist_ok=True)
            for message in handles:
                name = message["Message-ID"].strip("<>").replace("@", "_at_") + ".eml"
                (outbox / name).write_bytes(bytes(message))
            return [None] * len(handles)
        for smtp in handles:
            smtp.send(b".\r\n")
        outcome = []
        for smtp in handles:
            code, said = smtp.getreply()
            self.busy.remove(smtp)
            self.idle.append(smtp)
            outcome.append(None if code == 250 else smtplib.SMTPDataError(code, said))
        return outcome

    def __exit__(self, *exc):
        for smtp in self.idle + self.busy:  # a message still in suspense is discarded
            try:
                if smtp in self.idle:
                    smtp.quit()
                else:
                    smtp.close()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        return False
