"""Your own digits: the page saves the drawing with its true label into a my-digits folder.

    GET  /api/my-digits     whether saving is on, the folder, how many of each digit it holds
    POST /api/my-digits     a picture (multipart ``file``) and its ``label`` -> saved

The folder is the app's (``digitnet serve --my-digits DIR``, else the user's data folder; see
:mod:`digitnet.data.my_digits`, which checks the picture and writes atomically). An app made
without one answers 404 to a save.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, UploadFile

from digitnet.data.my_digits import MAX_PICTURE_BYTES, MyDigits
from digitnet.web.schemas import MyDigitSaved, MyDigitsInfo
from digitnet.web.state import AppState, AppStateDep

router = APIRouter()


def folder_of(state: AppState) -> MyDigits:
    """The app's my-digits folder, or 404 when saving is off."""
    if state.my_digits is None:
        raise HTTPException(404, "saving digits is off: this app was started without a "
                                 "my-digits folder (digitnet serve --my-digits DIR)")
    return state.my_digits


@router.get("/api/my-digits", summary="Your saved digits: the folder and how many of each")
def my_digits(state: AppStateDep) -> MyDigitsInfo:
    if state.my_digits is None:
        return MyDigitsInfo(enabled=False)
    counts = state.my_digits.counts()
    return MyDigitsInfo(enabled=True, folder=str(state.my_digits.folder), count=sum(counts),
                        per_label=counts)


@router.post("/api/my-digits", summary="Save a picture of a digit with its true label")
def save_my_digit(
    file: Annotated[UploadFile, File(description="a picture of one digit (the drawing)")],
    label: Annotated[int, Form(ge=0, le=9, description="the digit it really is")],
    state: AppStateDep,
) -> MyDigitSaved:
    folder = folder_of(state)
    picture = file.file.read(MAX_PICTURE_BYTES + 1)
    name, count = folder.save(picture, label)
    return MyDigitSaved(file=name, label=label, count=count)
