import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
application = get_wsgi_application()

# Refuse to serve with a data key that is not the database's (clear message, no 500 later).
from minzheng.core.keycheck import check_data_key  # noqa: E402

check_data_key()
