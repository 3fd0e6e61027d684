"""Running `import_questions` from a test: its output, or its refusal (nothing written) and the reasons."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def run_import(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_questions", str(path), *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def import_fails(path, *args):
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_questions", str(path), *args, stdout=StringIO(), stderr=err)
    return err.getvalue()
