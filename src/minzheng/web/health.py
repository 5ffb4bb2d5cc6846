from django.db import connection
from django.http import JsonResponse

from minzheng.core.jobs import backend_status


def healthz(request):
    db = {"vendor": connection.vendor, "ok": True}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
    except Exception as exc:  # report, don't crash: this is the health probe
        db.update(ok=False, error=str(exc)[:200])
    jobs = backend_status()
    ok = db["ok"] and jobs["ok"]
    return JsonResponse(
        {"status": "ok" if ok else "degraded", "database": db, "jobs": jobs},
        status=200 if ok else 503,
    )
