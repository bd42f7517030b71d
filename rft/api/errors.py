"""Errors in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ApiError(Exception):
    status: int
    message: str
    type: str = "invalid_request_error"
    param: str | None = None
    code: str | None = None

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def not_found(kind: str, ident: str) -> ApiError:
    return ApiError(404, f"No such {kind}: {ident}", param="id", code=f"{kind}_not_found")


def unauthorized(message: str = "Incorrect API key provided.") -> ApiError:
    return ApiError(401, message, type="invalid_request_error", code="invalid_api_key")


def install(app) -> None:
    """Every error the app can raise answers in OpenAI's shape: ours, FastAPI's validation of a request
    (the field named), a bad input of the pipeline (file, line and field), and anything unexpected."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException

    from rft.errors import RftInputError

    @app.exception_handler(ApiError)
    async def _ours(request, err: ApiError):
        return JSONResponse(err.body(), status_code=err.status)

    @app.exception_handler(RequestValidationError)
    async def _request(request, err: RequestValidationError):
        first = (err.errors() or [{}])[0]
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
        return JSONResponse(ApiError(400, f"{where or 'request'}: {first.get('msg', 'invalid')}",
                                     param=where or None).body(), status_code=400)

    @app.exception_handler(RftInputError)
    async def _input(request, err: RftInputError):
        return JSONResponse(ApiError(400, str(err), param=err.field).body(), status_code=400)

    @app.exception_handler(HTTPException)
    async def _http(request, err: HTTPException):
        return JSONResponse(ApiError(err.status_code, str(err.detail)).body(), status_code=err.status_code)

    @app.exception_handler(Exception)
    async def _other(request, err: Exception):  # logged by the server; the client gets no internals
        return JSONResponse(ApiError(500, "The server had an error while processing your request.",
                                     type="server_error").body(), status_code=500)
