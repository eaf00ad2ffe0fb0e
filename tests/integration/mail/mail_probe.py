#!/usr/bin/env python3
"""A real mail client for the mail tests: one request as JSON on stdin, one answer as JSON on
stdout. Passwords arrive on stdin, never in argv. Python's own smtplib, imaplib, poplib and ssl
(certificates verified against the CA file given), and dkimpy (python3-dkim) with dnspython
asking a given DNS server (the test's Knot) for the key.

ops:
  send   {port, mode: plain|starttls|implicit, cafile, server_name, user?, password?, mail_from,
          rcpt_to: [...], subject?, body_bytes?, headers?, raw?, source?, announce_size?}
         -> {ok, stage, code, reply}  (stage: where it stopped: connect, starttls, auth, mail,
            rcpt, data, done)
  imap   {port, mode, cafile, server_name, user, password, folder?, subject?, source?}
         -> {ok, error?, count, matches, messages: [raw text of the matches]}
  pop3   {port, mode, cafile, server_name, user, password} -> {ok, error?, count}
  dkim   {file, dns_port} -> {ok, detail}
"""
import email
import imaplib
import json
import poplib
import smtplib
import socket
import ssl
import sys


def context(req):
    ctx = ssl.create_default_context(cafile=req["cafile"])
    return ctx


class SourceSMTP(smtplib.SMTP):
    pass


def connect_source(req):
    src = req.get("source")
    return (src, 0) if src else None


def send(req):
    host, port, mode = "127.0.0.1", req["port"], req.get("mode", "plain")
    out = {"ok": False, "stage": "connect", "code": 0, "reply": ""}
    try:
        if mode == "implicit":
            s = smtplib.SMTP_SSL(host, port, timeout=20, context=context(req),
                                 source_address=connect_source(req))
            s._host = req["server_name"]
        else:
            s = smtplib.SMTP(timeout=20, source_address=connect_source(req))
            s._host = req.get("server_name", host)
            code, msg = s.connect(host, port)
            if code != 220:
                out.update(code=code, reply=msg.decode(errors="replace"))
                return out
        s.ehlo("client.test")
        if mode == "starttls":
            out["stage"] = "starttls"
            code, msg = s.starttls(context=context(req))
            s.ehlo("client.test")
        if req.get("user"):
            out["stage"] = "auth"
            try:
                s.login(req["user"], req["password"])
            except smtplib.SMTPException as e:
                out.update(code=getattr(e, "smtp_code", 0),
                           reply=(getattr(e, "smtp_error", b"") or str(e).encode()).decode(errors="replace"))
                return out
        if req.get("raw") is not None:
            msg = req["raw"]
        else:
            body = req.get("body", "hello from the mail tests\r\n")
            if req.get("body_bytes"):
                line = ("x" * 76) + "\r\n"
                body = line * (req["body_bytes"] // len(line) + 1)
            headers = "".join(f"{k}: {v}\r\n" for k, v in req.get("headers", {}).items())
            msg = (f"From: {req['mail_from'] or 'MAILER-DAEMON@client.test'}\r\n"
                   f"To: {', '.join(req['rcpt_to'])}\r\nSubject: {req.get('subject', 'test')}\r\n"
                   f"Message-ID: <{req.get('subject', 'x')}@client.test>\r\n"
                   f"Date: Mon, 07 Dec 2026 10:00:00 +0000\r\n{headers}\r\n{body}")
        data = msg.encode() if isinstance(msg, str) else msg
        out["stage"] = "mail"
        options = [f"SIZE={len(data)}"] if req.get("announce_size", True) and s.has_extn("size") else []
        code, reply = s.mail(req["mail_from"], options)
        if code != 250:
            out.update(code=code, reply=reply.decode(errors="replace"))
            return out
        out["stage"] = "rcpt"
        for r in req["rcpt_to"]:
            code, reply = s.rcpt(r)
            if code not in (250, 251):
                out.update(code=code, reply=reply.decode(errors="replace"))
                return out
        out["stage"] = "data"
        code, reply = s.data(data)
        out.update(code=code, reply=reply.decode(errors="replace"))
        if code != 250:
            return out
        out["stage"] = "done"
        out["ok"] = True
        s.quit()
    except (smtplib.SMTPException, OSError, ssl.SSLError) as e:
        out["reply"] = f"{type(e).__name__}: {e}"
        code = getattr(e, "smtp_code", None)
        if code:
            out["code"] = code
    return out


class SourceIMAP4(imaplib.IMAP4):
    def __init__(self, host, port, source):
        self._source = source
        super().__init__(host, port, timeout=20)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=self._source)


def imap(req):
    host, port, mode = "127.0.0.1", req["port"], req.get("mode", "plain")
    out = {"ok": False, "count": 0, "matches": 0, "messages": []}
    try:
        if mode == "implicit":
            m = imaplib.IMAP4_SSL(host, port, ssl_context=context(req), timeout=20)
        else:
            m = SourceIMAP4(host, port, connect_source(req))
            if mode == "starttls":
                m.starttls(ssl_context=context(req))
        m.login(req["user"], req["password"])
        typ, data = m.select(req.get("folder", "INBOX"), readonly=True)
        out["count"] = int(data[0])
        crit = f'SUBJECT "{req["subject"]}"' if req.get("subject") else "ALL"
        typ, data = m.search(None, crit)
        ids = data[0].split()
        out["matches"] = len(ids)
        for i in ids[: req.get("fetch", 5)]:
            typ, msg = m.fetch(i, "(RFC822)")
            out["messages"].append(msg[0][1].decode(errors="replace"))
        m.logout()
        out["ok"] = True
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as e:
        out["error"] = f"{type(e).__name__}: {e}"
    return out


def pop3(req):
    host, port, mode = "127.0.0.1", req["port"], req.get("mode", "plain")
    out = {"ok": False, "count": 0}
    try:
        if mode == "implicit":
            p = poplib.POP3_SSL(host, port, context=context(req), timeout=20)
        else:
            p = poplib.POP3(host, port, timeout=20)
            if mode == "starttls":
                p.stls(context=context(req))
        p.user(req["user"])
        p.pass_(req["password"])
        out["count"] = p.stat()[0]
        p.quit()
        out["ok"] = True
    except (poplib.error_proto, OSError, ssl.SSLError) as e:
        out["error"] = f"{type(e).__name__}: {e}"
    return out


def dkim_verify(req):
    import dkim
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = req["dns_port"]
    resolver.lifetime = 5

    def dnsfunc(name, timeout=5):
        answer = resolver.resolve(name.decode().rstrip("."), "TXT")
        return b"".join(b"".join(r.strings) for r in answer)

    with open(req["file"], "rb") as f:
        message = f.read()
    out = {"ok": False, "detail": ""}
    try:
        d = dkim.DKIM(message)
        out["ok"] = bool(d.verify(dnsfunc=dnsfunc))
        out["detail"] = "verified" if out["ok"] else "signature did not verify"
        sig = email.message_from_bytes(message).get("DKIM-Signature", "")
        out["signature"] = " ".join(sig.split())
    except Exception as e:  # dkimpy raises its own and dnspython's errors
        out["detail"] = f"{type(e).__name__}: {e}"
    return out


def main():
    req = json.load(sys.stdin)
    op = req["op"]
    result = {"send": send, "imap": imap, "pop3": pop3, "dkim": dkim_verify}[op](req)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
