import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
application = get_wsgi_application()

# Refuse to serve with a data key that is not the database's (clear message, no 500 later).
from minzheng.core.keycheck import check_data_key  # noqa: E402

check_data_key()

# Seal audit events into the chain in the background: after each commit that recorded one, and
# every MINZHENG_AUDIT_SEAL_SECONDS for events whose writer died before its pass.
from django.conf import settings  # noqa: E402

from minzheng.core.audit import sealer  # noqa: E402

sealer.start(settings.AUDIT_SEAL_SECONDS or None)
