"""Refuses an oversized upload while it arrives, before Django has written it anywhere."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

TOO_LARGE = "secassure_upload_too_large"


class LimitedUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts each file's bytes and skips the rest of a file past
    SECASSURE_MAX_UPLOAD_BYTES, noting it on the request so the page can say why."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.SECASSURE_MAX_UPLOAD_BYTES:
            setattr(self.request, TOO_LARGE, self.file_name)
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None
