"""Chatwoot in the sandbox: `app` assembles it from its routes (account, contacts,
conversations, with what they share in `http`), its actions, schemas, records and demo world."""
