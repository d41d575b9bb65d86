"""What each recipe key means, in one sentence, for the JSON Schema's `description`s.

Editors show these as hover text and completion hints (`# yaml-language-server: $schema=`).
They are kept here rather than on the model's fields so the model stays readable; the schema
generator puts them on every property, and a test fails when a model field has no sentence here
or a sentence names a key the model no longer has. docs/recipes.md says the same at length.
"""

from __future__ import annotations

from typing import Final

_EXPR: Final = " A bare JMESPath expression (no ${ })."
_TEMPLATE: Final = " Strings are templates: ${expr} is replaced by the expression's value."

#: Model class name -> key as users write it -> description.
KEY_DOCS: Final[dict[str, dict[str, str]]] = {
    "Recipe": {
        "version": "The recipe format version; always 1. Checked before anything else.",
        "name": "The recipe's name: lowercase letters, digits, - and _.",
        "description": "One line saying what the recipe does, for people and agents.",
        "inputs": "The values a run takes, by name (letters, digits and _).",
        "connections": "The app connections the steps use, by name; each is ensured once a run.",
        "env": "Environment variables expressions may read as env.NAME; no other is visible.",
        "vars": "Named values computed in order before the steps, each seeing those above it."
        + _EXPR,
        "steps": "The steps, run in order; at least one.",
        "finally": "Steps that always run after `steps`, even when one of them failed.",
        "outputs": "The run's results, by name: expressions over the whole recipe scope.",
        "assert": "Checks on the outputs after the run; a failed one exits 3.",
    },
    "InputSpec": {
        "type": "The value's JSON type (default string).",
        "description": "What the input is for; shown by `mw describe` and to agents.",
        "default": "The value when none is given; it must fit the input's own rules.",
        "required": "Whether a value must be given. Default: required unless there is a default.",
        "secret": "Mask the value, and every string derived from it, in all output and files.",
        "from_env": "Read the value from this environment variable (treated as a secret).",
        "format": "A format a string must have: email, uri, date, date-time or path.",
        "enum": "The only values allowed.",
        "items": "The JSON Schema of each element of an array.",
        "properties": "The JSON Schema of an object's keys.",
        "minimum": "The smallest number allowed.",
        "maximum": "The largest number allowed.",
        "minLength": "The shortest string allowed, in characters.",
        "maxLength": "The longest string allowed, in characters.",
        "pattern": "A regular expression a string must match.",
        "minItems": "The fewest array elements allowed.",
        "maxItems": "The most array elements allowed.",
        "examples": "Sample values, for people and agents.",
    },
    "ConnectionSpec": {
        "app": "The app: a name (chatwoot, chaport, chatra), a domain or a URL.",
        "description": "Why the recipe needs this connection.",
        "rate_limit": "At most this many calls through the connection, as N/s, N/m or N/h.",
    },
    "Foreach": {
        "items": "The list to run the step over; the step sees `item` and `index`." + _EXPR,
        "concurrency": "How many items run at once, 1 (default) to 256.",
        "fail_fast": "Start no new item after the first one fails.",
    },
    "Paginate": {
        "cursor": "The next page's cursor on each page's result, null on the last page." + _EXPR,
        "page_size": "Numbered pages: a page with fewer items than this is the last.",
        "start": "With page_size, the first page's number (default 1).",
        "param": "The input key (a request step's query parameter) that gets the cursor or "
        "page number.",
        "items": "The list on each page's result; outputs see every page's items." + _EXPR,
        "max_pages": "Stop after this many pages (default 100).",
    },
    "Retry": {
        "attempts": "Total tries, counting the first, 1 to 100 (default 3).",
        "backoff": "How waits grow between tries: exponential (default) or fixed.",
        "initial": "The first wait (default 1s).",
        "max": "The longest wait (default 30s); not less than initial.",
        "jitter": "Randomise the waits so parallel runs do not retry in step (default true).",
        "when": "Retry only when this is truthy; it sees `error` (type, key, message, status, "
        "retryable). Default: retryable errors only." + _EXPR,
    },
    "RequestSpec": {
        "method": "The HTTP method (default GET).",
        "path": "The app API's path, e.g. /api/v1/accounts/1/contacts." + _TEMPLATE,
        "query": "Query parameters, by name." + _TEMPLATE,
        "headers": "Extra HTTP headers, by name." + _TEMPLATE,
        "body": "The JSON body." + _TEMPLATE,
        "path_params": "Values for {name} placeholders in path." + _TEMPLATE,
    },
    "Step": {
        "id": "The step's id, unique in the recipe: [a-z][a-z0-9_]*. Later steps read steps.ID.",
        "name": "A label for people.",
        "action": "The Membrane action key or id to run." + _TEMPLATE,
        "request": "An HTTP call to the app's API through the connection's proxy.",
        "recipe": "A sub-recipe to run: a path relative to this file, or a shipped name.",
        "set": "Named values computed with no call, read as steps.ID.outputs.NAME." + _EXPR,
        "connection": "Which of the recipe's connections the step uses (optional when there "
        "is one).",
        "input": "The action's input, or the sub-recipe's inputs." + _TEMPLATE,
        "effect": "read or write (default). `mw plan` runs reads and only prints writes.",
        "idempotent": "The write is safe to repeat after a timeout or a crash.",
        "if": "Run the step only when this is truthy." + _EXPR,
        "skip_if": "Skip the step when this is truthy." + _EXPR,
        "foreach": "Run the step once per item of a list.",
        "paginate": "Repeat the call page by page and join the pages' items.",
        "retry": "Try the call again when it fails.",
        "timeout": "The longest one try may take (for a recipe step, the whole sub-recipe).",
        "continue_on_error": "A failure of this step does not stop the run.",
        "outputs": "Named values computed from the step's result, read as "
        "steps.ID.outputs.NAME." + _EXPR,
    },
    "Assertion": {
        "that": "The condition that must hold; `outputs` is in its scope." + _EXPR,
        "message": "What to print when it does not hold.",
    },
}
