# managed by hostplane: Sieve of plain@acme.example; edits are overwritten
require ["fileinto", "mailbox", "vacation"];
vacation :days 1 :subject "Gone" :addresses ["plain@acme.example"] "Gone.";
