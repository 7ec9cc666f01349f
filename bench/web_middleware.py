"""Counts the SQL statements of each request and says how many in a response header.

Outermost, so it sees everything the request runs: the view, the template rendered after
it, the session and messages saved on the way out. Django's ``execute_wrapper`` sees every
statement sent through a cursor (SAVEPOINT and RELEASE included) but not BEGIN and COMMIT,
which the driver sends for ``transaction.atomic()``: add two per transaction.
"""

from django.db import connection

HEADER = "X-Bench-Statements"


def count_statements(get_response):
    def middleware(request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = get_response(request)
        response[HEADER] = str(count)
        return response

    return middleware
