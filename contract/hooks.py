"""Schemathesis hooks for Palette's contract test (scripts/contract).

JSON Schema cannot relate two members of a body, so two rules of the server
live only in the document's descriptions, and the server refuses a body
that breaks them with 422 naming the field:

- a promotion's target is not its source (POST /promotions, /promotions/preview);
- a promotion policy's verify_window_secs leaves room for every pass:
  at least verify_interval_secs x (verify_passes - 1), and its upstream is
  not the environment itself (PUT .../promotion-policy, the path's name).

Generated cases that break them are dropped here, so that "schema-valid
request rejected" keeps meaning what it says for everything else.
"""

import schemathesis


def _breaks_a_rule_between_members(method, path, body, path_parameters):
    if not isinstance(body, dict):
        return False
    if method == "POST" and path in ("/api/v1/promotions", "/api/v1/promotions/preview"):
        source, target = body.get("source"), body.get("target")
        return isinstance(source, str) and source == target
    if method == "PUT" and path.endswith("/promotion-policy"):
        name = (path_parameters or {}).get("name")
        if isinstance(name, str) and body.get("upstream") == name:
            return True
        window = body.get("verify_window_secs")
        interval = body.get("verify_interval_secs")
        passes = body.get("verify_passes")
        numbers = [v for v in (window, interval, passes) if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(numbers) == 3:
            return window < interval * (passes - 1)
    return False


@schemathesis.hook
def filter_case(context, case):
    operation = case.operation
    return not _breaks_a_rule_between_members(
        operation.method.upper(), operation.path, case.body, case.path_parameters
    )
