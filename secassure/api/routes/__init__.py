"""The API's routes, one module for each part of the product, all on the one ``api``."""

from secassure.api.core import api
from secassure.api.routes import assessments, documents, exports, organisations, review, risks

for module in (organisations, documents, risks, assessments, review, exports):
    api.add_router("/", module.router)

__all__ = ["api"]
