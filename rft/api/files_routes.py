"""`/v1/files`: upload (multipart, purpose fine-tune), list, read, content, delete; OpenAI's shapes."""


from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import Response

from rft.api.errors import ApiError, not_found
from rft.api.uploads import check_upload

PURPOSES = {"fine-tune"}


def file_object(row: dict) -> dict:
    return {"id": row["id"], "object": "file", "bytes": row["bytes"], "created_at": row["created_at"],
            "filename": row["filename"], "purpose": row["purpose"], "status": "processed", "status_details": None}


def router(state, project) -> APIRouter:
    """`state` carries the store and upload limits; `project` is the dependency that reads the key."""
    api = APIRouter()
    Who = Annotated[str, Depends(project)]

    @api.post("/files")
    async def upload(file: Annotated[UploadFile, File()], purpose: Annotated[str, Form()], who: Who):
        if purpose not in PURPOSES:
            raise ApiError(400, f"purpose {purpose!r} is not supported here; use 'fine-tune'", param="purpose")
        data = await file.read(state.limits.max_bytes + 1)  # one byte over is enough to refuse
        name = file.filename or "upload.jsonl"
        lines = check_upload(data, name, state.limits)
        return file_object(state.store.add_file(who, name, purpose, data, lines))

    @api.get("/files")
    def listing(who: Who, purpose: str | None = None):
        return {"object": "list", "data": [file_object(r) for r in state.store.files(who, purpose)],
                "has_more": False}

    @api.get("/files/{file_id}")
    def one(file_id: str, who: Who):
        row = state.store.file(who, file_id)
        if row is None:
            raise not_found("file", file_id)
        return file_object(row)

    @api.get("/files/{file_id}/content")
    def content(file_id: str, who: Who):
        if state.store.file(who, file_id) is None:
            raise not_found("file", file_id)
        return Response(state.store.file_path(file_id).read_bytes(), media_type="application/jsonl")

    @api.delete("/files/{file_id}")
    def delete(file_id: str, who: Who):
        if not state.store.delete_file(who, file_id):
            raise not_found("file", file_id)
        return {"id": file_id, "object": "file", "deleted": True}

    return api
