# managed by hostplane: Sieve of info@acme.example; edits are overwritten
require ["fileinto", "mailbox", "vnd.dovecot.filter", "vacation", "date", "relational"];
filter "spamc" ["-U", "/hp/run/spamd.sock"];
if header :contains "X-Spam-Flag" "YES" {
  fileinto :create "Junk";
  stop;
}
if allof(currentdate :value "ge" "date" "2026-12-01") {
  vacation :days 3 :subject "Away \"till\" Monday" :addresses ["info@acme.example", "sales@acme.example", "team@acme-shop.example"] "Back on Monday.
Urgent? Call \\ us.";
}
